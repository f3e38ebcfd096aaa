"""When a center opens next: weekday hours, lunch breaks, Saturday service, holidays and adjusted workdays."""

import datetime
from zoneinfo import ZoneInfo

from doorstep.calendar.workdays import WorkCalendar
from doorstep.org.hours import hours_on, next_open_time

TZ = ZoneInfo("Asia/Shanghai")
T = datetime.time
ROWS = [(w, T(8, 30), T(12, 0)) for w in range(5)] + [(w, T(14, 30), T(17, 30)) for w in range(5)] + [
    (5, T(9, 0), T(12, 0))]  # Saturday morning service
# National Day: 1-8 October off, weekend days included (the holiday table lists them too); Sunday 11th worked (调休)
CAL = WorkCalendar(exceptions={**{datetime.date(2026, 10, d): False for d in range(1, 9)},
                               datetime.date(2026, 10, 11): True})


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def test_open_now_means_now_and_lunch_waits_for_the_afternoon():
    assert next_open_time(ROWS, at(2026, 11, 23, 10, 0), CAL) == at(2026, 11, 23, 10, 0)
    assert next_open_time(ROWS, at(2026, 11, 23, 12, 30), CAL) == at(2026, 11, 23, 14, 30)


def test_friday_evening_goes_to_saturday_service():
    assert next_open_time(ROWS, at(2026, 11, 27, 18, 0), CAL) == at(2026, 11, 28, 9, 0)
    assert next_open_time(ROWS, at(2026, 11, 28, 12, 30), CAL) == at(2026, 11, 30, 8, 30)  # Sunday closed


def test_holiday_is_closed_and_an_adjusted_sunday_keeps_weekday_hours():
    assert hours_on(datetime.date(2026, 10, 1), ROWS, CAL) == []
    assert hours_on(datetime.date(2026, 10, 3), ROWS, CAL) == []  # no Saturday service in the holiday
    assert next_open_time(ROWS, at(2026, 9, 30, 18, 0), CAL) == at(2026, 10, 9, 8, 30)
    assert hours_on(datetime.date(2026, 10, 11), ROWS, CAL)[0] == (T(8, 30), T(12, 0))


def test_a_center_without_hours_never_opens():
    assert next_open_time([], at(2026, 11, 23, 10, 0), CAL, horizon_days=10) is None
