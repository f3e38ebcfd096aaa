"""Working-hours arithmetic (issue #13): 工作时 and 工作日 limits over 2026's holidays and 调休 days, checked against
hand-computed answers, against chinese-calendar's own day count, and against a slow per-day reference."""

import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from chinese_calendar import constants
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.calendar.workdays import WorkCalendar
from doorstep.calendar.workhours import (
    WorkingHours,
    add_working_hours,
    deadline,
    deadline_in_working_days,
    working_seconds_between,
)

TZ = ZoneInfo("Asia/Shanghai")
D = datetime.date
T = datetime.time
HOURS = WorkingHours.parse("08:30-12:00,14:00-17:30")

# 2026 as the State Council's notice has it: rest days off weekends, and the weekend days worked (调休上班).
REST_2026 = [
    *[D(2026, 1, d) for d in (1, 2, 3)],                    # 元旦
    *[D(2026, 2, d) for d in range(15, 24)],                # 春节, Sunday 15 to Monday 23
    *[D(2026, 4, d) for d in (4, 5, 6)],                    # 清明节
    *[D(2026, 5, d) for d in range(1, 6)],                  # 劳动节
    *[D(2026, 6, d) for d in (19, 20, 21)],                 # 端午节
    *[D(2026, 9, d) for d in (25, 26, 27)],                 # 中秋节
    *[D(2026, 10, d) for d in range(1, 8)],                 # 国庆节
]
WORKED_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]
CAL_2026 = WorkCalendar(exceptions={**{d: False for d in REST_2026}, **{d: True for d in WORKED_2026}},
                        known_years=frozenset({2026}))
# Every year chinese-calendar knows (2027 is past it: the weekend rule).
PACKAGE_CAL = WorkCalendar(exceptions={**{d: False for d in constants.holidays}, **{d: True for d in constants.workdays}},
                           known_years=frozenset(d.year for d in constants.holidays))
CLOCK = {"calendar": CAL_2026, "hours_of_day": HOURS, "tz": TZ}


def at(y, m, d, hh=0, mm=0, ss=0, us=0):
    return datetime.datetime(y, m, d, hh, mm, ss, us, tzinfo=TZ)


def test_hand_written_2026_agrees_with_chinese_calendar():
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert CAL_2026.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)


# --- WorkingHours -----------------------------------------------------------------------------------------------

def test_working_hours_parse_gives_the_periods_and_seven_hours_a_day():
    assert HOURS.periods == ((T(8, 30), T(12, 0)), (T(14, 0), T(17, 30)))
    assert HOURS.seconds_per_day == 7 * 3600
    assert HOURS == WorkingHours(((T(8, 30), T(12, 0)), (T(14, 0), T(17, 30))))
    assert WorkingHours.parse(" 9:00 - 12:00 , 12:00-13:00 ").seconds_per_day == 4 * 3600  # touching is fine


@pytest.mark.parametrize("text", [
    "", " ", "08:30", "08:30-12:00;14:00-17:30", "08:30-12:00,", "12:00-08:30", "08:30-08:30",
    "08:30-12:00,11:00-13:00", "14:00-17:30,08:30-12:00", "25:00-26:00", "08:60-09:00", "8:3-9:00", "08h30-12h00",
])
def test_working_hours_parse_refuses_bad_text(text):
    with pytest.raises(ValueError):
        WorkingHours.parse(text)


def test_working_hours_refuse_empty_and_zoned_periods():
    with pytest.raises(ValueError):
        WorkingHours(())
    with pytest.raises(ValueError):
        WorkingHours(((T(8, 30, tzinfo=TZ), T(12, 0, tzinfo=TZ)),))


# --- add_working_hours ----------------------------------------------------------------------------------------

def test_friday_afternoon_plus_four_hours_lands_on_monday_morning():
    # Friday 16:00-17:30 is 1.5 hours; the other 2.5 run from Monday 08:30
    assert add_working_hours(at(2026, 3, 13, 16), 4, **CLOCK) == at(2026, 3, 16, 11)


def test_a_start_in_the_lunch_break_counts_from_14_00():
    assert add_working_hours(at(2026, 3, 17, 12, 30), 1, **CLOCK) == at(2026, 3, 17, 15)
    assert add_working_hours(at(2026, 3, 17, 12, 30), 0, **CLOCK) == at(2026, 3, 17, 14)
    assert add_working_hours(at(2026, 3, 17, 12), 0, **CLOCK) == at(2026, 3, 17, 14)  # 12:00 is not working time


def test_zero_hours_is_the_next_working_moment_at_or_after_the_start():
    assert add_working_hours(at(2026, 3, 17, 9, 15, 7), 0, **CLOCK) == at(2026, 3, 17, 9, 15, 7)
    assert add_working_hours(at(2026, 3, 17, 6), 0, **CLOCK) == at(2026, 3, 17, 8, 30)
    assert add_working_hours(at(2026, 3, 17, 17, 30), 0, **CLOCK) == at(2026, 3, 18, 8, 30)
    assert add_working_hours(at(2026, 3, 14, 10), 0, **CLOCK) == at(2026, 3, 16, 8, 30)  # Saturday


def test_hours_used_up_at_a_periods_end_give_that_end():
    assert add_working_hours(at(2026, 3, 17, 8, 30), 3.5, **CLOCK) == at(2026, 3, 17, 12)
    assert add_working_hours(at(2026, 3, 17, 8, 30), 7, **CLOCK) == at(2026, 3, 17, 17, 30)
    assert add_working_hours(at(2026, 3, 17, 8, 30), 14, **CLOCK) == at(2026, 3, 18, 17, 30)


def test_a_start_on_a_holiday_counts_from_the_first_working_morning_after_it():
    # 3 October 2026 (国庆节, a Saturday): the next working day is Thursday 8 October
    assert add_working_hours(at(2026, 10, 3, 10), 2, **CLOCK) == at(2026, 10, 8, 10, 30)


def test_national_day_and_its_adjusted_saturday():
    # Wednesday 30 September from 16:00: 1.5 hours, then 1-7 October off
    assert add_working_hours(at(2026, 9, 30, 16), 7, **CLOCK) == at(2026, 10, 8, 16)
    assert add_working_hours(at(2026, 9, 30, 16), 14, **CLOCK) == at(2026, 10, 9, 16)
    assert add_working_hours(at(2026, 9, 30, 16), 21, **CLOCK) == at(2026, 10, 10, 16)  # Saturday 10 Oct, 调休上班


def test_an_adjusted_sunday_works_and_a_mid_autumn_friday_does_not():
    assert add_working_hours(at(2026, 9, 19, 10), 1, **CLOCK) == at(2026, 9, 20, 9, 30)  # Sunday 20 Sep works
    # Thursday 24 Sep 17:00: half an hour, then 中秋 25-27 Sep, then Monday 28
    assert add_working_hours(at(2026, 9, 24, 17), 1, **CLOCK) == at(2026, 9, 28, 9)


def test_across_the_spring_festival():
    assert add_working_hours(at(2026, 2, 13, 17), 1, **CLOCK) == at(2026, 2, 14, 9)     # Saturday 14 Feb works
    assert add_working_hours(at(2026, 2, 14, 17), 1, **CLOCK) == at(2026, 2, 24, 9)     # 15-23 Feb off
    assert working_seconds_between(at(2026, 2, 14, 12), at(2026, 2, 24, 12), **CLOCK) == 7 * 3600


def test_fractional_hours_are_exact():
    assert add_working_hours(at(2026, 3, 17, 11, 45), 0.5, **CLOCK) == at(2026, 3, 17, 14, 15)
    assert add_working_hours(at(2026, 3, 17, 9), Fraction(1, 3), **CLOCK) == at(2026, 3, 17, 9, 20)
    assert add_working_hours(at(2026, 3, 17, 9), 0.1, **CLOCK) == at(2026, 3, 17, 9, 6)
    assert add_working_hours(at(2026, 3, 17, 9), Decimal("0.25"), **CLOCK) == at(2026, 3, 17, 9, 15)
    assert working_seconds_between(at(2026, 3, 17, 11, 45), at(2026, 3, 17, 14, 15), **CLOCK) == 1800


def test_a_start_in_another_zone_is_counted_on_the_beijing_clock():
    utc = datetime.datetime(2026, 3, 16, 0, 30, tzinfo=datetime.UTC)  # 08:30 in Beijing
    result = add_working_hours(utc, 1, **CLOCK)
    assert result == at(2026, 3, 16, 9, 30) and result.tzinfo is TZ


@pytest.mark.parametrize("hours", [-1, -0.5, float("nan"), float("inf"), Decimal("NaN"), "2", None, True])
def test_add_working_hours_refuses_what_is_not_a_duration(hours):
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 3, 17, 9), hours, **CLOCK)


def test_naive_datetimes_are_refused():
    naive = datetime.datetime(2026, 3, 17, 9)
    with pytest.raises(ValueError):
        add_working_hours(naive, 1, **CLOCK)
    with pytest.raises(ValueError):
        working_seconds_between(at(2026, 3, 17, 9), naive, **CLOCK)
    with pytest.raises(ValueError):
        deadline_in_working_days(naive, 1, **CLOCK)


# --- working_seconds_between ----------------------------------------------------------------------------------

def test_working_seconds_between_is_zero_antisymmetric_and_counts_whole_years():
    a, b = at(2026, 9, 30, 16), at(2026, 10, 8, 9)
    assert working_seconds_between(a, b, **CLOCK) == 2 * 3600
    assert working_seconds_between(b, a, **CLOCK) == -2 * 3600
    assert working_seconds_between(a, a, **CLOCK) == 0
    assert working_seconds_between(at(2026, 10, 1, 9), at(2026, 10, 7, 17), **CLOCK) == 0  # all holiday
    assert working_seconds_between(at(2026, 3, 17, 12), at(2026, 3, 17, 14), **CLOCK) == 0  # the lunch break
    # chinese-calendar counts 248 working days in 2026
    assert working_seconds_between(at(2026, 1, 1), at(2027, 1, 1), **CLOCK) == 248 * 7 * 3600


def test_working_seconds_between_truncates_toward_zero():
    a, b = at(2026, 3, 17, 9, 0, 0, 0), at(2026, 3, 17, 9, 0, 1, 999_999)
    assert working_seconds_between(a, b, **CLOCK) == 1
    assert working_seconds_between(b, a, **CLOCK) == -1


# --- deadline_in_working_days and deadline --------------------------------------------------------------------

def test_deadline_in_working_days_counts_from_the_day_after_the_start():
    assert deadline_in_working_days(at(2026, 3, 17, 9), 1, **CLOCK) == at(2026, 3, 18, 17, 30)
    assert deadline_in_working_days(at(2026, 3, 13, 17, 45), 1, **CLOCK) == at(2026, 3, 16, 17, 30)  # Friday
    # the day before 清明 (Friday 3 April; 4-6 April off)
    assert deadline_in_working_days(at(2026, 4, 3, 10), 1, **CLOCK) == at(2026, 4, 7, 17, 30)
    # accepted 30 September with 3 days: 8, 9 and Saturday 10 October, as the one window counts
    assert deadline_in_working_days(at(2026, 9, 30, 10), 3, **CLOCK) == at(2026, 10, 10, 17, 30)
    assert CAL_2026.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert deadline_in_working_days(at(2026, 10, 3, 10), 1, **CLOCK) == at(2026, 10, 8, 17, 30)  # from a holiday


def test_zero_working_days_is_the_end_of_the_start_day_or_the_next_working_day():
    assert deadline_in_working_days(at(2026, 9, 30, 10), 0, **CLOCK) == at(2026, 9, 30, 17, 30)
    assert deadline_in_working_days(at(2026, 9, 30, 20), 0, **CLOCK) == at(2026, 9, 30, 17, 30)
    assert deadline_in_working_days(at(2026, 10, 3, 10), 0, **CLOCK) == at(2026, 10, 8, 17, 30)


@pytest.mark.parametrize("days", [-1, 1.5, True, "1"])
def test_deadline_in_working_days_refuses_what_is_not_a_whole_count(days):
    with pytest.raises(ValueError):
        deadline_in_working_days(at(2026, 3, 17, 9), days, **CLOCK)


def test_deadline_dispatches_by_unit():
    start = at(2026, 3, 13, 16)
    assert deadline(start, 4, "hours", **CLOCK) == at(2026, 3, 16, 11)
    assert deadline(start, 2, "days", **CLOCK) == at(2026, 3, 17, 17, 30)
    assert deadline(start, 2.0, "days", **CLOCK) == at(2026, 3, 17, 17, 30)
    assert deadline(start, Decimal("2"), "days", **CLOCK) == at(2026, 3, 17, 17, 30)
    with pytest.raises(ValueError):
        deadline(start, 2.5, "days", **CLOCK)
    with pytest.raises(ValueError):
        deadline(start, 2, "weeks", **CLOCK)


# --- properties over 2025-2027 with chinese-calendar's days ---------------------------------------------------

PACKAGE_CLOCK = {"calendar": PACKAGE_CAL, "hours_of_day": HOURS, "tz": TZ}
moments = st.datetimes(min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2027, 12, 31, 23, 59),
                       timezones=st.just(TZ))
# moments inside working time: a working day, a period, an offset into it
working_moments = st.builds(
    lambda day, period, fraction: datetime.datetime.combine(day, HOURS.periods[period][0], tzinfo=TZ)
    + fraction * (datetime.datetime.combine(day, HOURS.periods[period][1])
                  - datetime.datetime.combine(day, HOURS.periods[period][0])),
    st.dates(D(2025, 1, 1), D(2027, 12, 31)).filter(PACKAGE_CAL.is_working_day),
    st.integers(0, len(HOURS.periods) - 1),
    st.floats(0, 0.999),
)


def reference_seconds(start, end, calendar=PACKAGE_CAL):
    """Working seconds in [start, end), start <= end: day by day, period by period (slow and plain)."""
    total = datetime.timedelta()
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            for begin, finish in HOURS.periods:
                lo = max(start, datetime.datetime.combine(day, begin, tzinfo=TZ))
                hi = min(end, datetime.datetime.combine(day, finish, tzinfo=TZ))
                if hi > lo:
                    total += hi - lo
        day += datetime.timedelta(days=1)
    return int(total.total_seconds())


@settings(max_examples=300, deadline=None)
@given(st.one_of(working_moments, moments), st.integers(0, 400 * 60))
def test_adding_hours_then_counting_them_back_gives_the_same_hours(start, minutes):
    hours = Fraction(minutes, 60)
    end = add_working_hours(start, hours, **PACKAGE_CLOCK)
    assert end >= start
    assert working_seconds_between(start, end, **PACKAGE_CLOCK) == minutes * 60
    assert working_seconds_between(end, start, **PACKAGE_CLOCK) == -minutes * 60


@settings(max_examples=200, deadline=None)
@given(working_moments, st.floats(0, 300, allow_nan=False))
def test_fractional_float_hours_come_back_to_the_second(start, hours):
    end = add_working_hours(start, hours, **PACKAGE_CLOCK)
    assert abs(working_seconds_between(start, end, **PACKAGE_CLOCK) - hours * 3600) < 1


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(0, 60 * 24 * 3600))
def test_working_seconds_between_agrees_with_a_day_by_day_count(start, span):
    end = start + datetime.timedelta(seconds=span)
    assert working_seconds_between(start, end, **PACKAGE_CLOCK) == reference_seconds(start, end)


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(0, 40))
def test_working_day_deadlines_agree_with_the_work_calendar(start, days):
    due = deadline_in_working_days(start, days, **PACKAGE_CLOCK)
    day = start.date()
    expected = PACKAGE_CAL.add_working_days(day, days) if days else PACKAGE_CAL.next_working_day(day)
    assert due == datetime.datetime.combine(expected, T(17, 30), tzinfo=TZ)
    assert PACKAGE_CAL.is_working_day(due.date())
