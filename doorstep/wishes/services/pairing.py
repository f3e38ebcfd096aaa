"""结对帮扶 (issue #15 item 3): a volunteer's ongoing help for a household, started by the community's staff (a
household of their community, by a wish or its 户号) or asked for by a volunteer who holds or fulfilled a claim on
one of the household's wishes; its visits logged by the paired volunteer (when, what was done, needs found) and read
by the community and the household's grid worker; ended by either side with a reason.

A volunteer sees the household by its head's masked name only (丁**家): never its address, members, phones or ID
numbers. One active pairing per volunteer and household: a partial unique index (models.Pairing).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from doorstep.accounts.models import User
from doorstep.accounts.roles import Role
from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.core.ids import parse_id
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.org.models import OrgNode
from doorstep.registry.models import Household
from doorstep.wishes.authority import Extra
from doorstep.wishes.models import ClaimState, Pairing, PairingVisit, Volunteer, Wish, WishClaim
from doorstep.wishes.services.common import (
    authorize,
    community_relations,
    mask_name,
    pairing_relations,
    volunteer_of,
    wish_relations,
)
from doorstep.wishes.workflow import RegistrationState

VISIT_TEXT_MAX = 500  # the model's columns
MIN_DONE_LENGTH = 2
END_REASON_MAX = 300
MIN_END_REASON = 2
HOUSEHOLD_NUMBER_MAX = 24


def household_masked(household: Household) -> str:
    """丁**家: the head's name masked (services.common.mask_name), or the first member's when no head is recorded."""
    members = sorted(household.members.all(), key=lambda r: (r.relation != "head", r.status != "active", r.pk))
    # stored, and records are kept in the site's language (Chinese), whoever's page made them
    return (mask_name(members[0].name) if members else "*") + "家"  # zh: a stored record, in the records' language


def _grid_workers(path: str) -> list:
    return list(User.objects.filter(role=Role.GRID_WORKER, org_node__code=path, is_active=True))


def _community_staff(community_id: int) -> list:
    return list(User.objects.filter(role=Role.CLERK, org_node_id=community_id, is_active=True))


def _link(pairing: Pairing) -> str:
    return f"/volunteers/pairings/{pairing.pk}/"


def _household_in(community: OrgNode, *, household_id=None, household_number: str = "") -> Household:
    """A household of the community by id or 户号; NotFound for one elsewhere (the same as a missing one)."""
    households = Household.objects.filter(path__startswith=community.code)
    if household_id not in (None, ""):
        found = households.filter(pk=parse_id(household_id)).first()
    else:
        number = " ".join(str(household_number or "").split())
        if not number:
            raise ValidationFailed(_("请填写要结对的家庭户号，或从心愿选择家庭。"), field="household")
        if len(number) > HOUSEHOLD_NUMBER_MAX:
            raise ValidationFailed(_("户号无效，请核对后重新填写。"), field="household")
        found = households.filter(number=number).first()
        if found is None:
            raise ValidationFailed(_("本社区没有这个户号，请核对后重新填写。"), field="household")
    if found is None:
        raise NotFound()
    return found


def _active_volunteer(volunteer_id) -> Volunteer:
    try:
        pk = parse_id(volunteer_id)
    except NotFound:
        raise ValidationFailed(_("请选择结对的志愿者。"), field="volunteer") from None
    volunteer = Volunteer.objects.select_related("user").filter(pk=pk).first()
    if volunteer is None or volunteer.state != RegistrationState.ACTIVE:
        raise ValidationFailed(_("只能与在册志愿者结对，请从名册中选择。"), field="volunteer")
    return volunteer


def _community_of(household: Household) -> OrgNode:
    return OrgNode.objects.get(code=household.path[:12], level="community")


def pairing_start(*, actor, wish_id=None, household_id=None, household_number: str = "", volunteer_id=None,
                  idempotency_key, now: datetime.datetime | None = None) -> Pairing:
    """Start a pairing.

    The community's staff: a volunteer (volunteer_id, active) with a household of their community, taken from a
    wish (wish_id) or by id or 户号. A volunteer: with the household of a wish they hold or fulfilled a claim on
    (wish_id; Extra.PAIR with the CLAIMANT relation). A wish or household the actor cannot reach is NotFound.
    Refused: a second active pairing of the same volunteer and household. A doubled submission (same key) returns
    the first pairing. Audit: pairing.start. Notifies the household's grid workers, the community's staff and the
    volunteer."""
    now = now or timezone.now()
    wish = None
    if actor.role == Role.VOLUNTEER:
        volunteer = volunteer_of(actor)
        if volunteer is None:
            raise PermissionDenied(_("报到经社区确认后才能结对帮扶。"))
        if volunteer_id not in (None, "") and str(volunteer_id) != str(volunteer.pk):
            raise PermissionDenied(_("志愿者只能为自己申请结对。"))
        if wish_id in (None, ""):
            raise ValidationFailed(_("请从您认领过的心愿申请结对。"), field="wish")
        wish = Wish.objects.select_related("community", "household").filter(pk=parse_id(wish_id)).first()
        if wish is None:
            raise NotFound()
        authorize(actor, Extra.PAIR, wish_relations(actor, wish, volunteer=volunteer))
        household, community = wish.household, wish.community
    else:
        node = actor.org_node if actor.org_node_id else None
        if node is None or node.level != "community":
            authorize(actor, Extra.PAIR, frozenset())  # the table's own words for who may
        if wish_id not in (None, ""):
            wish = Wish.objects.select_related("community", "household").filter(
                pk=parse_id(wish_id), community_id=node.pk).first()
            if wish is None:
                raise NotFound()
            household = wish.household
        else:
            household = _household_in(node, household_id=household_id, household_number=household_number)
        community = _community_of(household)
        authorize(actor, Extra.PAIR, community_relations(actor, community))
        volunteer = _active_volunteer(volunteer_id)
        # The community pairs its own members; a member of another community only through a claim they made on this
        # household's wish (then it is the volunteer who asks, from the claim).
        if volunteer.community_id != community.pk and not WishClaim.objects.filter(
                volunteer=volunteer, wish__household=household,
                state__in=[ClaimState.ACTIVE, ClaimState.FULFILLED]).exists():
            raise ValidationFailed(_("只能与本社区名册中的志愿者结对（其他社区的志愿者可从其认领的心愿申请结对）。"),
                                   field="volunteer")
    masked = household_masked(household)

    def create() -> Pairing:
        try:
            with transaction.atomic():
                pairing = Pairing.objects.create(
                    community=community, path=household.path, household=household, household_masked=masked,
                    volunteer=volunteer, wish=wish, started_at=now, created_by=actor)
        except IntegrityError:
            raise Conflict(_("该志愿者已在与这户家庭结对帮扶，不能重复结对。")) from None
        audit_record(actor=actor, action="pairing.start", target=pairing,
                     summary={"volunteer": volunteer.number, "household": household.pk, "wish": wish.pk if wish else None})
        title = said(gettext_noop("新的结对帮扶：{volunteer}（{number}）结对{household}"), volunteer=volunteer.name,
                     number=volunteer.number or "", household=masked)
        notify(_grid_workers(household.path) + _community_staff(community.pk), kind="pairing.started", title=title,
               link=_link(pairing))
        if volunteer.user_id != actor.pk:
            notify([volunteer.user], kind="pairing.started",
                   title=said(gettext_noop("社区为您安排了结对帮扶：{household}"), household=masked), link=_link(pairing))
        return pairing

    inputs = {"volunteer": volunteer.pk, "household": household.pk, "wish": wish.pk if wish else None}
    pairing, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="pairing.start", inputs=inputs,
                                           create=create)
    return pairing


def _pairing(actor, pairing_id, *, lock: bool = False) -> tuple[Pairing, frozenset]:
    """The pairing and the actor's relations; NotFound when the actor stands in none of them."""
    rows = Pairing.objects.select_related("community", "volunteer__user")
    if lock:
        rows = rows.select_for_update()
    pairing = rows.filter(pk=parse_id(pairing_id)).first()
    if pairing is None:
        raise NotFound()
    held = pairing_relations(actor, pairing)
    if not held:
        raise NotFound()
    return pairing, held


def _visit_day(value, *, started: datetime.date, today: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    if not isinstance(value, datetime.date):
        text = str(value or "").strip()[:20]
        try:
            value = datetime.date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            value = None
        if value is None:
            raise ValidationFailed(_("请填写走访日期（如 2026-05-01）。"), field="visited_on")
    if value > today:
        raise ValidationFailed(_("走访日期不能晚于今天。"), field="visited_on")
    if value < started:
        raise ValidationFailed(_("走访日期不能早于结对日期（%(day)s）。") % {"day": started.isoformat()},
                               field="visited_on")
    return value


def _visit_text(value, *, field: str, label: str, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > VISIT_TEXT_MAX:
        raise ValidationFailed(_("%(label)s不能超过%(count)s个字。") % {"label": label, "count": VISIT_TEXT_MAX},
                               field=field)
    if required and len(text) < MIN_DONE_LENGTH:
        raise ValidationFailed(_("请写明%(label)s（至少%(count)s个字）。") % {"label": label, "count": MIN_DONE_LENGTH},
                               field=field)
    return text


def pairing_log_visit(*, actor, pairing_id, visited_on, done, needs="", idempotency_key,
                      now: datetime.datetime | None = None) -> PairingVisit:
    """记录走访 by the paired volunteer: the day (not in the future, not before the pairing began), what was done
    (required) and the needs found (optional; the household's grid worker is told of them). Refused on an ended
    pairing. A doubled submission (same key) returns the first visit. Audit: pairing.visit."""
    now = now or timezone.now()
    pairing, held = _pairing(actor, pairing_id)
    authorize(actor, Extra.LOG_VISIT, held)
    if pairing.state != Pairing.State.ACTIVE:
        raise Conflict(_("结对帮扶已结束，不能再记录走访。"))
    day = _visit_day(visited_on, started=timezone.localdate(pairing.started_at), today=timezone.localdate(now))
    done = _visit_text(done, field="done", label=_("帮扶内容"), required=True)
    needs = _visit_text(needs, field="needs", label=_("发现需求"), required=False)

    def create() -> PairingVisit:
        visit = PairingVisit.objects.create(pairing=pairing, visited_on=day, visitor=pairing.volunteer, done=done,
                                            needs=needs, logged_at=now)
        audit_record(actor=actor, action="pairing.visit", target=pairing,
                     summary={"visit": visit.pk, "visited_on": day.isoformat(), "needs": bool(needs)})
        if needs:
            notify(_grid_workers(pairing.path), kind="pairing.needs",
                   title=said(gettext_noop("结对走访发现需求：{household}"), household=pairing.household_masked),
                   body=needs, link=_link(pairing))
        return visit

    visit, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="pairing.visit",
                                         inputs={"pairing": pairing.pk, "day": day.isoformat(), "done": done,
                                                 "needs": needs}, create=create)
    return visit


def pairing_end(*, actor, pairing_id, reason, now: datetime.datetime | None = None) -> Pairing:
    """结束结对 by the paired volunteer or the community's staff, with a reason. Audit: pairing.end. Notifies the
    other side and the household's grid workers."""
    now = now or timezone.now()
    with transaction.atomic():
        pairing, held = _pairing(actor, pairing_id, lock=True)
        authorize(actor, Extra.END_PAIRING, held)
        if pairing.state != Pairing.State.ACTIVE:
            raise Conflict(_("结对帮扶已结束。"))
        text = " ".join(str(reason or "").split())
        if len(text) > END_REASON_MAX:
            raise ValidationFailed(_("原因不能超过%(count)s个字。") % {"count": END_REASON_MAX}, field="reason")
        if len(text) < MIN_END_REASON:
            raise ValidationFailed(_("请填写结束原因（至少%(count)s个字）。") % {"count": MIN_END_REASON}, field="reason")
        pairing.state, pairing.ended_at, pairing.ended_reason = Pairing.State.ENDED, now, text
        pairing.save(update_fields=["state", "ended_at", "ended_reason"])
        audit_record(actor=actor, action="pairing.end", target=pairing, reason=text)
        others = _grid_workers(pairing.path)
        others += _community_staff(pairing.community_id) if pairing.volunteer.user_id == actor.pk \
            else [pairing.volunteer.user]
        notify([u for u in others if u.pk != actor.pk], kind="pairing.ended",
               title=said(gettext_noop("结对帮扶已结束：{household}"), household=pairing.household_masked),
               body=said(gettext_noop("原因：{reason}"), reason=text), link=_link(pairing))
    return pairing
