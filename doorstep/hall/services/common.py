"""What the hall's writes share: the actor's relations to a booking or ticket, the authority check, the state
machines' refusals in the reader's language, and the center's policy."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext, pgettext

from doorstep.core.errors import Conflict, NotFound, PermissionDenied
from doorstep.core.ids import parse_id
from doorstep.core.workflow_text import Reason
from doorstep.hall.authority import ANY_ACTION, Relation, refusal
from doorstep.hall.models import HallPolicy, PriorityRule
from doorstep.hall.workflow import MoveRefused


def reason_text(reason: Reason) -> str:
    return reason.text(gettext, pgettext)


def refused(exc: MoveRefused) -> Conflict:
    """A state machine's refusal as the Conflict (409) a page or the API shows."""
    return Conflict(reason_text(exc.reason))


def policy_for(center) -> HallPolicy:
    """The center's hall policy, or the defaults (an unsaved row) when it has none."""
    policy = HallPolicy.objects.filter(center_id=center.pk).first()
    return policy or HallPolicy(center=center)


def center_get(center_id):
    """A service center by id: NotFound for a malformed or missing id (any center may be booked: 全区通办)."""
    from doorstep.org.models import ServiceCenter

    pk = parse_id(center_id)
    center = ServiceCenter.objects.select_related("org_node").filter(pk=pk).first()
    if center is None:
        raise NotFound()
    return center


def works_at(actor, center) -> bool:
    return bool(actor.org_node_id) and actor.org_node_id == center.org_node_id


def center_relations(actor, center) -> set[Relation]:
    found = set()
    if works_at(actor, center):
        found.add(Relation.CENTER)
    node = getattr(actor, "org_node", None)
    if node is not None and center.org_node.code.startswith(node.code):
        found.add(Relation.AREA)
    return found


def booking_relations(actor, booking) -> frozenset[Relation]:
    found = center_relations(actor, booking.center)
    if actor.resident_id and actor.resident_id == booking.applicant_id:
        found.add(Relation.SELF)
    if booking.booked_by_id == actor.pk:
        found.add(Relation.BOOKER)
    node = getattr(actor, "org_node", None)
    if actor.role == "grid_worker" and node is not None and booking.applicant_path.startswith(node.code):
        found.add(Relation.GRID)
    return frozenset(found)


def ticket_relations(actor, ticket, *, held_window_id: int | None = None) -> frozenset[Relation]:
    """`held_window_id`: the window of the actor's open session, when the caller has read it already."""
    found = center_relations(actor, ticket.center)
    if actor.resident_id and ticket.applicant_id == actor.resident_id:
        found.add(Relation.SELF)
    if ticket.window_id and ticket.window_id == held_window_id:
        found.add(Relation.MY_WINDOW)
    return frozenset(found)


def authorize(actor, action: ANY_ACTION, held: frozenset[Relation] | set[Relation]) -> None:
    """PermissionDenied with the reason unless the hall's table lets the actor take the action from where they
    stand (doorstep.hall.authority.HALL_AUTHORITY)."""
    reason = refusal(actor.role, action, frozenset(held))
    if reason:
        raise PermissionDenied(reason_text(reason))


def active_priority_rules() -> list[PriorityRule]:
    return list(PriorityRule.objects.filter(is_active=True).order_by("rank", "code"))


def local_day(moment: datetime.datetime) -> datetime.date:
    """The day in Beijing time (settings.TIME_ZONE): tickets and slots are numbered and counted by it."""
    return timezone.localdate(moment)
