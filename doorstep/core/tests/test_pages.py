"""Every role's home page, the org browser and the audit browser render in Chinese for the right people."""

import pytest
from django.test import Client

from doorstep.demo.build import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
ROLES = ["admin", "leader", "dispatcher", "approver", "dept_cg", "clerk_s01a", "clerk_c001001",
         "supervisor_c001001", "gw_001001003", "volunteer1", "13800000001"]


def logged_in(username):
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("username", ROLES)
def test_home_page_per_role(username):
    response = logged_in(username).get("/")
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


def test_org_browser_shows_counts_and_refuses_other_districts(django_assert_max_num_queries):
    client = logged_in("leader")
    with django_assert_max_num_queries(14):  # includes the unread-message count in the menu
        response = client.get("/org/")
    assert response.status_code == 200 and "城正街街道" in response.content.decode()
    assert client.get("/org/430302001/").status_code == 200
    assert client.get("/org/430304/").status_code == 404
    assert logged_in("volunteer1").get("/org/").status_code == 403


def test_audit_browser_for_auditors_only():
    assert logged_in("admin").get("/audit/", {"action": "auth."}).status_code == 200
    assert logged_in("clerk_s01a").get("/audit/").status_code == 403
    assert logged_in("admin").get("/audit/", {"date_from": "yesterday"}).status_code == 400


def test_admin_master_data_for_admins_only():
    assert logged_in("admin").get("/admin/org/servicecenter/").status_code == 200
    assert logged_in("clerk_s01a").get("/admin/org/servicecenter/").status_code == 403  # signed in, not an admin


def test_anonymous_is_sent_to_login():
    response = Client().get("/residents/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_chinese_by_default_english_on_request():
    assert "登录家门口办事" in Client().get("/accounts/login/").content.decode()
    # the browser's own preference does not switch a clerk's pages to English; the language switch does
    assert "登录家门口办事" in Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/").content.decode()
    client = logged_in("admin")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Workspace" in client.get("/").content.decode()
    clerk = logged_in("clerk_s01a")
    clerk.post("/i18n/setlang/", {"language": "en", "next": "/"})
    nav = clerk.get("/").content.decode()
    for english in ("One window", "Cases", "Approval queue", "Supervision", "Complaint follow-ups", "Inbox"):
        assert english in nav, english


def test_the_admin_is_warned_when_the_calendar_lacks_a_year_and_other_staff_get_a_note_by_deadlines():
    from django.conf import settings
    from django.utils import timezone, translation

    from doorstep.calendar.selectors import calendar_note, calendar_warnings

    # the texts as a page without the language cookie shows them (an earlier request may leave `en` active here)
    translation.activate(settings.LANGUAGE_CODE)
    today = timezone.localdate()
    expected = calendar_warnings(today)
    body = logged_in("admin").get("/").content.decode()
    assert body.count('data-testid="calendar-warning"') == len(expected)
    for warning in expected:
        assert warning in body and "/calendar/" in body
    clerk = logged_in("clerk_s01a")
    assert 'data-testid="calendar-warning"' not in clerk.get("/").content.decode()
    assert 'data-testid="calendar-warning"' not in logged_in("13800000001").get("/").content.decode()
    note = calendar_note(today)
    ledger = clerk.get("/cases/").content.decode()
    assert (note in ledger) if note else 'data-testid="calendar-note"' not in ledger
