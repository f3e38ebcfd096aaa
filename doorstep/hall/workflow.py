"""The hall's two small state machines as tables, in plain Python (no Django): a booking (预约) and a queue ticket
(排队号). Services look a move up here once; tests walk every (state × action).

Booking: booked → arrived (checked in, a ticket issued) | cancelled (by the resident or staff, before it starts) |
no_show (its time passed without a check-in: the no-show policy counts these). A reschedule keeps the booking and
moves its slots, so it is a move from booked to booked.

Ticket: waiting → called (a window called it) → serving (the person came to the window) → done (served: accepted as a
case, or answered). A called ticket may be recalled (called → called, counted), skipped as a no-show after the
policy's recalls (called → no_show), or transferred to another window or item group (called | serving → waiting,
keeping its place in its class). A waiting ticket may be cancelled (the person left). Every called ticket ends done,
no_show or back in the queue by a transfer — never called by two windows: the call is a conditional update in the
database (services.windows).

Sources: issue #14 items 2, 4 and 5; GB/T 32169.2-2015 政务服务中心运行规范 第2部分 (排队叫号, 预约服务).
"""

from enum import StrEnum

from doorstep.core.workflow_text import Label, Reason


def gettext_noop(message: str) -> str:
    """Marks a label for the catalog without importing Django (the labels stay Chinese, the source language)."""
    return message


def pgettext_noop(context: str, message: str) -> str:
    return message


class BookingState(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


BOOKING_STATE_CONTEXT = "booking state"
BOOKING_STATE_LABELS = {
    BookingState.BOOKED: pgettext_noop("booking state", "已预约"),
    BookingState.ARRIVED: pgettext_noop("booking state", "已签到"),
    BookingState.CANCELLED: pgettext_noop("booking state", "已取消"),
    BookingState.NO_SHOW: pgettext_noop("booking state", "爽约"),
}
# A booking that still holds its slots and counts against "one active booking per person per item per day".
ACTIVE_BOOKING_STATES = frozenset({BookingState.BOOKED, BookingState.ARRIVED})


class BookingAction(StrEnum):
    BOOK = "book"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    CHECK_IN = "check_in"
    MARK_NO_SHOW = "mark_no_show"


BOOKING_ACTION_LABELS = {
    BookingAction.BOOK: pgettext_noop("booking action", "预约"),
    BookingAction.RESCHEDULE: pgettext_noop("booking action", "改约"),
    BookingAction.CANCEL: pgettext_noop("booking action", "取消预约"),
    BookingAction.CHECK_IN: pgettext_noop("booking action", "签到取号"),
    BookingAction.MARK_NO_SHOW: pgettext_noop("booking action", "记为爽约"),
}

_B = BookingState
BOOKING_MOVES: dict[tuple[BookingState, BookingAction], BookingState] = {
    (_B.BOOKED, BookingAction.RESCHEDULE): _B.BOOKED,
    (_B.BOOKED, BookingAction.CANCEL): _B.CANCELLED,
    (_B.BOOKED, BookingAction.CHECK_IN): _B.ARRIVED,
    (_B.BOOKED, BookingAction.MARK_NO_SHOW): _B.NO_SHOW,
}


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


TICKET_STATE_CONTEXT = "ticket state"
TICKET_STATE_LABELS = {
    TicketState.WAITING: pgettext_noop("ticket state", "等候中"),
    TicketState.CALLED: pgettext_noop("ticket state", "已叫号"),
    TicketState.SERVING: pgettext_noop("ticket state", "办理中"),
    TicketState.DONE: pgettext_noop("ticket state", "已办结"),
    TicketState.NO_SHOW: pgettext_noop("ticket state", "过号"),
    TicketState.CANCELLED: pgettext_noop("ticket state", "已取消"),
}
# A window holds at most one ticket in these states (a partial unique index on the ticket's window).
AT_WINDOW_STATES = frozenset({TicketState.CALLED, TicketState.SERVING})
ENDED_TICKET_STATES = frozenset({TicketState.DONE, TicketState.NO_SHOW, TicketState.CANCELLED})


class TicketAction(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    SKIP = "skip"
    TRANSFER = "transfer"
    FINISH = "finish"
    CANCEL = "cancel"


TICKET_ACTION_LABELS = {
    TicketAction.CALL: pgettext_noop("ticket action", "叫号"),
    TicketAction.RECALL: pgettext_noop("ticket action", "重呼"),
    TicketAction.START: pgettext_noop("ticket action", "开始办理"),
    TicketAction.SKIP: pgettext_noop("ticket action", "过号"),
    TicketAction.TRANSFER: pgettext_noop("ticket action", "转移"),
    TicketAction.FINISH: pgettext_noop("ticket action", "办结"),
    TicketAction.CANCEL: pgettext_noop("ticket action", "取消排队"),
}

_T = TicketState
TICKET_MOVES: dict[tuple[TicketState, TicketAction], TicketState] = {
    (_T.WAITING, TicketAction.CALL): _T.CALLED,
    (_T.WAITING, TicketAction.CANCEL): _T.CANCELLED,
    (_T.CALLED, TicketAction.RECALL): _T.CALLED,
    (_T.CALLED, TicketAction.START): _T.SERVING,
    (_T.CALLED, TicketAction.SKIP): _T.NO_SHOW,
    (_T.CALLED, TicketAction.TRANSFER): _T.WAITING,
    (_T.SERVING, TicketAction.TRANSFER): _T.WAITING,
    (_T.SERVING, TicketAction.FINISH): _T.DONE,
}

NOT_FROM_STATE = gettext_noop("当前状态为“{state}”，不能“{action}”。")
TOO_FEW_RECALLS = gettext_noop("已重呼{recalls}次：重呼满{needed}次仍未到窗口，才能记为过号。")


class MoveRefused(Exception):
    """A move the table does not allow; `reason` says why (translated where it is shown)."""

    def __init__(self, reason: Reason):
        super().__init__(reason.text())
        self.reason = reason


def _not_from(state_label: Label, action_label: Label) -> MoveRefused:
    return MoveRefused(Reason(NOT_FROM_STATE, (("state", state_label), ("action", action_label))))


def booking_next(state: BookingState, action: BookingAction) -> BookingState:
    """The state after `action`; raises MoveRefused when the table has no such move."""
    after = BOOKING_MOVES.get((BookingState(state), action))
    if after is None:
        raise _not_from(Label(BOOKING_STATE_LABELS[BookingState(state)], BOOKING_STATE_CONTEXT),
                        Label(BOOKING_ACTION_LABELS[action], "booking action"))
    return after


def ticket_next(state: TicketState, action: TicketAction, *, recalls: int = 0, recalls_before_skip: int = 0
                ) -> TicketState:
    """The state after `action`. A skip (过号) needs `recalls_before_skip` recalls first (the hall policy's N), so a
    person a step away from the window is not struck off on the first call. Raises MoveRefused."""
    after = TICKET_MOVES.get((TicketState(state), action))
    if after is None:
        raise _not_from(Label(TICKET_STATE_LABELS[TicketState(state)], TICKET_STATE_CONTEXT),
                        Label(TICKET_ACTION_LABELS[action], "ticket action"))
    if action == TicketAction.SKIP and recalls < recalls_before_skip:
        raise MoveRefused(Reason(TOO_FEW_RECALLS, (("recalls", recalls), ("needed", recalls_before_skip))))
    return after
