"""Who may act in the hall, as a table in plain Python (no Django), next to the two state machines.

For each (role, action): where the actor must stand relative to the booking or ticket — the resident it is for, the
person who booked it, a clerk of the center it is at, the clerk holding the window it is called to, the grid worker
of the resident's grid, a leader over the center. Services ask `refusal` once; pages ask `permitted` which buttons to
draw; tests walk every (role × action × relation).

Sources: issue #14 items 2, 4 and 5 (residents book on the phone, staff or a grid worker book for an elderly
resident; clerks check in, issue tickets and call at their own center; a window acts on the ticket at it).
"""

from enum import StrEnum

from doorstep.core.authority_table import AuthorityTable
from doorstep.core.workflow_text import Label, Reason
from doorstep.hall.workflow import (
    BOOKING_ACTION_LABELS,
    TICKET_ACTION_LABELS,
    BookingAction,
    TicketAction,
    pgettext_noop,
)


class Relation(StrEnum):
    SELF = "self"  # the booking or ticket is the actor's own (the resident it is for)
    BOOKER = "booker"  # the actor made the booking (a grid worker for an elderly resident)
    CENTER = "center"  # the actor works at the center (their org node is the center's)
    MY_WINDOW = "my_window"  # the ticket is called to or served at the window the actor holds
    GRID = "grid"  # the resident lives in the actor's grid
    AREA = "area"  # the center lies at or below the actor's node (leaders, administrators)


RELATION_CONTEXT = "hall relation"
RELATION_LABELS = {
    Relation.SELF: pgettext_noop("hall relation", "预约人本人"),
    Relation.BOOKER: pgettext_noop("hall relation", "代为预约的工作人员"),
    Relation.CENTER: pgettext_noop("hall relation", "本服务中心工作人员"),
    Relation.MY_WINDOW: pgettext_noop("hall relation", "该号所在窗口的工作人员"),
    Relation.GRID: pgettext_noop("hall relation", "所在网格的网格员"),
    Relation.AREA: pgettext_noop("hall relation", "辖区领导或管理员"),
}


class Extra(StrEnum):
    """Hall actions outside the two machines, checked against the same table."""

    WALK_IN = "walk_in"  # issue a walk-in ticket (现场取号)
    OPEN_WINDOW = "open_window"  # open, pause, resume and close a window (开窗、暂停、关窗)
    CALL_CHOSEN = "call_chosen"  # call a chosen waiting ticket rather than the next (选号呼叫)
    ACCEPT_CASE = "accept_case"  # take the ticket's matter in as a case (受理)
    SEE_FIGURES = "see_figures"  # the wait figures and staffing advice
    KEEP_POLICY = "keep_policy"  # edit the hall policy, capacities and priority rules


EXTRA_LABELS = {
    Extra.WALK_IN: pgettext_noop("ticket action", "现场取号"),
    Extra.OPEN_WINDOW: pgettext_noop("ticket action", "开关窗口"),
    Extra.CALL_CHOSEN: pgettext_noop("ticket action", "选号呼叫"),
    Extra.ACCEPT_CASE: pgettext_noop("ticket action", "受理办件"),
    Extra.SEE_FIGURES: pgettext_noop("ticket action", "查看大厅统计"),
    Extra.KEEP_POLICY: pgettext_noop("ticket action", "设置大厅规则"),
}
ANY_ACTION = BookingAction | TicketAction | Extra

_R = Relation
_AT_WINDOW = frozenset({_R.MY_WINDOW})
_CENTER = frozenset({_R.CENTER})
HALL_AUTHORITY: dict[tuple[str, ANY_ACTION], frozenset[Relation]] = {
    ("resident", BookingAction.BOOK): frozenset({_R.SELF}),
    ("resident", BookingAction.RESCHEDULE): frozenset({_R.SELF}),
    ("resident", BookingAction.CANCEL): frozenset({_R.SELF}),
    ("resident", TicketAction.CANCEL): frozenset({_R.SELF}),
    ("clerk", BookingAction.BOOK): _CENTER,
    ("clerk", BookingAction.RESCHEDULE): _CENTER,
    ("clerk", BookingAction.CANCEL): _CENTER,
    ("clerk", BookingAction.CHECK_IN): _CENTER,
    ("clerk", Extra.WALK_IN): _CENTER,
    ("clerk", Extra.OPEN_WINDOW): _CENTER,
    ("clerk", TicketAction.CALL): _CENTER,
    ("clerk", Extra.CALL_CHOSEN): _CENTER,
    ("clerk", TicketAction.RECALL): _AT_WINDOW,
    ("clerk", TicketAction.START): _AT_WINDOW,
    ("clerk", TicketAction.SKIP): _AT_WINDOW,
    ("clerk", TicketAction.TRANSFER): _AT_WINDOW,
    ("clerk", TicketAction.FINISH): _AT_WINDOW,
    ("clerk", Extra.ACCEPT_CASE): _AT_WINDOW,
    ("clerk", TicketAction.CANCEL): _CENTER,
    ("clerk", Extra.SEE_FIGURES): _CENTER,
    ("grid_worker", BookingAction.BOOK): frozenset({_R.GRID}),
    ("grid_worker", BookingAction.RESCHEDULE): frozenset({_R.BOOKER}),
    ("grid_worker", BookingAction.CANCEL): frozenset({_R.BOOKER}),
    ("leader", Extra.SEE_FIGURES): frozenset({_R.AREA}),
    ("admin", Extra.SEE_FIGURES): frozenset({_R.AREA}),
    ("admin", Extra.KEEP_POLICY): frozenset({_R.AREA}),
}


def action_label(action: ANY_ACTION) -> Label:
    if isinstance(action, BookingAction):
        return Label(BOOKING_ACTION_LABELS[action], "booking action")
    if isinstance(action, TicketAction):
        return Label(TICKET_ACTION_LABELS[action], "ticket action")
    return Label(EXTRA_LABELS[action], "ticket action")


_TABLE = AuthorityTable(HALL_AUTHORITY, RELATION_LABELS, RELATION_CONTEXT, action_label)


def permitted(role: str, action: ANY_ACTION, held: frozenset[Relation]) -> bool:
    """Whether the table lets this role take this action given the relations that hold."""
    return _TABLE.permitted(role, action, held)


def refusal(role: str, action: ANY_ACTION, held: frozenset[Relation]) -> Reason | None:
    """None when permitted; else the reason, naming who may."""
    return _TABLE.refusal(role, action, held)
