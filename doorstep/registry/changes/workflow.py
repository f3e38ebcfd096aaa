"""The change-request state machine (人口信息变更申请) as a table, in plain Python: no Django, tested directly.

proposed → approved (applied in the same transaction) | rejected (with a reason the proposer sees) | withdrawn
(by the proposer, before review). Nothing leaves approved, rejected or withdrawn: a request decided wrongly is put
right by a new request (a correction), so history is never rewritten. Where the actor must stand for each action is
the authority table next to this one (authority.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


def gettext_noop(message: str) -> str:
    """Marks a msgid for the catalog without importing Django; translated where it is shown."""
    return message


class State(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    PROPOSE = "propose"  # creates the request: not a transition, but checked against the authority table
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


STATE_LABELS = {State.PROPOSED: gettext_noop("待审核"), State.APPROVED: gettext_noop("已通过"),
                State.REJECTED: gettext_noop("已驳回"), State.WITHDRAWN: gettext_noop("已撤回")}
ACTION_LABELS = {Action.PROPOSE: gettext_noop("提交变更"), Action.APPROVE: gettext_noop("通过"),
                 Action.REJECT: gettext_noop("驳回"), Action.WITHDRAW: gettext_noop("撤回")}
FINAL = frozenset({State.APPROVED, State.REJECTED, State.WITHDRAWN})
# A rejection must say why (the proposer reads it); approving and withdrawing need no words.
REASON_REQUIRED = frozenset({Action.REJECT})


def _same(message: str) -> str:
    return message


@dataclass(frozen=True)
class Reason:
    """Why something is not allowed: a msgid with {named} placeholders and values, each plain text (data) or a
    msgid of ours to translate (in `labels`). `text(gettext)` gives it in the reader's language; Chinese without."""

    message: str
    values: tuple[tuple[str, str], ...] = ()
    labels: frozenset[str] = frozenset()

    def text(self, gettext: Callable[[str], str] = _same) -> str:
        shown = {name: gettext(value) if name in self.labels else value for name, value in self.values}
        return gettext(self.message).format(**shown)


class TransitionNotAllowed(Exception):
    def __init__(self, reason: Reason):
        self.reason = reason
        super().__init__(reason.text())


@dataclass(frozen=True)
class Transition:
    target: State
    roles: frozenset[str]


REVIEWERS = frozenset({"clerk"})  # the community station's staff: see authority.py
PROPOSERS = frozenset({"grid_worker", "resident"})

TRANSITIONS: dict[tuple[State, Action], Transition] = {
    (State.PROPOSED, Action.APPROVE): Transition(State.APPROVED, REVIEWERS),
    (State.PROPOSED, Action.REJECT): Transition(State.REJECTED, REVIEWERS),
    (State.PROPOSED, Action.WITHDRAW): Transition(State.WITHDRAWN, PROPOSERS),
}


def advance(state: str, action: str, role: str) -> State:
    """The state after `action`, or TransitionNotAllowed saying why not (already decided; not this role's)."""
    state, action = State(state), Action(action)
    transition = TRANSITIONS.get((state, action))
    if transition is None:
        if state in FINAL:
            raise TransitionNotAllowed(Reason(gettext_noop("该申请{state}，不能再“{action}”。"),
                                              (("state", STATE_LABELS[state]), ("action", ACTION_LABELS[action])),
                                              frozenset({"state", "action"})))
        raise TransitionNotAllowed(Reason(gettext_noop("该申请不能“{action}”。"),
                                          (("action", ACTION_LABELS[action]),), frozenset({"action"})))
    if role not in transition.roles:
        raise TransitionNotAllowed(Reason(gettext_noop("您的角色不能对人口变更申请执行“{action}”。"),
                                          (("action", ACTION_LABELS[action]),), frozenset({"action"})))
    return transition.target


def allowed_actions(state: str, role: str) -> list[Action]:
    """The actions the machine lets this role take from this state (the authority table cuts them further)."""
    return [a for (s, a), t in TRANSITIONS.items() if s == state and role in t.roles]
