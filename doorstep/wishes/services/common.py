"""What the community's writes share: the actor's relations to a wish, volunteer, activity, sign-up or pairing, the
authority check, the state machines' refusals in the reader's language, the community's policy, masking."""

from django.utils.translation import gettext, pgettext

from doorstep.core.errors import Conflict, NotFound, PermissionDenied
from doorstep.core.ids import parse_id
from doorstep.core.workflow_text import Reason
from doorstep.wishes.authority import ANY_ACTION, Relation, refusal
from doorstep.wishes.models import ClaimState, CommunityPolicy, Volunteer
from doorstep.wishes.workflow import MoveRefused, RegistrationState


def reason_text(reason: Reason) -> str:
    return reason.text(gettext, pgettext)


def refused(exc: MoveRefused) -> Conflict:
    """A state machine's refusal as the Conflict (409) a page or the API shows."""
    return Conflict(reason_text(exc.reason))


def authorize(actor, action: ANY_ACTION, held) -> None:
    """PermissionDenied with the reason unless WISHES_AUTHORITY lets the actor take the action from where they
    stand."""
    reason = refusal(actor.role, action, frozenset(held))
    if reason:
        raise PermissionDenied(reason_text(reason))


def policy_for(community) -> CommunityPolicy:
    """The community's policy, or the defaults (an unsaved row) when it has none."""
    policy = CommunityPolicy.objects.filter(community_id=community.pk).first()
    return policy or CommunityPolicy(community=community)


def mask_name(name: str) -> str:
    """丁雪琴 → 丁**, 张三 → 张*: a wish's beneficiary as the wall shows it (surname only, so that a neighbour
    cannot tell who from the length and last character)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def volunteer_of(actor) -> Volunteer | None:
    """The actor's confirmed (active) volunteer registration, or None."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role != "volunteer":
        return None
    return Volunteer.objects.filter(user_id=actor.pk, state=RegistrationState.ACTIVE).select_related(
        "community").first()


def registration_of(actor) -> Volunteer | None:
    """The actor's registration in any state (applied, active, rejected, left), or None."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user_id=actor.pk).select_related("community").first()


def _node_code(actor) -> str:
    node = getattr(actor, "org_node", None)
    return node.code if node is not None else ""


def community_relations(actor, community) -> set[Relation]:
    """COMMUNITY for the community's own staff, AREA for staff at or above it (a street's, the district's)."""
    found: set[Relation] = set()
    if not getattr(actor, "is_staff_role", False):
        return found
    code = _node_code(actor)
    if actor.org_node_id and actor.org_node_id == community.pk:
        found.add(Relation.COMMUNITY)
    if code and community.code.startswith(code):
        found.add(Relation.AREA)
    return found


def household_relations(actor, *, community, path: str, household_id: int) -> set[Relation]:
    if not getattr(actor, "is_authenticated", False):
        return set()
    found = community_relations(actor, community)
    if actor.role == "grid_worker" and _node_code(actor) and path.startswith(_node_code(actor)):
        found.add(Relation.GRID)
    resident = getattr(actor, "resident", None) if actor.resident_id else None
    if actor.role == "resident" and resident is not None and resident.household_id == household_id:
        found.add(Relation.HOUSEHOLD)
    return found


def wish_relations(actor, wish, *, volunteer: Volunteer | None = None) -> frozenset[Relation]:
    """`volunteer`: the actor's active registration when the caller has read it (else read here for a volunteer)."""
    if not getattr(actor, "is_authenticated", False):
        return frozenset()
    found = household_relations(actor, community=wish.community, path=wish.path, household_id=wish.household_id)
    if volunteer is None and actor.role == "volunteer":
        volunteer = volunteer_of(actor)
    if wish.posted_by_id == actor.pk:
        found.add(Relation.POSTER)
    if volunteer is not None:
        found.add(Relation.VOLUNTEER)
        if wish.claims.filter(volunteer=volunteer, state__in=[ClaimState.ACTIVE, ClaimState.FULFILLED]).exists():
            found.add(Relation.CLAIMANT)
    return frozenset(found)


def volunteer_relations(actor, volunteer: Volunteer) -> frozenset[Relation]:
    found = community_relations(actor, volunteer.community)
    if volunteer.user_id == actor.pk:
        found.add(Relation.SELF)
    return frozenset(found)


def activity_relations(actor, activity, *, volunteer: Volunteer | None = None) -> frozenset[Relation]:
    found = community_relations(actor, activity.community)
    if volunteer is None and actor.role == "volunteer":
        volunteer = volunteer_of(actor)
    if activity.coordinator_id == actor.pk:
        found.add(Relation.COORDINATOR)
    if volunteer is not None:
        found.add(Relation.VOLUNTEER)
    return frozenset(found)


def signup_relations(actor, signup) -> frozenset[Relation]:
    found = set(activity_relations(actor, signup.activity))
    if signup.volunteer.user_id == actor.pk:
        found.add(Relation.SELF)
    return frozenset(found)


def pairing_relations(actor, pairing) -> frozenset[Relation]:
    found = household_relations(actor, community=pairing.community, path=pairing.path,
                                household_id=pairing.household_id)
    if pairing.volunteer.user_id == actor.pk:
        found.add(Relation.PAIRED)
    return frozenset(found)


def get_or_404(queryset, object_id):
    """One row by id: NotFound for a malformed or missing id."""
    pk = parse_id(object_id)
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj
