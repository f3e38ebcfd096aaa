"""Reading the working-day calendar. The WorkCalendar is rebuilt only when the table changes, and whether it changed
is asked at most every DOORSTEP_CALENDAR_RECHECK_SECONDS per process (this process's own imports reset it at once),
so deadline arithmetic on every page and list row costs no query."""

import datetime
import time

from django.conf import settings
from django.db.models import Count, Max

from doorstep.calendar.models import CalendarDay, CalendarYear
from doorstep.calendar.workdays import WorkCalendar

_cache: dict[str, object] = {"key": None, "calendar": WorkCalendar(), "checked": 0.0}


def work_calendar_changed() -> None:
    """Forget the cached calendar: the next work_calendar() reads the table again."""
    _cache["checked"] = 0.0


def work_calendar() -> WorkCalendar:
    now = time.monotonic()
    if now - _cache["checked"] < settings.DOORSTEP_CALENDAR_RECHECK_SECONDS:  # type: ignore[operator]
        return _cache["calendar"]  # type: ignore[return-value]
    _cache["checked"] = now
    stamp = CalendarYear.objects.aggregate(n=Count("id"), last=Max("loaded_at"))
    day_stamp = CalendarDay.objects.aggregate(n=Count("id"), last=Max("id"))
    key = (stamp["n"], stamp["last"], day_stamp["n"], day_stamp["last"])
    if _cache["key"] != key:
        exceptions = dict(CalendarDay.objects.values_list("date", "is_working_day"))
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        _cache["calendar"] = WorkCalendar(exceptions=exceptions, known_years=years)
        _cache["key"] = key
    return _cache["calendar"]  # type: ignore[return-value]


def calendar_warnings(today: datetime.date) -> list[str]:
    """Loud warnings for staff: this year's or next year's holidays are not loaded yet."""
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [
        f"{y}年法定节假日和调休安排尚未导入：该年的办理期限暂按周末计算，可能不准确。请管理员导入国务院办公厅的放假通知。"
        for y in work_calendar().missing_years(years)
    ]
