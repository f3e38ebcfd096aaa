"""Reading the working-day calendar. The WorkCalendar is rebuilt only when the table changes, and whether it changed
is asked at most every DOORSTEP_CALENDAR_RECHECK_SECONDS per process (this process's own imports reset it at once),
so deadline arithmetic on every page and list row costs no query."""

import datetime
import time

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext

from doorstep.calendar.models import CalendarDay, CalendarYear
from doorstep.calendar.statutory import statutory_rest_days
from doorstep.calendar.workdays import WorkCalendar

_cache: dict[str, object] = {"key": None, "calendar": WorkCalendar(), "checked": 0.0}
# years around today that get the law's rest days when no notice is loaded (deadlines reach a year or so ahead)
STATUTORY_YEARS_BEFORE, STATUTORY_YEARS_AFTER = 2, 6


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
        # years without a notice: the law's own rest days (statutory.py), never over a day kept in the table
        this_year = timezone.localdate().year
        for year in range(this_year - STATUTORY_YEARS_BEFORE, this_year + STATUTORY_YEARS_AFTER + 1):
            if year not in years:
                for day in statutory_rest_days(year):
                    exceptions.setdefault(day, False)
        _cache["calendar"] = WorkCalendar(exceptions=exceptions, known_years=years)
        _cache["key"] = key
    return _cache["calendar"]  # type: ignore[return-value]


def calendar_missing_years(today: datetime.date) -> list[int]:
    """This year, and from November next year, when their notice is not loaded."""
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return work_calendar().missing_years(years)


def calendar_warnings(today: datetime.date) -> list[str]:
    """The administrators' warnings: a year whose State Council notice is not imported yet."""
    return [
        gettext("%(year)s年国务院放假通知尚未导入：该年的办理期限按法定节假日（元旦、春节、清明、劳动节、端午、中秋、国庆）"
                "和周末计算，调休安排未计入，可能差一两天。请导入该年的放假通知。") % {"year": y}
        for y in calendar_missing_years(today)
    ]


def calendar_note(today: datetime.date) -> str:
    """The one line other staff see where deadlines are shown ("" when every year is loaded)."""
    years = calendar_missing_years(today)
    if not years:
        return ""
    return gettext("%(years)s年的调休安排尚未导入，期限按法定节假日和周末计算，以管理员导入放假通知后为准。") % {
        "years": gettext("、").join(map(str, years))}
