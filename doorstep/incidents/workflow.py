"""The incident loop (事件与诉求闭环) as a table, in plain Python: no Django, tested directly.

The shape is GB/T 30428.1 (数字化城市管理信息系统): 信息收集 → 案卷建立 (立案) → 任务派遣 → 任务处理 → 处理反馈 →
核查结案 → 综合评价, and the 12345 hotline's 受理 → 调度 → 办理 → 回复 → 督办 → 办结 → 回访 → 评价. A transition is
(state, action) → target, with the roles that may ever take it and an optional guard on the incident's facts (its
tier, its departments' orders, its verification records, the reopen window). Where the actor must stand relative to
the incident (its grid, the department it was sent to, the command center over it, its reporter) is the authority
table next to this one (authority.py). Services (incidents/services/) lock the row, call `advance`, save, write the
history row and the audit event in one transaction and notify after commit.

Invariants the tests hold (tests/test_workflow.py):
- no path reaches CLOSED or CLOSED_UNSOLVED without a passed verification record (`_verified` guards both, and
  VERIFIED is entered only by VERIFY, which the service writes a Verification row for);
- CLOSED_UNSOLVED (无法解决 / 不属实) is its own ending and never counts as solved;
- a whistle (吹哨) is handled only when every co-department has answered its part.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

# Label and Reason are shared with the case machine; authority.py and the services import them from here.
from doorstep.core.workflow_text import Label, Reason


def gettext_noop(message: str) -> str:
    """Marks a label for the catalog without importing Django (the labels stay Chinese, the source language)."""
    return message


def pgettext_noop(context: str, message: str) -> str:
    return message


# The contexts of the label tables (the msgctxt of their catalog entries).
STATE_CONTEXT = "incident state"
ACTION_CONTEXT = "incident action"


class State(StrEnum):
    REPORTED = "reported"  # 已上报: waits for the command center
    REGISTERED = "registered"  # 已立案: waits for dispatch (or the grid worker's on-the-spot handling)
    DISMISSED = "dismissed"  # 不予立案 (with a reason the reporter sees)
    MERGED = "merged"  # 已合并 into another report of the same problem
    DISPATCHED = "dispatched"  # 已派遣: waits for the lead department to accept
    HANDLING = "handling"  # 处置中
    HANDLED = "handled"  # 已处置: waits for on-site verification
    VERIFIED = "verified"  # 已核查: waits for the command center to close it
    CLOSED = "closed"  # 已结案 (solved)
    CLOSED_UNSOLVED = "closed_unsolved"  # 结案（未解决）: 无法解决 or 不属实
    REVIEWED = "reviewed"  # 已回访 (follow-up call made or the reporter rated it)
    ARCHIVED = "archived"  # 已归档


STATE_LABELS = {
    State.REPORTED: pgettext_noop("incident state", "待立案"),
    State.REGISTERED: pgettext_noop("incident state", "待派遣"),
    State.DISMISSED: pgettext_noop("incident state", "不予立案"),
    State.MERGED: pgettext_noop("incident state", "已合并"),
    State.DISPATCHED: pgettext_noop("incident state", "待接单"),
    State.HANDLING: pgettext_noop("incident state", "处置中"),
    State.HANDLED: pgettext_noop("incident state", "待核查"),
    State.VERIFIED: pgettext_noop("incident state", "待结案"),
    State.CLOSED: pgettext_noop("incident state", "已结案"),
    State.CLOSED_UNSOLVED: pgettext_noop("incident state", "结案（未解决）"),
    State.REVIEWED: pgettext_noop("incident state", "已回访"),
    State.ARCHIVED: pgettext_noop("incident state", "已归档"),
}


class Action(StrEnum):
    REGISTER = "register"  # 立案
    DISMISS = "dismiss"  # 不予立案 (值班长)
    MERGE = "merge"  # 合并到另一报告
    DISPATCH = "dispatch"  # 派遣 (lead department, co-departments for a whistle)
    ACCEPT = "accept"  # 接单 (the lead department)
    RETURN = "return"  # 退单: not ours (the lead department), back to the dispatcher
    HANDLE = "handle"  # 处置反馈 (the lead department, once every co-department has answered)
    HANDLE_ON_SPOT = "handle_on_spot"  # 前端自处置 (the grid worker)
    VERIFY = "verify"  # 核查通过 (on site: the supervisor or the grid worker)
    REWORK = "rework"  # 核查不通过 → 返工
    CLOSE = "close"  # 结案 (solved)
    CLOSE_UNSOLVED = "close_unsolved"  # 结案（无法解决 / 不属实）
    REVIEW = "review"  # 回访 (the command center calls the reporter)
    RATE = "rate"  # 评价 (the reporter)
    REOPEN = "reopen"  # 重新办理, within the reopen window
    ARCHIVE = "archive"  # 归档


ACTION_LABELS = {
    Action.REGISTER: pgettext_noop("incident action", "立案"),
    Action.DISMISS: pgettext_noop("incident action", "不予立案"),
    Action.MERGE: pgettext_noop("incident action", "合并"),
    Action.DISPATCH: pgettext_noop("incident action", "派遣"),
    Action.ACCEPT: pgettext_noop("incident action", "接单"),
    Action.RETURN: pgettext_noop("incident action", "退单"),
    Action.HANDLE: pgettext_noop("incident action", "处置反馈"),
    Action.HANDLE_ON_SPOT: pgettext_noop("incident action", "自行处置"),
    Action.VERIFY: pgettext_noop("incident action", "核查通过"),
    Action.REWORK: pgettext_noop("incident action", "核查不通过（返工）"),
    Action.CLOSE: pgettext_noop("incident action", "结案"),
    Action.CLOSE_UNSOLVED: pgettext_noop("incident action", "结案（未解决）"),
    Action.REVIEW: pgettext_noop("incident action", "回访"),
    Action.RATE: pgettext_noop("incident action", "评价"),
    Action.REOPEN: pgettext_noop("incident action", "重新办理"),
    Action.ARCHIVE: pgettext_noop("incident action", "归档"),
}


class Tier(StrEnum):
    """How an incident is handled (湘潭雨湖: 一般问题就地解决, 复杂问题会议解决, 疑难问题吹哨解决)."""

    FRONT_LINE = "front_line"  # 前端自处置: the grid worker on the spot, a supervisor verifies
    DISPATCH = "dispatch"  # 派遣处置: one department
    MEETING = "meeting"  # 会议处置: a meeting record before dispatch
    WHISTLE = "whistle"  # 吹哨: a lead and co-departments at once


TIER_LABELS = {
    Tier.FRONT_LINE: gettext_noop("前端自处置"), Tier.DISPATCH: gettext_noop("派遣处置"),
    Tier.MEETING: gettext_noop("会议处置"), Tier.WHISTLE: gettext_noop("吹哨处置"),
}


class Resolution(StrEnum):
    """What the handling found: solved, or one of the two endings that never count as solved."""

    SOLVED = "solved"  # 已解决
    UNSOLVABLE = "unsolvable"  # 无法解决
    UNTRUE = "untrue"  # 不属实


RESOLUTION_LABELS = {Resolution.SOLVED: gettext_noop("已解决"), Resolution.UNSOLVABLE: gettext_noop("无法解决"),
                     Resolution.UNTRUE: gettext_noop("不属实")}

# The clock's states: the response clock runs from dispatch until the lead department accepts (or returns it); the
# handling clock from dispatch until handled, and again during rework. Nothing runs before dispatch or after
# handling: verification and closing are the command center's own work, timed by the indicators, not the orders.
RESPONSE_RUNNING = frozenset({State.DISPATCHED})
HANDLING_RUNNING = frozenset({State.DISPATCHED, State.HANDLING})
OPEN = frozenset({State.REPORTED, State.REGISTERED, State.DISPATCHED, State.HANDLING, State.HANDLED,
                  State.VERIFIED})
ENDED = frozenset({State.CLOSED, State.CLOSED_UNSOLVED, State.REVIEWED, State.ARCHIVED})
FINAL = frozenset({State.DISMISSED, State.MERGED, State.ARCHIVED})
SOLVED_ENDINGS = frozenset({State.CLOSED})  # CLOSED_UNSOLVED never counts as solved
REOPENABLE = frozenset({State.CLOSED, State.CLOSED_UNSOLVED, State.REVIEWED})


@dataclass(frozen=True)
class IncidentFacts:
    """What the machine needs to know about an incident.

    `orders`: the active dispatch orders as (role, state) pairs, role "lead" or "co", state an OrderState value;
    `verifications_passed`: passed verification records since the last handling; `closed_at` and `now` decide the
    reopen window (`reopen_days`, calendar days, DOORSTEP_INCIDENT_REOPEN_DAYS); `has_reporter`: a person to call
    back (a resident's request, a phone call); `meetings`: meeting records (会议处置).
    """

    state: State = State.REPORTED
    tier: Tier = Tier.DISPATCH
    resolution: str = ""
    orders: tuple[tuple[str, str], ...] = ()
    verifications_passed: int = 0
    meetings: int = 0
    has_reporter: bool = False
    closed_at: datetime.datetime | None = None
    now: datetime.datetime | None = None
    reopen_days: int = 10
    history: tuple[tuple[State, Action, State], ...] = field(default_factory=tuple)


class OrderState(StrEnum):
    """A department's order (派单): sent → accepted → done, or returned (退单); cancelled when it is withdrawn before
    it was done (the lead returned the round); superseded when it was done but the incident was reopened (重新办理)
    and goes to a new round — the department's answer stands in its record, and the order stops being active."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DONE = "done"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"


ORDER_STATE_LABELS = {
    OrderState.SENT: pgettext_noop("order state", "待接单"), OrderState.ACCEPTED: pgettext_noop("order state", "处置中"),
    OrderState.DONE: pgettext_noop("order state", "已反馈"), OrderState.RETURNED: pgettext_noop("order state", "已退单"),
    OrderState.CANCELLED: pgettext_noop("order state", "已撤销"),
    OrderState.SUPERSEDED: pgettext_noop("order state", "已反馈（已重新办理）"),
}
ACTIVE_ORDER_STATES = frozenset({OrderState.SENT, OrderState.ACCEPTED, OrderState.DONE})


class TransitionNotAllowed(Exception):
    """The table or a guard forbids the action: `reason` (a Reason), `message` (Chinese)."""

    def __init__(self, reason: Reason):
        self.reason = reason
        self.message = reason.text()
        super().__init__(self.message)


Guard = Callable[[IncidentFacts], Reason | None]


def _lead_accepted(f: IncidentFacts) -> bool:
    return any(role == "lead" and state in (OrderState.ACCEPTED, OrderState.DONE) for role, state in f.orders)


def _co_parts_answered(f: IncidentFacts) -> Reason | None:
    waiting = sum(1 for role, state in f.orders if role == "co" and state != OrderState.DONE)
    if waiting:
        return Reason(gettext_noop("还有{count}个协办部门未反馈处置情况，请待各部门反馈后再提交。"), (("count", waiting),))
    return None


def _has_lead(f: IncidentFacts) -> Reason | None:
    if not any(role == "lead" for role, _state in f.orders):
        return Reason(gettext_noop("派遣须指定一个主办部门。"))
    return None


def _dispatch_ready(f: IncidentFacts) -> Reason | None:
    if f.tier == Tier.MEETING and f.meetings == 0:
        return Reason(gettext_noop("会议处置的事件须先记录会议（参会人员和议定事项），再派遣。"))
    if f.tier == Tier.WHISTLE and not any(role == "co" for role, _state in f.orders):
        return Reason(gettext_noop("吹哨处置须同时派给至少一个协办部门。"))
    return _has_lead(f)


def _handling(f: IncidentFacts) -> Reason | None:
    if not _lead_accepted(f):
        return Reason(gettext_noop("主办部门尚未接单。"))
    return _co_parts_answered(f)


def _front_line(f: IncidentFacts) -> Reason | None:
    if f.tier != Tier.FRONT_LINE or any(role == "lead" for role, _state in f.orders):
        return Reason(gettext_noop("该事件已派给部门处置，网格员不能自行处置。"))
    return None


def _resolution_given(f: IncidentFacts) -> Reason | None:
    if f.resolution not in {r.value for r in Resolution}:
        return Reason(gettext_noop("处置反馈须说明结果：已解决、无法解决或不属实。"))
    return None


def _verified(f: IncidentFacts) -> Reason | None:
    if f.verifications_passed < 1:
        return Reason(gettext_noop("没有核查通过的记录，不能结案。"))
    return None


def _solved(f: IncidentFacts) -> Reason | None:
    if reason := _verified(f):
        return reason
    if f.resolution != Resolution.SOLVED:
        return Reason(gettext_noop("处置结果为“{resolution}”，请按未解决结案。"), (
            ("resolution", Label(RESOLUTION_LABELS.get(f.resolution, f.resolution or "—"))),))
    return None


def _not_solved(f: IncidentFacts) -> Reason | None:
    if reason := _verified(f):
        return reason
    if f.resolution not in (Resolution.UNSOLVABLE, Resolution.UNTRUE):
        return Reason(gettext_noop("处置结果为已解决，请正常结案。"))
    return None


def _with_reporter(f: IncidentFacts) -> Reason | None:
    if not f.has_reporter:
        return Reason(gettext_noop("该事件没有可回访的报告人。"))
    return None


def within_reopen_window(f: IncidentFacts) -> bool:
    if f.closed_at is None or f.now is None:
        return False
    return f.now - f.closed_at <= datetime.timedelta(days=f.reopen_days)


def _reopen_window(f: IncidentFacts) -> Reason | None:
    if not within_reopen_window(f):
        return Reason(gettext_noop("结案已超过{days}天，不能重新办理；如问题仍在，请重新上报。"), (("days", f.reopen_days),))
    return None


def _archivable(f: IncidentFacts) -> Reason | None:
    if f.state == State.DISMISSED:
        return None
    if within_reopen_window(f):
        return Reason(gettext_noop("结案未满{days}天，仍可重新办理，暂不能归档。"), (("days", f.reopen_days),))
    if f.has_reporter and f.state != State.REVIEWED:
        return Reason(gettext_noop("诉求须先回访，再归档。"))
    return None


@dataclass(frozen=True)
class Transition:
    target: State
    roles: frozenset[str]
    guard: Guard | None = None


CENTER = frozenset({"dispatcher"})
DEPARTMENT = frozenset({"department"})
ON_SITE = frozenset({"supervisor", "grid_worker"})

TRANSITIONS: dict[tuple[State, Action], Transition] = {
    (State.REPORTED, Action.REGISTER): Transition(State.REGISTERED, CENTER),
    (State.REPORTED, Action.DISMISS): Transition(State.DISMISSED, CENTER),
    (State.REGISTERED, Action.DISMISS): Transition(State.DISMISSED, CENTER),
    (State.REPORTED, Action.MERGE): Transition(State.MERGED, CENTER),
    (State.REGISTERED, Action.MERGE): Transition(State.MERGED, CENTER),
    (State.REGISTERED, Action.DISPATCH): Transition(State.DISPATCHED, CENTER, _dispatch_ready),
    (State.DISPATCHED, Action.ACCEPT): Transition(State.HANDLING, DEPARTMENT),
    (State.DISPATCHED, Action.RETURN): Transition(State.REGISTERED, DEPARTMENT),
    (State.HANDLING, Action.HANDLE): Transition(State.HANDLED, DEPARTMENT, _handling),
    # the grid worker handles a small matter on the spot, from the report or after registration; rework of a
    # front-line matter comes back to them (HANDLING with no department)
    (State.REPORTED, Action.HANDLE_ON_SPOT): Transition(State.HANDLED, frozenset({"grid_worker"})),
    (State.REGISTERED, Action.HANDLE_ON_SPOT): Transition(State.HANDLED, frozenset({"grid_worker"}), _front_line),
    (State.HANDLING, Action.HANDLE_ON_SPOT): Transition(State.HANDLED, frozenset({"grid_worker"}), _front_line),
    (State.HANDLED, Action.VERIFY): Transition(State.VERIFIED, ON_SITE, _resolution_given),
    (State.HANDLED, Action.REWORK): Transition(State.HANDLING, ON_SITE),
    (State.VERIFIED, Action.CLOSE): Transition(State.CLOSED, CENTER, _solved),
    (State.VERIFIED, Action.CLOSE_UNSOLVED): Transition(State.CLOSED_UNSOLVED, CENTER, _not_solved),
    (State.CLOSED, Action.REVIEW): Transition(State.REVIEWED, CENTER, _with_reporter),
    (State.CLOSED_UNSOLVED, Action.REVIEW): Transition(State.REVIEWED, CENTER, _with_reporter),
    (State.CLOSED, Action.RATE): Transition(State.REVIEWED, frozenset({"resident"})),
    (State.CLOSED_UNSOLVED, Action.RATE): Transition(State.REVIEWED, frozenset({"resident"})),
    **{(s, Action.REOPEN): Transition(State.REGISTERED, frozenset({"resident", "grid_worker", "dispatcher"}),
                                      _reopen_window) for s in REOPENABLE},
    **{(s, Action.ARCHIVE): Transition(State.ARCHIVED, CENTER, _archivable)
       for s in (State.CLOSED, State.CLOSED_UNSOLVED, State.REVIEWED, State.DISMISSED)},
}


def _dispatched_work(f: IncidentFacts) -> Reason | None:
    if f.tier == Tier.FRONT_LINE:
        return Reason(gettext_noop("前端自处置的事件由监督员核查，网格员不能核查。"))
    return None


# Guards that depend on who acts as well as on the facts: a grid worker checks what departments did in the grid,
# never front-line work — that is the grid team's own, checked by its supervisor (湘潭雨湖: 1+N+1, the supervisor
# verifies; a review found the grid's assistant verifying the governor's on-the-spot handling).
ROLE_GUARDS: dict[tuple[Action, str], Guard] = {
    (Action.VERIFY, "grid_worker"): _dispatched_work,
    (Action.REWORK, "grid_worker"): _dispatched_work,
}


def _refused(facts: IncidentFacts, action: Action, role: str, transition: Transition) -> Reason | None:
    if transition.guard and (reason := transition.guard(facts)):
        return reason
    guard = ROLE_GUARDS.get((action, role))
    return guard(facts) if guard else None


def state_label_of(state: State) -> Label:
    return Label(STATE_LABELS[state], STATE_CONTEXT)


def action_label_of(action: Action) -> Label:
    return Label(ACTION_LABELS[action], ACTION_CONTEXT)


def allowed_actions(facts: IncidentFacts, role: str) -> list[Action]:
    """The actions the table and its guards allow this role now (the authority table still decides whether this
    actor, from where they stand, may take them)."""
    return [a for (s, a), t in TRANSITIONS.items()
            if s == facts.state and role in t.roles and not _refused(facts, a, role, t)]


def advance(facts: IncidentFacts, action: Action, role: str) -> IncidentFacts:
    """Apply one action; raise TransitionNotAllowed with the reason when the table or a guard forbids it."""
    transition = TRANSITIONS.get((facts.state, action))
    if transition is None:
        raise TransitionNotAllowed(Reason(gettext_noop("事件当前为“{state}”，不能{action}。"), (
            ("state", state_label_of(facts.state)), ("action", action_label_of(action)))))
    if role not in transition.roles:
        raise TransitionNotAllowed(Reason(gettext_noop("您的角色不能对事件执行“{action}”。"),
                                          (("action", action_label_of(action)),)))
    if reason := _refused(facts, action, role, transition):
        raise TransitionNotAllowed(reason)
    tier = Tier.FRONT_LINE if action == Action.HANDLE_ON_SPOT else facts.tier
    verified = facts.verifications_passed
    if action in (Action.REWORK, Action.REOPEN, Action.RETURN):
        verified = 0  # a verification speaks for one handling only
    return replace(facts, state=transition.target, tier=tier, verifications_passed=verified,
                   history=facts.history + ((facts.state, action, transition.target),))
