"""The edge refuses control characters, bad UTF-8 and over-deep JSON with a Chinese 400 before anything touches the
database (issue #10, item 7: a NUL in the login name, /services/?q=, /t/…, /verify/… and 19 other places gave 500 on
PostgreSQL). Every URL pattern of the project is walked, so a page added later is covered without a new test."""

import json
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import RegexPattern, URLResolver

from doorstep.accounts.services import api_token_create
from doorstep.conftest import user

pytestmark = pytest.mark.django_db

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")


def _sample(route: str) -> str:
    route = _CONVERTER.sub(lambda m: "1" if m.group(1) in ("int", "path") or m.group(2).endswith("id") else "x",
                           route)
    return _GROUP.sub("1", route).replace("^", "").replace("$", "")


def every_url() -> list[str]:
    """One concrete path per URL pattern of the project, parameters filled with plausible values."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            piece = str(p.pattern)
            if isinstance(p.pattern, RegexPattern):
                piece = piece.lstrip("^")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + piece)
            else:
                found.append("/" + _sample(prefix + piece))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


URLS = every_url()


def _with_nul_in_path(url: str) -> str:
    if url.endswith("/"):
        return url[:-1] + "%00/"
    return url + "%00"


def _logged_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def test_every_url_pattern_is_walked():
    assert len(URLS) > 60
    assert "/t/x/" in URLS and "/verify/x/" in URLS and "/services/" in URLS and "/api/v1/cases/" in URLS


@pytest.mark.parametrize("username", ["clerk_c001001", None])
def test_nul_in_path_query_or_form_is_a_chinese_400_on_every_url(username):
    client = _logged_in(username) if username else Client()
    failures = []
    for url in URLS:
        api = url.startswith("/api/")
        headers = {"HTTP_AUTHORIZATION": "Bearer x"} if api else {}
        attempts = [
            ("path", client.get(_with_nul_in_path(url), **headers)),
            ("query", client.get(url + "?q=%00&page=1%00&code=a%00", **headers)),
            ("bad utf-8 query", client.get(url + "?q=%ff%fe", **headers)),
            ("surrogate query", client.get(url + "?q=%ed%a0%80", **headers)),
            ("multipart form", client.post(url, {"q": "a\x00b", "username": "x\x00", "reason": "\x07"}, **headers)),
            ("urlencoded form", client.post(url, urlencode({"q": "a\x00b", "code": "x"}),
                                            content_type="application/x-www-form-urlencoded", **headers)),
            ("json", client.post(url, json.dumps({"item": "a\x00", "reason": "x"}),
                                 content_type="application/json", **headers)),
        ]
        for what, response in attempts:
            if response.status_code != 400:
                failures.append((url, what, response.status_code))
            elif api:
                assert response.json()["detail"].startswith("请求中含有不允许的字符")
            else:
                assert "请求中含有不允许的字符" in response.content.decode()
    assert not failures, failures


def test_the_places_found_by_the_attack_answer_400():
    anonymous = Client()
    login = anonymous.post("/accounts/login/", {"username": "admin\x00", "password": "x"})
    assert login.status_code == 400 and "不允许的字符" in login.content.decode()
    for url in ("/services/?q=%00", "/t/%00abc/", "/verify/abc%00/", "/services/%00/", "/residents/?q=%00"):
        assert anonymous.get(url).status_code == 400, url


def test_ordinary_text_emoji_tabs_and_newlines_pass_the_edge():
    client = Client()
    assert client.get("/services/", {"q": "低保 😀 ehsy"}).status_code == 200
    clerk = _logged_in("clerk_c001001")
    # a textarea's tab, CR and LF are ordinary text: the view answers (not the edge)
    response = clerk.post("/accounts/login/", {"username": "第一行\r\n\t第二行", "password": "x"})
    assert response.status_code != 400 or "不允许的字符" not in response.content.decode()


def test_a_file_upload_with_nul_bytes_in_its_content_is_not_refused_by_the_edge():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory

    from doorstep.core.edge import Refused, check_request

    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\x00\x01\x02binary\x00", content_type="application/pdf")
    request = RequestFactory().post("/cases/apply/MZ-C01/", {"note": "ok", "file": pdf})
    check_request(request)  # does not raise
    with pytest.raises(Refused):
        check_request(RequestFactory().post("/cases/apply/MZ-C01/", {"note": "a\x00", "file": pdf}))


def test_deep_json_is_a_400_not_a_recursion_error():
    token = api_token_create(actor=None, user=user("clerk_c001001"), name="测试")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    deep = "[" * 100_000 + "]" * 100_000
    response = api.post("/api/v1/cases/", deep, content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"] == "请求的 JSON 嵌套层数过多。"
    nested = json.dumps({"item": "x", "extra": json.loads("[" * 40 + "1" + "]" * 40)})
    assert api.post("/api/v1/cases/", nested, content_type="application/json").status_code == 400
    # an escaped lone surrogate or NUL is refused; a properly escaped emoji is not
    assert api.post("/api/v1/cases/", '{"item": "\\ud800"}', content_type="application/json").status_code == 400
    assert api.post("/api/v1/cases/", '{"item": "\\u0000"}', content_type="application/json").status_code == 400
    emoji = api.post("/api/v1/cases/", '{"item": "\\ud83d\\ude00", "applicant_id": 1}',
                     content_type="application/json")
    assert emoji.status_code in (404, 422)


def test_nul_in_a_cookie_or_header_is_refused_before_the_session_store():
    client = Client()
    client.cookies["sessionid"] = "\x00abcdefghijkl"
    assert client.get("/services/").status_code == 400
    assert Client().get("/services/", HTTP_X_FORWARDED_FOR="1.2.3.4\x00").status_code == 400
