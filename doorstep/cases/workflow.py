"""The Case state machine (办件流程) as a table, in plain Python: no Django, tested directly.

A transition is (state, action) → target, with the roles that may take it and an optional guard on the case's
facts (instant or promised item, approval level, current review level). Where the actor must stand relative to
the case (its node, its center, the applicant) is the authority table next to this one (authority.py). Services
(cases/services/) lock the row, call `advance`, save, write the history row and the audit event in one transaction.

The SLA clock runs from acceptance until a decision and is paused while a supplement (补正) is awaited.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

# Label and Reason are shared with the incident loop; authority.py and the services import them from here.
from doorstep.core.workflow_text import Label, Reason


def gettext_noop(message: str) -> str:
    """Marks a label for the translation catalog without importing Django: the labels stay Chinese here (the source
    language) and are translated where they are shown (views, model choices)."""
    return message


def pgettext_noop(context: str, message: str) -> str:
    """gettext_noop with a context: one Chinese word is a state and an action (不予受理: the case is refused / refuse
    it), so the catalog holds each label under its table's context and English tells them apart."""
    return message


# The contexts of the label tables (the msgctxt of their catalog entries): shown with pgettext(STATE_CONTEXT, …).
STATE_CONTEXT = "case state"
ACTION_CONTEXT = "case action"
# An action on a case's timeline: done, not offered (受理 there reads "Accepted", on a button "Accept").
STEP_CONTEXT = "case step"


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REFUSED = "refused"  # 不予受理
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补正
    IN_REVIEW = "in_review"  # at the street or district (review_level)
    APPROVED = "approved"
    REJECTED = "rejected"
    CONCLUDED = "concluded"  # 办结
    DELIVERED = "delivered"
    RATED = "rated"  # only cases rated before issue #11: rating no longer moves a case
    WITHDRAWN = "withdrawn"  # 撤回


# The labels (Chinese, the source language) under STATE_CONTEXT; a notification or history text stored in Chinese
# uses them as they are.
STATE_LABELS = {
    State.DRAFT: pgettext_noop("case state", "草稿"), State.SUBMITTED: pgettext_noop("case state", "已提交"),
    State.ACCEPTED: pgettext_noop("case state", "已受理"), State.REFUSED: pgettext_noop("case state", "不予受理"),
    State.SUPPLEMENT_REQUESTED: pgettext_noop("case state", "待补正"),
    State.IN_REVIEW: pgettext_noop("case state", "审批中"), State.APPROVED: pgettext_noop("case state", "已批准"),
    State.REJECTED: pgettext_noop("case state", "不予批准"), State.CONCLUDED: pgettext_noop("case state", "已办结"),
    State.DELIVERED: pgettext_noop("case state", "已送达"), State.RATED: pgettext_noop("case state", "已评价"),
    State.WITHDRAWN: pgettext_noop("case state", "已撤回"),
}


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REFUSE = "refuse"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLY = "supply"
    FORWARD = "forward"  # proxy hop up one level (代办)
    APPROVE = "approve"
    REJECT = "reject"
    CONCLUDE = "conclude"
    DELIVER = "deliver"
    RATE = "rate"
    WITHDRAW = "withdraw"


# The labels under ACTION_CONTEXT (a button, an action named in a message) and STEP_CONTEXT (a timeline's step).
ACTION_LABELS = {
    Action.SUBMIT: pgettext_noop("case action", "提交"), Action.ACCEPT: pgettext_noop("case action", "受理"),
    Action.REFUSE: pgettext_noop("case action", "不予受理"),
    Action.REQUEST_SUPPLEMENT: pgettext_noop("case action", "要求补正"),
    Action.SUPPLY: pgettext_noop("case action", "补正材料"), Action.FORWARD: pgettext_noop("case action", "代办上报"),
    Action.APPROVE: pgettext_noop("case action", "批准"), Action.REJECT: pgettext_noop("case action", "不予批准"),
    Action.CONCLUDE: pgettext_noop("case action", "办结"), Action.DELIVER: pgettext_noop("case action", "送达"),
    Action.RATE: pgettext_noop("case action", "评价"), Action.WITHDRAW: pgettext_noop("case action", "撤回"),
}
STEP_LABELS = {
    Action.SUBMIT: pgettext_noop("case step", "提交"), Action.ACCEPT: pgettext_noop("case step", "受理"),
    Action.REFUSE: pgettext_noop("case step", "不予受理"),
    Action.REQUEST_SUPPLEMENT: pgettext_noop("case step", "要求补正"),
    Action.SUPPLY: pgettext_noop("case step", "补正材料"), Action.FORWARD: pgettext_noop("case step", "代办上报"),
    Action.APPROVE: pgettext_noop("case step", "批准"), Action.REJECT: pgettext_noop("case step", "不予批准"),
    Action.CONCLUDE: pgettext_noop("case step", "办结"), Action.DELIVER: pgettext_noop("case step", "送达"),
    Action.RATE: pgettext_noop("case step", "评价"), Action.WITHDRAW: pgettext_noop("case step", "撤回"),
}


def state_label_of(state: State) -> Label:
    return Label(STATE_LABELS[state], STATE_CONTEXT)


def action_label_of(action: Action) -> Label:
    return Label(ACTION_LABELS[action], ACTION_CONTEXT)


LEVELS = ("community", "street", "district")
LEVEL_LABELS = {"community": gettext_noop("社区"), "street": gettext_noop("街道"), "district": gettext_noop("区级")}
PAUSED = {State.SUPPLEMENT_REQUESTED}
CLOCK_RUNNING = {State.ACCEPTED, State.IN_REVIEW}
DECIDED = {State.REFUSED, State.APPROVED, State.REJECTED, State.CONCLUDED, State.DELIVERED, State.RATED}
FINAL = {State.REFUSED, State.REJECTED, State.RATED, State.WITHDRAWN}


@dataclass(frozen=True)
class CaseFacts:
    """What the machine needs to know about a case."""

    state: State = State.DRAFT
    instant: bool = False
    approval_level: str = "community"  # where the item is decided
    review_level: str = "community"  # where the case is now
    history: tuple[tuple[State, Action, State], ...] = field(default_factory=tuple)


class TransitionNotAllowed(Exception):
    """The table or a guard forbids the action: `reason` (a Reason, for the reader's language), `message` (Chinese)."""

    def __init__(self, reason: Reason):
        self.reason = reason
        self.message = reason.text()
        super().__init__(self.message)


Guard = Callable[[CaseFacts], Reason | None]  # returns the reason it is not allowed, or None


def _promised(f: CaseFacts) -> Reason | None:
    return Reason(gettext_noop("即办件当场办结，不走审批。")) if f.instant else None


def _instant(f: CaseFacts) -> Reason | None:
    return None if f.instant else Reason(gettext_noop("承诺件须经批准后才能办结。"))


def _below_approval_level(f: CaseFacts) -> Reason | None:
    if LEVELS.index(f.review_level) >= LEVELS.index(f.approval_level):
        return Reason(gettext_noop("本级即为审批层级，无需再上报。"))
    return None


def _at_approval_level(f: CaseFacts) -> Reason | None:
    # a higher level may decide a lower level's item: a street center completes community items (全区通办)
    if LEVELS.index(f.review_level) < LEVELS.index(f.approval_level):
        return Reason(gettext_noop("该事项须由{level}审批，请先代办上报。"),
                      (("level", Label(LEVEL_LABELS[f.approval_level])),))
    return None


def _both(*guards: Guard) -> Guard:
    def check(f: CaseFacts) -> Reason | None:
        return next((r for g in guards if (r := g(f))), None)

    return check


@dataclass(frozen=True)
class Transition:
    target: State
    roles: frozenset[str]
    guard: Guard | None = None


WINDOW = frozenset({"clerk", "grid_worker"})
# Taking in and deciding at the window is the station's: a grid worker collects (代收: submits with photos of the
# papers) and the station accepts and concludes (issue #11 item 6).
DESK = frozenset({"clerk"})
REVIEW = frozenset({"clerk", "approver"})

TRANSITIONS: dict[tuple[State, Action], Transition] = {
    (State.DRAFT, Action.SUBMIT): Transition(State.SUBMITTED, frozenset({"resident", "clerk", "grid_worker"})),
    (State.DRAFT, Action.ACCEPT): Transition(State.ACCEPTED, DESK),  # taken in at the window directly
    (State.SUBMITTED, Action.ACCEPT): Transition(State.ACCEPTED, DESK),
    (State.DRAFT, Action.REFUSE): Transition(State.REFUSED, DESK),
    (State.SUBMITTED, Action.REFUSE): Transition(State.REFUSED, DESK),
    (State.ACCEPTED, Action.REQUEST_SUPPLEMENT): Transition(State.SUPPLEMENT_REQUESTED, REVIEW, _promised),
    (State.IN_REVIEW, Action.REQUEST_SUPPLEMENT): Transition(State.SUPPLEMENT_REQUESTED, REVIEW),
    (State.SUPPLEMENT_REQUESTED, Action.SUPPLY): Transition(State.ACCEPTED, frozenset({"resident", "clerk",
                                                                                      "grid_worker"})),
    (State.ACCEPTED, Action.FORWARD): Transition(State.IN_REVIEW, REVIEW, _both(_promised, _below_approval_level)),
    (State.IN_REVIEW, Action.FORWARD): Transition(State.IN_REVIEW, REVIEW, _below_approval_level),
    (State.ACCEPTED, Action.APPROVE): Transition(State.APPROVED, REVIEW, _both(_promised, _at_approval_level)),
    (State.IN_REVIEW, Action.APPROVE): Transition(State.APPROVED, REVIEW, _at_approval_level),
    (State.ACCEPTED, Action.REJECT): Transition(State.REJECTED, REVIEW, _both(_promised, _at_approval_level)),
    (State.IN_REVIEW, Action.REJECT): Transition(State.REJECTED, REVIEW, _at_approval_level),
    (State.ACCEPTED, Action.CONCLUDE): Transition(State.CONCLUDED, DESK, _instant),
    # an approved case is concluded where it was decided (cases.authority: the holding node), never in the field
    (State.APPROVED, Action.CONCLUDE): Transition(State.CONCLUDED, REVIEW),
    (State.CONCLUDED, Action.DELIVER): Transition(State.DELIVERED, WINDOW),
    # No rate transition: a rating is its own record (ratings.Rating, one per case) and the case keeps its state, so
    # refused and rejected cases can be rated too and a concluded case rated can still be picked up or delivered.
    # RATED and RATE stay for the cases and history rows written before (issue #11, item 7).
    **{
        (s, Action.WITHDRAW): Transition(State.WITHDRAWN, frozenset({"resident", "clerk", "approver"}))
        for s in (State.DRAFT, State.SUBMITTED, State.ACCEPTED, State.SUPPLEMENT_REQUESTED, State.IN_REVIEW)
    },
}


def allowed_actions(facts: CaseFacts, role: str) -> list[Action]:
    return [a for (s, a), t in TRANSITIONS.items()
            if s == facts.state and role in t.roles and not (t.guard and t.guard(facts))]


def advance(facts: CaseFacts, action: Action, role: str) -> CaseFacts:
    """Apply one action; raise TransitionNotAllowed with the reason when the table or a guard forbids it."""
    transition = TRANSITIONS.get((facts.state, action))
    if transition is None:
        raise TransitionNotAllowed(Reason(gettext_noop("办件当前为“{state}”，不能{action}。"), (
            ("state", state_label_of(facts.state)), ("action", action_label_of(action)))))
    if role not in transition.roles:
        raise TransitionNotAllowed(Reason(gettext_noop("您的角色不能对办件执行“{action}”。"),
                                          (("action", action_label_of(action)),)))
    if transition.guard and (reason := transition.guard(facts)):
        raise TransitionNotAllowed(reason)
    review_level = facts.review_level
    if action == Action.FORWARD:
        review_level = LEVELS[LEVELS.index(review_level) + 1]
    return replace(facts, state=transition.target, review_level=review_level,
                   history=facts.history + ((facts.state, action, transition.target),))
