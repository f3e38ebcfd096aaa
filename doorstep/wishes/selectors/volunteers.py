"""Reading volunteer registrations (issue #15 item 1): the communities a person may register with, the community's
roster for its staff (tabs by state with counts, search by name, number, skill, employer or phone, filters, paging,
export rows), one registration as its reader may see it with the buttons the authority table and the registration
machine allow, and a volunteer's own registration. Phones are always the masked column here; the whole phone is only
volunteer_reveal_phone's (audited)."""

import json
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from doorstep.core.crypto import blind_index
from doorstep.core.errors import NotFound, PermissionDenied
from doorstep.core.ids import parse_id
from doorstep.core.paging import Page, iterate, paginate
from doorstep.core.phones import looks_like_phone, normalize_phone
from doorstep.org.models import OrgNode
from doorstep.wishes.authority import Extra, Relation, permitted
from doorstep.wishes.models import ClaimState, Kind, Offer, Pairing, Volunteer
from doorstep.wishes.services.common import community_relations, volunteer_relations
from doorstep.wishes.workflow import REGISTRATION_MOVES, RegistrationAction, RegistrationState

# the roster's tabs, in order: 待确认, 在册, 已退出, 未通过 (the state's own label is the tab's)
ROSTER_TABS = (RegistrationState.APPLIED, RegistrationState.ACTIVE, RegistrationState.LEFT,
               RegistrationState.REJECTED)
ROSTER_ORDER = {
    RegistrationState.APPLIED: ("applied_at", "id"),  # oldest waiting first
    RegistrationState.ACTIVE: ("number",),
    RegistrationState.LEFT: ("-applied_at", "-id"),
    RegistrationState.REJECTED: ("-applied_at", "-id"),
}
QUERY_MAX = 40
EXPORT_LIMIT = 5000  # a community's roster: Xiyuan has 113 members


def join_communities(query: str = "") -> list[tuple[str, list[OrgNode]]]:
    """The community-level nodes grouped under their street, in code order; `query` narrows them by the
    community's or the street's name."""
    rows = OrgNode.objects.filter(level="community").select_related("parent").order_by("code")
    query = " ".join(str(query or "").split())[:QUERY_MAX]
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(parent__name__icontains=query))
    groups: dict[str, list[OrgNode]] = {}
    for node in rows:
        groups.setdefault(node.parent.name if node.parent_id else "", []).append(node)
    return list(groups.items())


def roster_communities(actor) -> list[OrgNode]:
    """The communities whose roster the actor may read (Extra.SEE_ROSTER): a community's own staff their community,
    administrators and leaders every community under their node."""
    node = getattr(actor, "org_node", None) if getattr(actor, "is_authenticated", False) else None
    if node is None or not actor.is_staff_role:
        return []
    if node.level == "community":
        candidates = [node]
    else:
        candidates = list(OrgNode.objects.filter(level="community", code__startswith=node.code).select_related(
            "parent").order_by("code"))
    return [c for c in candidates if permitted(actor.role, Extra.SEE_ROSTER, frozenset(community_relations(actor, c)))]


def roster_community(actor, community_id, communities: list[OrgNode]) -> OrgNode:
    """The community chosen (?community=id), or the first one; PermissionDenied when the actor may read none."""
    if not communities:
        raise PermissionDenied()
    if community_id in (None, ""):
        return communities[0]
    pk = parse_id(community_id)
    chosen = next((c for c in communities if c.pk == pk), None)
    if chosen is None:
        raise NotFound()
    return chosen


def roster_counts(community: OrgNode) -> dict[str, int]:
    counts = dict(Volunteer.objects.filter(community=community).values_list("state").annotate(n=Count("id"))
                  .order_by())
    return {state: counts.get(state, 0) for state in ROSTER_TABS}


def _json_text(value: str) -> str:
    """`value` as the JSON column holds it on SQLite (non-ASCII as \\uXXXX escapes)."""
    return json.dumps(value)[1:-1]


def roster_filter(community: OrgNode, *, tab: str, query: str = "", kind: str = "", offer: str = ""):
    rows = Volunteer.objects.filter(community=community, state=tab)
    query = " ".join(str(query or "").split())[:QUERY_MAX]
    if query:
        if looks_like_phone(query):
            rows = rows.filter(phone_index=blind_index("phone", normalize_phone(query)))
        else:
            rows = rows.filter(Q(name__icontains=query) | Q(number__icontains=query) | Q(employer__icontains=query)
                               | Q(position__icontains=query) | Q(skills__icontains=query)
                               | Q(skills__icontains=_json_text(query)))
    if kind in Kind.values:
        rows = rows.filter(kind=kind)
    if offer in Offer.values:
        rows = rows.filter(offers__icontains=f'"{offer}"')
    return rows.order_by(*ROSTER_ORDER[RegistrationState(tab)])


def roster_page(community: OrgNode, *, tab: str, query: str = "", kind: str = "", offer: str = "", page: int = 1,
                cursor: str = "") -> Page:
    return paginate(roster_filter(community, tab=tab, query=query, kind=kind, offer=offer), page=page, cursor=cursor)


def roster_export_rows(community: OrgNode, *, tab: str, query: str = "", kind: str = "", offer: str = ""):
    return iterate(roster_filter(community, tab=tab, query=query, kind=kind, offer=offer), limit=EXPORT_LIMIT)


def volunteer_get_for_user(actor, volunteer_id) -> tuple[Volunteer, frozenset[Relation]]:
    """One registration with the actor's relations: the volunteer themself, or staff who may read the community's
    roster. NotFound for a missing one and someone else's alike."""
    volunteer = Volunteer.objects.select_related("community__parent", "confirmed_by").filter(
        pk=parse_id(volunteer_id)).first()
    if volunteer is None:
        raise NotFound()
    held = volunteer_relations(actor, volunteer)
    if Relation.SELF not in held and not permitted(actor.role, Extra.SEE_ROSTER, held):
        raise NotFound()
    return volunteer, held


@dataclass(frozen=True)
class VolunteerButtons:
    confirm: bool = False
    reject: bool = False
    leave: bool = False
    reveal: bool = False
    register: bool = False  # 代为报到 (the roster page's)


def _allowed(state: str, action: RegistrationAction) -> bool:
    return (RegistrationState(state), action) in REGISTRATION_MOVES


def volunteer_buttons(actor, volunteer: Volunteer, held: frozenset[Relation]) -> VolunteerButtons:
    """What the table and the machine both allow the actor on this registration."""
    role = actor.role
    return VolunteerButtons(
        confirm=permitted(role, RegistrationAction.CONFIRM, held) and _allowed(volunteer.state,
                                                                               RegistrationAction.CONFIRM),
        reject=permitted(role, RegistrationAction.REJECT, held) and _allowed(volunteer.state,
                                                                             RegistrationAction.REJECT),
        leave=permitted(role, RegistrationAction.LEAVE, held) and _allowed(volunteer.state, RegistrationAction.LEAVE),
        reveal=permitted(role, Extra.REVEAL_PHONE, held))


def roster_buttons(actor, community: OrgNode) -> VolunteerButtons:
    """The roster's buttons for every row of one community: confirm and reject on 待确认, 代为报到 on the page."""
    held = frozenset(community_relations(actor, community))
    confirm = permitted(actor.role, RegistrationAction.CONFIRM, held)
    return VolunteerButtons(confirm=confirm, reject=permitted(actor.role, RegistrationAction.REJECT, held),
                            register=confirm)


@dataclass(frozen=True)
class Record:
    """What a registration has done so far (claims, pairings, confirmed hours), for its page."""

    active_claims: int
    fulfilled_claims: int
    active_pairings: int
    minutes: int

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.1f}"


def volunteer_record(volunteer: Volunteer) -> Record:
    claims = dict(volunteer.claims.values_list("state").annotate(n=Count("id")).order_by())
    minutes = volunteer.hours.aggregate(total=Sum("minutes"))["total"] or 0
    return Record(active_claims=claims.get(ClaimState.ACTIVE, 0), fulfilled_claims=claims.get(ClaimState.FULFILLED, 0),
                  active_pairings=Pairing.objects.filter(volunteer=volunteer, state=Pairing.State.ACTIVE).count(),
                  minutes=minutes)


def my_registration(actor) -> Volunteer | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return Volunteer.objects.select_related("community__parent").filter(user_id=actor.pk).first()
