"""Reading pairings (结对帮扶, issue #15 item 3): the pairings each reader may see — a volunteer their own, the
community's staff their community's, administrators and leaders their area's, a grid worker those of their grid's
households, a resident their own household's — with the last visit and the needs it found; one pairing with its
visits and the buttons the authority table allows; what the staff's 新建结对 form offers. A volunteer's view carries
the household's masked name only (Pairing.household_masked)."""

from dataclasses import dataclass

from django.db.models import Max, OuterRef, Q, Subquery

from doorstep.core.errors import NotFound, PermissionDenied
from doorstep.core.ids import parse_id
from doorstep.core.paging import Page, paginate
from doorstep.wishes.authority import Extra, Relation, permitted
from doorstep.wishes.models import Pairing, PairingVisit, Volunteer
from doorstep.wishes.services.common import pairing_relations
from doorstep.wishes.workflow import RegistrationState

TABS = (Pairing.State.ACTIVE, Pairing.State.ENDED)
QUERY_MAX = 40
# who reads households' details (户号, the building and room) on a pairing: never a volunteer
SEES_HOUSEHOLD = frozenset({Relation.COMMUNITY, Relation.AREA, Relation.GRID, Relation.HOUSEHOLD})


def pairings_visible(actor):
    """The pairings the actor may read (Extra.SEE_PAIRING over their place), or None for a role that reads none."""
    role = actor.role
    node = actor.org_node if actor.org_node_id else None
    rows = Pairing.objects.all()
    if role == "volunteer":
        return rows.filter(volunteer__user_id=actor.pk)
    if role == "resident" and actor.resident_id:
        return rows.filter(household_id=actor.resident.household_id)
    if node is None:
        return None
    if role == "clerk" and node.level == "community":
        return rows.filter(community_id=node.pk)
    if role in ("admin", "leader", "grid_worker"):
        return rows.filter(path__startswith=node.code)
    return None


def _last_visit():
    latest = PairingVisit.objects.filter(pairing=OuterRef("pk")).order_by("-visited_on", "-id")
    return {"last_visit": Max("visits__visited_on"), "last_needs": Subquery(latest.values("needs")[:1])}


def pairing_list(actor, *, tab: str = Pairing.State.ACTIVE, query: str = "", page: int = 1, cursor: str = "") -> Page:
    rows = pairings_visible(actor)
    if rows is None:
        raise PermissionDenied()
    tab = tab if tab in TABS else Pairing.State.ACTIVE
    rows = rows.filter(state=tab)
    query = " ".join(str(query or "").split())[:QUERY_MAX]
    if query:
        found = (Q(volunteer__name__icontains=query) | Q(volunteer__number__icontains=query)
                 | Q(household_masked__icontains=query))
        if actor.role != "volunteer":
            found |= Q(household__number=query)
        rows = rows.filter(found)
    rows = rows.select_related("volunteer", "community").annotate(**_last_visit()).order_by("-started_at", "-id")
    return paginate(rows, page=page, cursor=cursor)


def pairing_get_for_user(actor, pairing_id) -> tuple[Pairing, frozenset[Relation]]:
    """One pairing with the actor's relations; NotFound for a missing one and one the actor may not read alike."""
    pairing = (Pairing.objects.select_related("community", "volunteer__user", "wish", "household__building")
               .filter(pk=parse_id(pairing_id)).first())
    if pairing is None:
        raise NotFound()
    held = pairing_relations(actor, pairing)
    if not permitted(actor.role, Extra.SEE_PAIRING, held):
        raise NotFound()
    return pairing, held


@dataclass(frozen=True)
class PairingButtons:
    log_visit: bool = False
    end: bool = False
    household: bool = False  # whether the page may show the household's 户号 and address


def pairing_buttons(actor, pairing: Pairing, held: frozenset[Relation]) -> PairingButtons:
    active = pairing.state == Pairing.State.ACTIVE
    return PairingButtons(log_visit=active and permitted(actor.role, Extra.LOG_VISIT, held),
                          end=active and permitted(actor.role, Extra.END_PAIRING, held),
                          household=actor.role != "volunteer" and bool(held & SEES_HOUSEHOLD))


def pairing_visits(pairing: Pairing) -> list[PairingVisit]:
    return list(pairing.visits.order_by("-visited_on", "-id")[:200])


def may_start_pairing(actor) -> bool:
    """The staff's 新建结对: a clerk of a community (the table's Extra.PAIR for the community's own staff)."""
    node = actor.org_node if actor.org_node_id else None
    return (node is not None and node.level == "community"
            and permitted(actor.role, Extra.PAIR, frozenset({Relation.COMMUNITY})))


def pairing_candidates(community) -> list[Volunteer]:
    """The community's active volunteers who offered 认交困难朋友 first, then the rest, by name."""
    rows = list(Volunteer.objects.filter(community=community, state=RegistrationState.ACTIVE).order_by("name", "id")
                [:1000])
    return sorted(rows, key=lambda v: "pairing" not in v.offers)


def volunteer_by_number(number: str) -> Volunteer | None:
    number = str(number or "").strip().upper()[:20]
    if not number:
        return None
    return Volunteer.objects.filter(number=number, state=RegistrationState.ACTIVE).first()
