"""When a service center is open, as pure Python over its opening-hours rows and the working-day calendar.

Rules: a statutory holiday is closed, weekend days inside it too (the holiday table lists them); an adjusted
workday (调休) on a weekend keeps Monday's hours; an ordinary Saturday or Sunday is open only where the center has
Saturday/Sunday rows (周六延时服务).
"""

import datetime
from collections.abc import Iterable

from doorstep.calendar.workdays import WorkCalendar

HoursRow = tuple[int, datetime.time, datetime.time]  # weekday (0 = Monday), opens, closes


def hours_on(day: datetime.date, rows: Iterable[HoursRow], calendar: WorkCalendar) -> list[tuple[datetime.time,
                                                                                                   datetime.time]]:
    rows = list(rows)
    working = calendar.is_working_day(day)
    weekend = day.weekday() >= 5
    if not working and not weekend:
        return []  # a holiday on a weekday
    weekday = 0 if (working and weekend) else day.weekday()
    if not working and day in calendar.exceptions:
        return []  # a listed rest day that falls on a weekend is a holiday too
    return sorted((o, c) for w, o, c in rows if w == weekday)


def next_open_time(rows: Iterable[HoursRow], after: datetime.datetime, calendar: WorkCalendar,
                   *, horizon_days: int = 60) -> datetime.datetime | None:
    """The first moment at or after `after` (an aware datetime in local time) when the center is open."""
    rows = list(rows)
    day = after.date()
    for _ in range(horizon_days):
        for opens, closes in hours_on(day, rows, calendar):
            start = datetime.datetime.combine(day, opens, tzinfo=after.tzinfo)
            end = datetime.datetime.combine(day, closes, tzinfo=after.tzinfo)
            if after < end:
                return max(start, after)
        day += datetime.timedelta(days=1)
    return None
