"""Electronic supervision: yellow within the warning window, red when overdue, nothing while paused or decided;
the sweep tells the post's acting holder (B when A is away) once per mark; the page counts by level."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from doorstep.calendar.selectors import work_calendar
from doorstep.calendar.workdays import WorkCalendar
from doorstep.cases.models import Case
from doorstep.cases.services import case_transition, supervision_sweep
from doorstep.cases.supervision import sla_mark, yellow_until
from doorstep.conftest import accept, user
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.notifications.models import Notification
from doorstep.org.models import Post
from doorstep.registry.models import Resident

D = datetime.date


def test_marks_follow_the_working_day_calendar():
    holiday = {D(2026, 10, d): False for d in (1, 2, 5, 6, 7, 8)}
    cal = WorkCalendar(exceptions={**holiday, D(2026, 10, 10): True})  # Saturday 10th is an adjusted workday
    friday = D(2026, 9, 25)
    limit = yellow_until(friday, cal, 1)
    assert limit == D(2026, 9, 28)  # the next working day is Monday
    assert sla_mark("accepted", D(2026, 9, 28), today=friday, yellow_limit=limit) == "yellow"
    assert sla_mark("accepted", D(2026, 9, 29), today=friday, yellow_limit=limit) == ""
    assert sla_mark("in_review", D(2026, 9, 24), today=friday, yellow_limit=limit) == "red"
    assert sla_mark("supplement_requested", D(2026, 9, 24), today=friday, yellow_limit=limit) == ""  # paused
    assert sla_mark("concluded", D(2026, 9, 24), today=friday, yellow_limit=limit) == ""
    assert yellow_until(D(2026, 9, 30), cal, 1) == D(2026, 10, 9)  # across the National Day holiday
    assert yellow_until(D(2026, 10, 9), cal, 1) == D(2026, 10, 10)  # onto the adjusted Saturday


def _overdue_case(days_late: int = 2) -> Case:
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_s01a"), item_code="MZ-S01", applicant_id=xie.pk)
    Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=days_late))
    return case


@pytest.mark.django_db
def test_sweep_notifies_the_acting_holder_once_and_b_when_a_is_away(django_capture_on_commit_callbacks):
    case = _overdue_case()
    yellow = _overdue_case(0)
    with django_capture_on_commit_callbacks(execute=True):
        counts = supervision_sweep()
    assert counts["red"] >= 1 and counts["yellow"] >= 1
    assert Notification.objects.filter(user__username="clerk_s01a", kind="supervision.red").exists()
    assert Notification.objects.filter(user__username="clerk_s01a", kind="supervision.yellow").exists()
    assert Case.objects.get(pk=case.pk).sla_mark == "red" and Case.objects.get(pk=yellow.pk).sla_mark == "yellow"
    with django_capture_on_commit_callbacks(execute=True):
        assert supervision_sweep() == {"red": 0, "yellow": 0, "notified": 0}  # nobody is told twice
    Post.objects.filter(org_node__code="430302001").update(a_absent=True)
    _overdue_case()
    with django_capture_on_commit_callbacks(execute=True):
        supervision_sweep()
    assert Notification.objects.filter(user__username="clerk_s01b", kind="supervision.red").exists()


@pytest.mark.django_db
def test_supervision_page_counts_by_level_and_lists_the_cases_behind():
    case = _overdue_case()
    client = Client()
    client.post("/accounts/login/", {"username": "clerk_s01a", "password": DEMO_PASSWORD})
    body = client.get("/cases/supervision/", {"mark": "red"}).content.decode()
    assert case.number in body and "已超期" in body
    listed = client.get("/cases/", {"mark": "red"}).content.decode()
    assert case.number in listed and 'data-testid="mark-red"' in listed
    case_transition(actor=user("clerk_s01a"), case_id=case.pk, action="request_supplement", note="缺身份证复印件")
    assert case.number not in client.get("/cases/supervision/", {"mark": "red"}).content.decode()  # paused


@pytest.mark.django_db
def test_working_day_calendar_is_cached_between_calls(django_assert_num_queries):
    work_calendar()
    with django_assert_num_queries(0):
        work_calendar()
