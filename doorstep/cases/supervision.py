"""Electronic supervision (电子监察) as pure Python: a case whose clock runs is yellow when its due date falls within
the warning window (DOORSTEP_YELLOW_WORKING_DAYS working days, 1 by default) and red once overdue. A paused case
(补正) and a decided one carry no mark."""

import datetime

from doorstep.calendar.workdays import WorkCalendar
from doorstep.cases.workflow import CLOCK_RUNNING, State, gettext_noop

MARK_LABELS = {"red": gettext_noop("已超期"), "yellow": gettext_noop("即将到期"), "": ""}  # translated where shown


def yellow_until(today: datetime.date, calendar: WorkCalendar, working_days: int) -> datetime.date:
    """The last due date that is yellow today."""
    return calendar.add_working_days(today, working_days)


def sla_mark(state: str, due_date: datetime.date | None, *, today: datetime.date,
             yellow_limit: datetime.date) -> str:
    if due_date is None or State(state) not in CLOCK_RUNNING:
        return ""
    if due_date < today:
        return "red"
    if due_date <= yellow_limit:
        return "yellow"
    return ""
