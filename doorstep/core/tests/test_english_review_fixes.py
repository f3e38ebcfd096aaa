"""What the fresh-eyes review of the English mode found (issue #11 item 13), each kept as a test: visitors who are
not signed in can choose English; the edge's refusal of bad bytes under /api/ follows Accept-Language like the rest
of the API; a list of methods in English uses commas; one imported day is "1 day"; a material with no stated form
prints no empty brackets on the refusal notice."""

import pytest
from django.conf import settings
from django.test import Client

from doorstep.cases.models import Case
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import user
from doorstep.core.idempotency import new_key
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/t/", "/services/", "/accounts/login/"])
def test_a_visitor_not_signed_in_can_switch_to_english(path):
    client = Client()
    page = client.get(path).content.decode()
    assert 'data-testid="language-switch"' in page and ">English</button>" in page
    switched = client.post("/i18n/setlang/", {"language": "en", "next": path}, follow=True)
    assert switched.status_code == 200 and switched["Content-Language"] == "en"
    assert '<span lang="zh-CN">中文</span>' in switched.content.decode()


def test_bad_bytes_under_the_api_are_refused_in_the_language_asked_for():
    body = '{"item": "WJ-C02", "applicant_id": 1, "note": "a\\u0001"}'.replace("\\u0001", "\x01")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").post("/api/v1/cases/", body, content_type="application/json")
    assert english.status_code == 400 and english.json()["detail"].startswith("The request contains")
    chinese = Client().post("/api/v1/cases/", body, content_type="application/json")
    assert chinese.status_code == 400 and chinese.json()["detail"].startswith("请求中含有不允许的字符")


def test_the_methods_an_api_address_takes_are_listed_with_commas_in_english():
    detail = Client(HTTP_ACCEPT_LANGUAGE="en").delete("/api/v1/cases/").json()["detail"]
    assert "GET, POST" in detail and "、" not in detail
    assert "GET、POST" in Client().delete("/api/v1/cases/").json()["detail"]


def test_importing_one_day_says_one_day_in_english():
    client = Client()
    client.force_login(user("admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    done = client.post("/calendar/", {"text": "year: 2031\nholidays:\n  元旦: [2031-01-01, 2031-01-01]\n"}, follow=True)
    assert "Imported the holidays of 2031: 1 day (" in done.content.decode()


def test_a_material_without_a_stated_form_prints_no_empty_brackets():
    jiang = Resident.objects.get(name="姜建国")
    paper = MaterialRequirement.objects.filter(item__code="WJ-C04", shared_data="").first()
    paper.form = ""
    paper.save(update_fields=["form"])
    client = Client()
    client.force_login(user("clerk_c001001"))
    client.get("/window/", {"q": "姜建国"})
    client.post("/window/accept/", {"resident": jiang.pk, "item": "WJ-C04", "decision": "refuse",
                                    "missing": [paper.pk], "idempotency_key": new_key()})
    case = Case.objects.filter(applicant=jiang, state="refused").latest("id")
    body = client.get(f"/cases/{case.pk}/notice/").content.decode()
    assert paper.name in body and "（）" not in body


def test_the_calendar_names_its_days_in_english():
    client = Client()
    client.force_login(user("admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    notice = "year: 2027\nholidays:\n  元旦: [2027-01-01, 2027-01-03]\nworkdays: [2027-01-04]\n"
    client.post("/calendar/", {"text": notice})
    page = client.get("/calendar/").content.decode()
    assert "New Year&#x27;s Day" in page or "New Year's Day" in page
    assert "Adjusted working day" in page and "调休上班" not in page


def test_the_audit_log_names_roles_not_codes():
    client = Client()
    assert client.post("/accounts/login/", {"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    chinese = client.get("/audit/").content.decode()
    assert "<td>管理员</td>" in chinese and "<td>admin</td>" not in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/audit/").content.decode()
    assert "<td>admin</td>" not in english


def test_an_error_page_offers_a_visitor_the_service_guide_not_a_workspace():
    visitor = Client().get("/t/0000/nothing/").content.decode()
    assert "返回工作台" not in visitor and 'href="/services/"' in visitor
    staff = Client()
    staff.force_login(user("clerk_c001001"))
    assert "返回工作台" in staff.get("/cases/999999999/").content.decode()
