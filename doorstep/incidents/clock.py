"""The incident clocks in working time: deadlines from a category's limits and working seconds between two moments,
on the district's working-day calendar (holidays and 调休 from the calendar app) and DOORSTEP_WORKING_HOURS."""

import datetime
import zoneinfo

from django.conf import settings

from doorstep.calendar.selectors import work_calendar
from doorstep.calendar.workhours import WorkingHours, deadline, working_seconds_between

_hours: dict[str, WorkingHours] = {}


def hours_of_day() -> WorkingHours:
    text = settings.DOORSTEP_WORKING_HOURS
    if text not in _hours:
        _hours[text] = WorkingHours.parse(text)
    return _hours[text]


def _tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def due(start: datetime.datetime, value: int, unit: str) -> datetime.datetime:
    """The moment `value` working hours (unit "hours") or working days (unit "days": the end of that working day)
    after `start`."""
    return deadline(start, value, unit, calendar=work_calendar(), hours_of_day=hours_of_day(), tz=_tz())


def working_seconds(start: datetime.datetime, end: datetime.datetime) -> int:
    """Working seconds in [start, end) (negative when end is earlier)."""
    return working_seconds_between(start, end, calendar=work_calendar(), hours_of_day=hours_of_day(), tz=_tz())
