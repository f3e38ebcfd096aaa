"""Who may propose, review and withdraw registry changes, and from where — as tables, in plain Python (no Django),
next to the state machine (workflow.py), like cases/authority.py.

Relations: where the actor stands relative to the request's subject (its grid code `path`, its household) and to
the request (its proposer). A service asks `refusal` once; pages ask `permitted` which buttons and forms to draw;
selectors turn CHANGE_SCOPE into query filters. Tests walk every (role × action × relation).

Who reviews: the community (社区) keeps its residents' records. The demo's community staff are the station's clerk
(窗口人员 at the community node, who holds its 综合受理岗) and the community supervisor (监督员, whose work is
checking incidents on site); no role is named for the community's registry (社区户籍/人口信息员), so the community
clerk reviews — the nearest fit (docs/decisions.md). A street or district clerk does not: the record is the
community's.
"""

from dataclasses import dataclass
from enum import StrEnum

from doorstep.registry.changes.workflow import ACTION_LABELS, Action, Reason, gettext_noop


class Relation(StrEnum):
    SUBJECT_GRID = "subject_grid"  # the subject lives in the actor's grid (grid worker)
    SUBJECT_COMMUNITY = "subject_community"  # the subject lives in the actor's community (community staff)
    SUBJECT_SUBTREE = "subject_subtree"  # the subject lives at or below the actor's node
    OWN_HOUSEHOLD = "own_household"  # the subject is of the actor's own household (a resident)
    PROPOSER = "proposer"  # the actor proposed the request


RELATION_LABELS = {
    Relation.SUBJECT_GRID: gettext_noop("居民所在网格的网格员"),
    Relation.SUBJECT_COMMUNITY: gettext_noop("居民所在社区的工作人员"),
    Relation.SUBJECT_SUBTREE: gettext_noop("居民所在辖区的工作人员"),
    Relation.OWN_HOUSEHOLD: gettext_noop("本户居民"),
    Relation.PROPOSER: gettext_noop("申请提交人"),
}

_R = Relation
CHANGE_AUTHORITY: dict[tuple[str, Action], frozenset[Relation]] = {
    ("grid_worker", Action.PROPOSE): frozenset({_R.SUBJECT_GRID}),
    ("resident", Action.PROPOSE): frozenset({_R.OWN_HOUSEHOLD}),
    ("clerk", Action.APPROVE): frozenset({_R.SUBJECT_COMMUNITY}),
    ("clerk", Action.REJECT): frozenset({_R.SUBJECT_COMMUNITY}),
    ("grid_worker", Action.WITHDRAW): frozenset({_R.PROPOSER}),
    ("resident", Action.WITHDRAW): frozenset({_R.PROPOSER}),
}

ALL_KINDS = frozenset({"birth", "death", "move_in", "move_within", "move_out", "marriage", "split", "merge", "phone",
                       "flags", "correction"})
# Which kinds each proposing role may ask for: a resident asks for a correction of their household's record; what
# happens to a family (births, deaths, moves) is reported by the grid worker who visits.
PROPOSABLE_KINDS: dict[str, frozenset[str]] = {
    "grid_worker": ALL_KINDS,
    "resident": frozenset({"correction"}),
}

# Who sees which requests (the queue, a request's page): any one relation suffices.
CHANGE_SCOPE: dict[str, frozenset[Relation]] = {
    "grid_worker": frozenset({_R.SUBJECT_GRID, _R.PROPOSER}),
    "clerk": frozenset({_R.SUBJECT_COMMUNITY}),
    "resident": frozenset({_R.PROPOSER}),
}


@dataclass(frozen=True)
class ActorFacts:
    role: str
    user_id: int | None = None
    household_id: int | None = None  # a resident's own household
    node_code: str = ""
    node_level: str = ""


@dataclass(frozen=True)
class SubjectRef:
    """Where the request's subject stands: its grid code and household, and who proposed the request (None while
    it is being proposed)."""

    path: str = ""
    household_id: int | None = None
    proposer_id: int | None = None


def relations(actor: ActorFacts, subject: SubjectRef) -> frozenset[Relation]:
    found = set()
    if actor.node_code and subject.path.startswith(actor.node_code):
        found.add(Relation.SUBJECT_SUBTREE)
        if actor.node_level == "grid":
            found.add(Relation.SUBJECT_GRID)
        if actor.node_level == "community":
            found.add(Relation.SUBJECT_COMMUNITY)
    if actor.household_id is not None and actor.household_id == subject.household_id:
        found.add(Relation.OWN_HOUSEHOLD)
    if actor.user_id is not None and actor.user_id == subject.proposer_id:
        found.add(Relation.PROPOSER)
    return frozenset(found)


def permitted(role: str, action: Action, held: frozenset[Relation], *, kind: str = "") -> bool:
    if action == Action.PROPOSE and kind not in PROPOSABLE_KINDS.get(role, frozenset()):
        return False
    return bool(CHANGE_AUTHORITY.get((role, action), frozenset()) & held)


def refusal(role: str, action: Action, held: frozenset[Relation], *, kind: str = "",
            kind_label: str = "") -> Reason | None:
    """None when permitted, else why not (workflow.Reason), naming who may."""
    needed = CHANGE_AUTHORITY.get((role, action))
    if not needed:
        return Reason(gettext_noop("您的角色不能对人口变更申请执行“{action}”。"), (("action", ACTION_LABELS[action]),),
                      frozenset({"action"}))
    if action == Action.PROPOSE and kind not in PROPOSABLE_KINDS.get(role, frozenset()):
        return Reason(gettext_noop("您的角色不能提交“{kind}”申请。"), (("kind", kind_label or kind),),
                      frozenset({"kind"}))
    if needed & held:
        return None
    who = sorted(needed)
    return Reason(gettext_noop("只有{who}可以对该申请执行“{action}”。"),
                  (("who", RELATION_LABELS[who[0]]), ("action", ACTION_LABELS[action])), frozenset({"who", "action"}))


def sees(role: str, held: frozenset[Relation]) -> bool:
    return bool(CHANGE_SCOPE.get(role, frozenset()) & held)


# Who may enter the reading of a rare character (registry.namekeys.character_reading_set). A reading applies to
# every resident with that character, district-wide, and decides whom a pinyin search finds: the community's clerk
# and those above (street and district clerks and approvers, administrators) enter one where there is none; only a
# district administrator may overwrite one already entered. Grid workers, who propose records, do not: a reading is
# not a change request and is not reviewed. Keyed by (role, action): the levels of org node the actor must sit at.
class ReadingAction(StrEnum):
    ENTER = "enter"  # the character has no reading yet
    OVERWRITE = "overwrite"  # replace a reading entered before


READING_ACTION_LABELS = {ReadingAction.ENTER: gettext_noop("录入生僻字读音"),
                         ReadingAction.OVERWRITE: gettext_noop("修改已录入的生僻字读音")}
READING_AUTHORITY: dict[tuple[str, ReadingAction], frozenset[str]] = {
    ("clerk", ReadingAction.ENTER): frozenset({"community", "street", "district"}),
    ("approver", ReadingAction.ENTER): frozenset({"street", "district"}),
    ("admin", ReadingAction.ENTER): frozenset({"community", "street", "district"}),
    ("admin", ReadingAction.OVERWRITE): frozenset({"district"}),
}
READING_WHO = {ReadingAction.ENTER: gettext_noop("社区窗口人员及以上"), ReadingAction.OVERWRITE: gettext_noop("区级管理员")}


def reading_refusal(role: str, action: ReadingAction, node_level: str) -> Reason | None:
    """None when the role at a node of this level may take the action, else why not (naming who may)."""
    if node_level in READING_AUTHORITY.get((role, action), frozenset()):
        return None
    return Reason(gettext_noop("只有{who}可以{action}。"), (("who", READING_WHO[action]),
                                                      ("action", READING_ACTION_LABELS[action])),
                  frozenset({"who", "action"}))


def reading_permitted(role: str, action: ReadingAction, node_level: str) -> bool:
    return reading_refusal(role, action, node_level) is None
