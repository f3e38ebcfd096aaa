"""Every error a person or an API client can cause answers in Chinese: the site's error page for pages, a JSON
`detail` under /api/ (the security review's list: ninja's English "Cannot parse request body" and "Method not
allowed", the HTML 404 for an unknown API address, Django's CSRF page, blank 405 pages, HEAD refused, TRACE served,
no favicon, English labels in the admin, the API's cursor wording on a page)."""

import json

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.http import Http404
from django.test import Client, RequestFactory
from django.utils.text import capfirst

from doorstep.accounts.services import api_token_create
from doorstep.api import api as ninja_api
from doorstep.conftest import user
from doorstep.core.tests.test_edge import URLS

pytestmark = pytest.mark.django_db

CHINESE = "页面已过期或来源无法验证"


def staff(username: str = "clerk_c001001", **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user(username))
    return client


def api(username: str = "clerk_c001001") -> Client:
    token = api_token_create(actor=None, user=user(username), name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _detail(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body
    return body["detail"]


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ---- the API ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, content_type", [
    ('{"action": "conclude", ', "application/json"),  # malformed
    ('{"action": ' + "9" * 5000 + "}", "application/json"),  # past Python's 4,300-digit limit for int()
    ("action=conclude&note=x", "application/x-www-form-urlencoded"),
])
def test_an_api_body_that_cannot_be_parsed_is_a_chinese_400(body, content_type):
    response = api().post("/api/v1/cases/1/actions", body, content_type=content_type)
    assert response.status_code == 400
    detail = _detail(response)
    assert "JSON" in detail and _has_chinese(detail) and "Cannot parse" not in detail


def test_a_method_an_api_address_does_not_take_is_a_chinese_405_with_allow():
    response = api().delete("/api/v1/cases/1")
    assert response.status_code == 405 and response["Allow"] == "GET"
    detail = _detail(response)
    assert "DELETE" in detail and "GET" in detail and _has_chinese(detail)
    response = api().put("/api/v1/residents/", "{}", content_type="application/json")
    assert response.status_code == 405 and "GET" in response["Allow"] and _has_chinese(_detail(response))


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/cases/1/nope", "/api/v2/cases/", "/api/"])
def test_an_unknown_api_address_is_a_chinese_json_404(path):
    for client in (api(), Client()):
        response = client.get(path)
        assert response.status_code == 404
        assert "接口" in _detail(response)


def test_http404_raised_under_the_api_is_chinese_json():
    response = ninja_api.on_exception(RequestFactory().get("/api/v1/cases/1"), Http404("No Case matches"))
    assert response.status_code == 404 and _has_chinese(_detail(response))


def test_head_is_answered_wherever_get_is_on_the_api():
    client = api()
    assert client.get("/api/v1/cases/").status_code == 200
    response = client.head("/api/v1/cases/")
    assert response.status_code == 200 and response.content == b""


# ---- CSRF ---------------------------------------------------------------------------------------------------------

def test_a_form_without_its_csrf_token_gets_the_chinese_error_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    text = response.content.decode()
    assert CHINESE in text and 'data-testid="error"' in text and "页面已过期" in text
    assert "CSRF verification" not in text and "Forbidden" not in text


def test_a_bad_csrf_token_and_a_put_get_the_chinese_error_page():
    client = staff(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    response = client.post("/cases/1/act/", {"action": "conclude", "csrfmiddlewaretoken": "b" * 32})
    assert response.status_code == 403 and CHINESE in response.content.decode()
    response = Client(enforce_csrf_checks=True).put("/services/")
    assert response.status_code == 403 and CHINESE in response.content.decode()


# ---- methods on pages ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/accounts/logout/", "/window/accept/", "/cases/1/act/", "/inbox/1/open/",
                                 "/residents/1/reveal/"])
def test_opening_a_form_only_address_is_a_chinese_405_page_with_allow(url):
    response = staff().get(url)
    assert response.status_code == 405 and response["Allow"] == "POST"
    text = response.content.decode()
    assert 'data-testid="error"' in text and "不能直接打开" in text


def test_every_405_on_every_address_is_a_chinese_answer_and_head_answers_as_get():
    client = staff()
    for url in URLS:
        got = client.get(url)
        if got.status_code == 405:
            assert got["Allow"], url
            text = got.content.decode()
            assert _has_chinese(text) and (url.startswith("/api/") or 'data-testid="error"' in text), url
        if got.status_code == 200 and not url.startswith("/api/"):
            assert client.head(url).status_code == 200, url


def test_head_on_the_login_page_is_200_without_a_body():
    response = Client().head("/accounts/login/")
    assert response.status_code == 200 and response.content == b""
    assert Client().head("/services/").status_code == 200


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT"])
def test_trace_track_and_connect_are_refused_everywhere(method):
    for url, client in [("/services/", Client()), ("/cases/", staff()), ("/accounts/login/", Client())]:
        response = client.generic(method, url)
        assert response.status_code == 405 and "GET" in response["Allow"] and method not in response["Allow"]
        text = response.content.decode()
        assert 'data-testid="error"' in text and "不支持这种请求方式" in text
    response = api().generic(method, "/api/v1/cases/")
    assert response.status_code == 405 and method in _detail(response)


# ---- the favicon --------------------------------------------------------------------------------------------------

def test_the_favicon_is_served_and_linked_from_every_page():
    response = Client().get("/favicon.ico")
    assert response.status_code in (301, 302) and response["Location"] == "/static/favicon.ico"
    icon = Client().get(response["Location"])
    assert icon.status_code == 200 and b"".join(icon.streaming_content).startswith(b"\x00\x00\x01\x00")
    assert finders.find("favicon.svg") and finders.find("favicon.ico")
    page = Client().get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.ico"' in page and 'href="/static/favicon.svg"' in page


# ---- the admin's labels -------------------------------------------------------------------------------------------

def test_every_field_the_admin_shows_has_a_chinese_label():
    english = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("doorstep."):
            continue
        shown = {model: [n for n in (*model_admin.list_display, *(model_admin.fields or ())) if isinstance(n, str)]
                 or [f.name for f in model._meta.get_fields() if f.concrete and not f.auto_created]}
        for inline in model_admin.inlines:
            shown[inline.model] = list(inline.fields or [f.name for f in inline.model._meta.get_fields()
                                                         if f.concrete and not f.auto_created])
        for shown_model, names in shown.items():
            for name in names:
                try:
                    field = shown_model._meta.get_field(name)
                except Exception:  # an admin method or property: labelled by the admin itself
                    continue
                if not _has_chinese(str(field.verbose_name)):
                    english.append(f"{shown_model._meta.label}.{name}")
    assert not english


def test_the_admin_pages_carry_no_english_field_labels():
    client = staff("admin")
    labels = ["Category", "Life events", "Parent", "Org node", "Center", "Holder a", "Holder b", "Grid", "User"]
    for url in ["/admin/org/post/", "/admin/org/orgnode/", "/admin/org/gridteammember/", "/admin/catalog/serviceitem/",
                "/admin/org/servicecenter/", "/admin/org/department/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert not [label for label in labels if f">{label}<" in text or f">{capfirst(label)}:<" in text], url


# ---- paging -------------------------------------------------------------------------------------------------------

def test_a_page_number_past_the_cap_speaks_of_pages_to_people_and_of_cursors_to_the_api():
    page = staff("leader").get("/cases/", {"page": 51})
    assert page.status_code == 400
    text = page.content.decode()
    assert "页码过大" in text and "最后一个页码页点“下一页”" in text
    assert "cursor" not in text and "next_cursor" not in text
    response = api("leader").get("/api/v1/cases/", {"page": 51})
    assert response.status_code == 400 and "cursor" in response.json()["detail"]
