"""Deadlines through real acceptances on real dates: 调休 working Saturdays and the Golden Week count as the State
Council says (checked against chinese-calendar itself), and a case accepted at the end of 2026 gets a 2027 due date
without any crash — by the weekend rule and a loud warning until the 2027 notice is imported, by the notice after."""

import datetime
import zoneinfo

import chinese_calendar
import pytest
import time_machine

from doorstep.calendar.selectors import calendar_warnings, work_calendar_changed
from doorstep.calendar.services import calendar_import_notice
from doorstep.conftest import accept, user
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ITEM, DAYS = "WJ-S01", 10  # a street item promised in 10 working days
NOTICE_2027 = """
year: 2027
holidays:
  元旦: [2027-01-01, 2027-01-03]
workdays:
  - 2027-01-09
"""


def oracle(start: datetime.date, days: int) -> datetime.date:
    """chinese-calendar's own answer, for the years it knows."""
    day = start
    while days:
        day += datetime.timedelta(days=1)
        days -= chinese_calendar.is_workday(day)
    return day


def accept_on(moment: datetime.datetime):
    with time_machine.travel(moment, tick=False):
        work_calendar_changed()
        xie = Resident.objects.get(name="谢小波", path__startswith="430302")
        return accept(actor=user("clerk_s01a"), item_code=ITEM, applicant_id=xie.pk)


@pytest.mark.parametrize("day", [
    datetime.date(2026, 9, 25),  # spans 国庆 and 中秋 with the working Saturday after it
    datetime.date(2026, 10, 9),  # the day before a 调休 Saturday
    datetime.date(2026, 2, 13),  # spans 春节
    datetime.date(2026, 4, 30),  # spans 劳动节
])
def test_due_dates_follow_the_state_councils_calendar(day):
    case = accept_on(datetime.datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI))
    assert case.due_date == oracle(day, DAYS)


def test_the_end_of_2026_into_2027_never_crashes_and_warns_until_the_notice_is_imported():
    with pytest.raises(Exception):  # noqa: B017,PT011 - the package itself has no 2027 data
        chinese_calendar.is_workday(datetime.date(2027, 1, 4))
    december = datetime.datetime(2026, 12, 21, 10, 0, tzinfo=SHANGHAI)
    january = datetime.datetime(2027, 1, 7, 10, 0, tzinfo=SHANGHAI)
    # before the notice: weekends and the law's own holidays (元旦 on 1 Jan, statutory.py): 22–25, 28–31 Dec, 4 and
    # 5 Jan; and 8, 11–15, 18–21 Jan
    assert accept_on(december).due_date == datetime.date(2027, 1, 5)
    assert accept_on(january).due_date == datetime.date(2027, 1, 21)
    assert any("2027" in w for w in calendar_warnings(december.date()))
    calendar_import_notice(actor=None, text=NOTICE_2027)
    # 1 Jan is now a holiday: … 31 Dec, 4, 5 Jan; Saturday 9 Jan a working day: 8, 9, 11–15, 18–20 Jan
    assert accept_on(december).due_date == datetime.date(2027, 1, 5)
    assert accept_on(january).due_date == datetime.date(2027, 1, 20)
    assert not any("2027" in w for w in calendar_warnings(december.date()))
