"""The calendar knows the law (issue #11, item 10): in a year whose State Council notice is not imported, the 13
statutory rest days of 《全国年节及纪念日放假办法》 (2024 revision) are rest days — a deadline never falls on 1 January
or 1 October — while the year stays flagged until its notice (with the 调休 swaps) is imported; a notice whose 元旦
break starts in December imports; district administrators import on a page, others are refused."""

import datetime

import pytest
from django.test import Client

from doorstep.calendar.models import CalendarDay
from doorstep.calendar.selectors import calendar_note, work_calendar
from doorstep.calendar.services import calendar_import_notice, parse_notice
from doorstep.calendar.statutory import statutory_rest_days
from doorstep.conftest import user

D = datetime.date


def test_the_law_gives_thirteen_rest_days_in_a_year_without_a_notice():
    days = statutory_rest_days(2027)
    assert len(days) == 13
    assert set(days.values()) == {"元旦", "春节（除夕）", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
    assert days[D(2027, 1, 1)] == "元旦" and days[D(2027, 5, 2)] == "劳动节" and days[D(2027, 10, 3)] == "国庆节"
    # 2027's Spring Festival: 除夕 is 5 February, 初一 6 February (the lunar calendar, not our arithmetic)
    assert days[D(2027, 2, 5)] == "春节（除夕）" and [days[D(2027, 2, d)] for d in (6, 7, 8)] == ["春节"] * 3
    # no day in lieu (补假) of a holiday on a weekend: the law has none, the notice swaps weekends instead
    assert D(2027, 1, 4) not in days  # 元旦 2027 is a Friday; nothing on Monday


def test_two_festivals_on_one_day_are_one_rest_day():
    days = statutory_rest_days(2028)  # 中秋节 falls on 3 October
    assert days[D(2028, 10, 3)] == "中秋节、国庆节" and len(days) == 12
    assert D(2028, 10, 4) not in days and D(2028, 5, 29) not in days  # the library's 补假, left out


@pytest.mark.django_db
def test_a_year_without_a_notice_rests_on_the_statutory_days_and_stays_flagged():
    cal = work_calendar()
    assert 2027 not in cal.known_years
    for day in statutory_rest_days(2027):
        assert not cal.is_working_day(day), day
    assert cal.next_working_day(D(2027, 10, 1)) == D(2027, 10, 4)  # 1–3 Oct off (Fri–Sun), Monday 4th
    assert "2027" in calendar_note(D(2026, 11, 30))


@pytest.mark.django_db
def test_a_day_kept_by_hand_wins_over_the_law():
    CalendarDay.objects.create(date=D(2027, 10, 2), is_working_day=True, name="手工：值班", source="manual")
    from doorstep.calendar.selectors import work_calendar_changed

    work_calendar_changed()
    assert work_calendar().is_working_day(D(2027, 10, 2))
    assert not work_calendar().is_working_day(D(2027, 10, 1))


NOTICE_2019 = """
year: 2019
holidays:
  元旦: [2018-12-30, 2019-01-01]
  春节: [2019-02-04, 2019-02-10]
workdays:
  - 2018-12-29
  - 2019-02-02
  - 2019-02-03
"""


@pytest.mark.django_db
def test_a_notice_whose_new_year_break_starts_in_december_imports():
    year, days = parse_notice(NOTICE_2019)
    assert year == 2019 and D(2018, 12, 30) in {d.date for d in days}
    calendar_import_notice(actor=None, text=NOTICE_2019)
    cal = work_calendar()
    assert not cal.is_working_day(D(2018, 12, 31)) and cal.is_working_day(D(2018, 12, 29))  # a Saturday worked
    from doorstep.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):  # but not from November, nor ending in another year
        parse_notice("year: 2019\nholidays:\n  元旦: [2018-11-30, 2018-12-01]\n")


@pytest.mark.django_db
def test_the_district_admin_imports_a_notice_on_the_page():
    client = Client()
    client.force_login(user("admin"))
    page = client.get("/calendar/")
    assert page.status_code == 200 and "导入放假通知" in page.content.decode()
    bad = client.post("/calendar/", {"text": "year: 2027\nholidays:\n  元旦: [2027-01-03, 2027-01-01]\n"})
    assert bad.status_code == 400 and "最后一天早于第一天" in bad.content.decode()
    assert "2027-01-03" in bad.content.decode()  # what was pasted stays
    ok = client.post("/calendar/", {"text": "year: 2027\nholidays:\n  元旦: [2027-01-01, 2027-01-03]\n"}, follow=True)
    assert "已导入2027年放假安排" in ok.content.decode()
    assert 2027 in work_calendar().known_years


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin_s01", "clerk_s01a", "leader", "13800000001"])
def test_other_users_may_not_open_the_calendar_page(username):
    client = Client()
    client.force_login(user(username))
    assert client.get("/calendar/").status_code == 403
    assert client.post("/calendar/", {"text": "year: 2027\nholidays:\n  元旦: [2027-01-01, 2027-01-03]\n"}).status_code == 403
    assert 2027 not in work_calendar().known_years
