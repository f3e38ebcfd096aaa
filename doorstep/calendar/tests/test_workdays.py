"""Working days: statutory holidays and 调休 from chinese-calendar, the 2026 → 2027 boundary past the package's
data, importing a notice, and loud warnings for missing years."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.calendar.models import CalendarDay, CalendarYear
from doorstep.calendar.selectors import calendar_warnings, work_calendar
from doorstep.calendar.services import calendar_import_notice, parse_notice
from doorstep.calendar.workdays import WorkCalendar
from doorstep.core.errors import ValidationFailed

D = datetime.date
NOTICE_2027 = """
year: 2027
holidays:
  元旦: [2027-01-01, 2027-01-03]
workdays:
  - 2027-01-09
"""


@pytest.mark.django_db
def test_national_day_2026_and_its_adjusted_saturday():
    cal = work_calendar()
    assert not cal.is_working_day(D(2026, 10, 1))      # 国庆节, a Thursday
    assert cal.is_working_day(D(2026, 10, 10))         # Saturday, 调休上班
    assert cal.is_working_day(D(2026, 9, 30))
    # accepted on 30 Sept with 3 promised working days: 8 Oct (1-7 off), 9 Oct, 10 Oct (Saturday, adjusted)
    assert cal.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


@pytest.mark.django_db
def test_dates_past_the_package_never_crash_and_are_flagged():
    cal = work_calendar()
    assert 2027 not in cal.known_years
    # weekends and the statutory 元旦 (no notice yet): 31 Dec, 4 Jan, 5 Jan
    assert cal.add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert cal.working_days_between(D(2026, 12, 25), D(2027, 1, 8)) == 9
    warnings = calendar_warnings(D(2026, 11, 22))
    assert len(warnings) == 1 and "2027年" in warnings[0]


@pytest.mark.django_db
def test_importing_a_notice_makes_the_year_known():
    year, days = calendar_import_notice(actor=None, text=NOTICE_2027)
    assert (year, days) == (2027, 4)
    cal = work_calendar()
    assert 2027 in cal.known_years
    assert not cal.is_working_day(D(2027, 1, 1)) and cal.is_working_day(D(2027, 1, 9))  # Saturday worked
    assert cal.add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 5)  # 31 Dec, then 4 and 5 Jan
    assert calendar_warnings(D(2026, 11, 22)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("text, message", [
    ("year: 2027\nholidays:\n  元旦: [2027-01-03, 2027-01-01]\n", "元旦：最后一天早于第一天"),
    ("year: 2027\nholidays:\n  春节: [2027-02-30, 2027-03-01]\n", "春节：日期“2027-02-30”"),
    ("year: 2027\nworkdays:\n  - 2031-01-01\n", "workdays 第1项"),
    ("year: twenty\n", "不是年份"),
    ("holidays: {}\n", "须包含 year"),
    ("year: 2027\nholidays: [\n", "不是有效的 YAML"),
])
def test_bad_notice_files_name_the_item_and_change_nothing(text, message):
    before = (CalendarDay.objects.count(), CalendarYear.objects.count())
    with pytest.raises(ValidationFailed, match=message):
        calendar_import_notice(actor=None, text=text)
    assert (CalendarDay.objects.count(), CalendarYear.objects.count()) == before


def test_parse_rejects_a_day_listed_twice():
    with pytest.raises(ValidationFailed, match="同时被列为放假日"):
        parse_notice("year: 2027\nholidays:\n  元旦: [2027-01-01, 2027-01-03]\nworkdays: [2027-01-02]\n")


@given(st.dates(min_value=D(2026, 1, 1), max_value=D(2028, 12, 31)), st.integers(min_value=0, max_value=60))
def test_add_working_days_lands_on_a_working_day_and_counts_back(start, n):
    cal = WorkCalendar(exceptions={D(2026, 10, 1): False, D(2026, 10, 10): True}, known_years=frozenset({2026}))
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    if n:
        assert cal.is_working_day(end)
