"""Who may act on a case, and who may see it — as tables, in plain Python (no Django), next to the state machine.

The state machine (workflow.py) says which roles may ever take an action from a state. This module says where the
actor must stand relative to the case for it (the *relation*): the node that holds the case now, the center that
took it in, the applicant, the applicant's grid, the staff member who took it in (首问). A service asks `authorize`
once; a page asks `permitted` which buttons to draw; selectors turn the same relations into query filters
(`CASE_SCOPE`). Tests walk every (role × action × relation) against these tables.

Sources: 《政务服务中心运行规范》 GB/T 32169 (首问负责, 一窗受理); the authority issue (#10): withdrawing is the
applicant's, or staff's at the case's node with a reason; concluding and issuing happen at the node that holds it.
"""

from dataclasses import dataclass
from enum import StrEnum

from doorstep.cases.workflow import (
    ACTION_CONTEXT,
    ACTION_LABELS,
    Action,
    Label,
    Reason,
    gettext_noop,
    pgettext_noop,
)


class Relation(StrEnum):
    APPLICANT = "applicant"  # the actor is the applicant (a resident's own case)
    HOLDING_NODE = "holding_node"  # the actor works at the node where the case sits now (review node)
    HOLDING_SUBTREE = "holding_subtree"  # the case sits at the actor's node or below it
    # the case sits at the actor's node and that node is a community: communities have no approver post, so their
    # window decides the community's own items; at a street or the district deciding is the approver's (受审分离)
    HOLDING_COMMUNITY = "holding_community"
    ACCEPTING_CENTER = "accepting_center"  # the actor works at the node whose service center took the case in
    FIRST_CONTACT = "first_contact"  # the actor took the case in (首问负责)
    APPLICANT_GRID = "applicant_grid"  # the applicant lives in the actor's grid (grid worker)
    APPLICANT_SUBTREE = "applicant_subtree"  # the applicant lives at or below the actor's node


# Who may act, as a refusal names them (only … can): under RELATION_CONTEXT in the catalog.
RELATION_CONTEXT = "case relation"
RELATION_LABELS = {
    Relation.APPLICANT: pgettext_noop("case relation", "申请人本人"),
    Relation.HOLDING_NODE: pgettext_noop("case relation", "办件所在单位"),
    Relation.HOLDING_SUBTREE: pgettext_noop("case relation", "办件所在单位及上级"),
    Relation.HOLDING_COMMUNITY: pgettext_noop("case relation", "办件所在社区"),
    Relation.ACCEPTING_CENTER: pgettext_noop("case relation", "受理该件的服务中心"),
    Relation.FIRST_CONTACT: pgettext_noop("case relation", "首问受理人"),
    Relation.APPLICANT_GRID: pgettext_noop("case relation", "申请人所在网格的网格员"),
    Relation.APPLICANT_SUBTREE: pgettext_noop("case relation", "申请人所在辖区"),
}


class Extra(StrEnum):
    """Case actions outside the state machine, checked against the same table."""

    CHOOSE_DELIVERY = "choose_delivery"
    # rating is its own record (ratings.Rating), no longer a transition: the case keeps its state (issue #11 item 7)
    RATE = "rate"


ANY_ACTION = Action | Extra
EXTRA_LABELS = {Extra.CHOOSE_DELIVERY: pgettext_noop("case action", "更改送达方式"),
                Extra.RATE: pgettext_noop("case action", "评价")}

_R = Relation
# (role, action) → the relations that allow it. A role × action that is not here is never allowed.
CASE_AUTHORITY: dict[tuple[str, ANY_ACTION], frozenset[Relation]] = {
    # the applicant
    ("resident", Action.SUBMIT): frozenset({_R.APPLICANT}),
    ("resident", Action.SUPPLY): frozenset({_R.APPLICANT}),
    ("resident", Extra.RATE): frozenset({_R.APPLICANT}),
    ("resident", Action.WITHDRAW): frozenset({_R.APPLICANT}),
    ("resident", Extra.CHOOSE_DELIVERY): frozenset({_R.APPLICANT}),
    # the window (综合受理): online applications at its station, instant items, the hand-back of results
    ("clerk", Action.ACCEPT): frozenset({_R.HOLDING_NODE}),
    ("clerk", Action.REFUSE): frozenset({_R.HOLDING_NODE}),
    ("clerk", Action.REQUEST_SUPPLEMENT): frozenset({_R.HOLDING_NODE}),
    ("clerk", Action.SUPPLY): frozenset({_R.HOLDING_NODE, _R.ACCEPTING_CENTER}),
    ("clerk", Action.FORWARD): frozenset({_R.HOLDING_NODE}),
    # deciding: only the community's own items; a street's or the district's are the approver's (受审分离:
    # whoever takes a matter in does not also decide it where an approval post exists)
    ("clerk", Action.APPROVE): frozenset({_R.HOLDING_COMMUNITY}),
    ("clerk", Action.REJECT): frozenset({_R.HOLDING_COMMUNITY}),
    ("clerk", Action.CONCLUDE): frozenset({_R.HOLDING_NODE}),
    ("clerk", Action.DELIVER): frozenset({_R.HOLDING_NODE, _R.ACCEPTING_CENTER}),
    ("clerk", Action.WITHDRAW): frozenset({_R.HOLDING_NODE}),
    ("clerk", Extra.CHOOSE_DELIVERY): frozenset({_R.HOLDING_NODE, _R.ACCEPTING_CENTER}),
    # the level that reviews (street or district)
    ("approver", Action.REQUEST_SUPPLEMENT): frozenset({_R.HOLDING_NODE}),
    ("approver", Action.FORWARD): frozenset({_R.HOLDING_NODE}),
    ("approver", Action.APPROVE): frozenset({_R.HOLDING_NODE}),
    ("approver", Action.REJECT): frozenset({_R.HOLDING_NODE}),
    ("approver", Action.CONCLUDE): frozenset({_R.HOLDING_NODE}),
    ("approver", Action.WITHDRAW): frozenset({_R.HOLDING_NODE}),
    # the grid worker: collects applications at the doorstep (代收: submitted with photos; the station accepts and
    # concludes them), carries papers and results home
    ("grid_worker", Action.SUPPLY): frozenset({_R.APPLICANT_GRID}),
    ("grid_worker", Action.DELIVER): frozenset({_R.APPLICANT_GRID}),
    ("grid_worker", Extra.CHOOSE_DELIVERY): frozenset({_R.APPLICANT_GRID}),
}

# Staff who withdraw a case for the applicant must say why; the applicant is told (services.APPLICANT_NEWS).
REASON_REQUIRED_FOR_STAFF = {Action.WITHDRAW}

# Which cases each role sees when browsing (ledger, supervision, exports): any one relation suffices.
CASE_SCOPE: dict[str, frozenset[Relation]] = {
    "resident": frozenset({_R.APPLICANT}),
    # a window clerk: what their center took in or holds, and what they took in themselves (首问); any other case
    # of the district only by an exact search (case number, applicant ID number) — search, never browse
    "clerk": frozenset({_R.HOLDING_NODE, _R.ACCEPTING_CENTER, _R.FIRST_CONTACT}),
    "approver": frozenset({_R.HOLDING_SUBTREE}),
    "grid_worker": frozenset({_R.APPLICANT_SUBTREE}),
    # who supervises: the residents of their area's cases wherever they are handled, and the cases their own
    # centers and offices hold for anyone (全区通办 brings other streets' residents; GB/T 32169 supervises the
    # service center)
    "supervisor": frozenset({_R.APPLICANT_SUBTREE, _R.HOLDING_SUBTREE}),
    "leader": frozenset({_R.APPLICANT_SUBTREE, _R.HOLDING_SUBTREE}),
    "admin": frozenset({_R.APPLICANT_SUBTREE, _R.HOLDING_SUBTREE}),
}
# Relations that hold a few thousand cases at most and have an index of their own (the applicant, the node, the
# center, the first contact): a scope made only of these is read through them, not through a filter's index.
NARROW_RELATIONS = frozenset({_R.APPLICANT, _R.HOLDING_NODE, _R.ACCEPTING_CENTER, _R.FIRST_CONTACT})
# Roles that may open any case of their district found by an exact search (全区通办: any window serves anyone).
CASE_EXACT_SEARCH = frozenset({"clerk"})


@dataclass(frozen=True)
class ActorFacts:
    """Where the actor stands: role, user id, the resident they are (residents), their org node (staff)."""

    role: str
    user_id: int | None = None
    resident_id: int | None = None
    node_id: int | None = None
    node_code: str = ""
    node_level: str = ""


@dataclass(frozen=True)
class CaseRef:
    """Where the case stands: its applicant (id and grid code), the node holding it, the node of the center that
    took it in, and who took it in."""

    applicant_id: int | None = None
    applicant_path: str = ""
    holding_node_id: int | None = None
    holding_node_code: str = ""
    center_node_id: int | None = None
    first_contact_id: int | None = None


def relations(actor: ActorFacts, case: CaseRef) -> frozenset[Relation]:
    """Every relation that holds between the actor and the case."""
    found = set()
    if actor.resident_id is not None and actor.resident_id == case.applicant_id:
        found.add(Relation.APPLICANT)
    if actor.node_id is not None:
        if actor.node_id == case.holding_node_id:
            found.add(Relation.HOLDING_NODE)
            if actor.node_level == "community":
                found.add(Relation.HOLDING_COMMUNITY)
        if actor.node_code and case.holding_node_code.startswith(actor.node_code):
            found.add(Relation.HOLDING_SUBTREE)
        if actor.node_id == case.center_node_id:
            found.add(Relation.ACCEPTING_CENTER)
        if actor.node_code and case.applicant_path.startswith(actor.node_code):
            found.add(Relation.APPLICANT_SUBTREE)
            if actor.node_level == "grid":
                found.add(Relation.APPLICANT_GRID)
    if actor.user_id is not None and actor.user_id == case.first_contact_id:
        found.add(Relation.FIRST_CONTACT)
    return frozenset(found)


def permitted(role: str, action: ANY_ACTION, held: frozenset[Relation]) -> bool:
    """Whether the table lets this role take this action given the relations that hold."""
    return bool(CASE_AUTHORITY.get((role, action), frozenset()) & held)


def refusal(role: str, action: ANY_ACTION, held: frozenset[Relation], *,
            holding_node_name: str = "") -> Reason | None:
    """None when permitted; else the reason (workflow.Reason: `.text()` in Chinese, `.text(gettext, pgettext)` in the
    reader's language), naming where the actor would have to stand."""
    needed = CASE_AUTHORITY.get((role, action))
    label = Label(ACTION_LABELS.get(action) or EXTRA_LABELS.get(action, str(action)), ACTION_CONTEXT)
    if not needed:
        return Reason(gettext_noop("您的角色不能对办件执行“{action}”。"), (("action", label),))
    if needed & held:
        return None
    if needed == {Relation.HOLDING_COMMUNITY} and Relation.HOLDING_NODE in held:
        node = holding_node_name or Label(gettext_noop("本级"))
        return Reason(gettext_noop("受理与审批分离：{node}的事项由审批人员决定，窗口人员不能{action}。"),
                      (("node", node), ("action", label)))
    if Relation.HOLDING_NODE in needed and holding_node_name:
        return Reason(gettext_noop("办件目前在{node}，只有该处的工作人员可以{action}。"),
                      (("node", holding_node_name), ("action", label)))
    who = tuple(Label(RELATION_LABELS[r], RELATION_CONTEXT) for r in sorted(needed))
    return Reason(gettext_noop("只有{who}可以对该办件执行“{action}”。"), (("who", who), ("action", label)))


def sees(role: str, held: frozenset[Relation]) -> bool:
    """Whether the role's browse scope includes a case with these relations."""
    return bool(CASE_SCOPE.get(role, frozenset()) & held)
