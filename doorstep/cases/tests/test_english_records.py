"""The case ledger's workbook and the JSON API in English (issue #11 item 13): the file is written in the language of
whoever asked for it (Chinese by default), while the description kept in the audit log stays Chinese; an API client
gets its error details, and the OpenAPI document, in the language it asks for with Accept-Language (or the site's
language cookie), Chinese otherwise."""

import re
from io import BytesIO

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from doorstep.accounts.services import api_token_create
from doorstep.audit.models import AuditEvent
from doorstep.cases.export import LedgerExport
from doorstep.cases.tests.test_pages import logged_in
from doorstep.conftest import accept, user
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _workbook(content: bytes):
    book = load_workbook(BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _accepted_case():
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    return accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)


def test_ledger_export_in_english_has_english_headers_and_keeps_the_audit_record_chinese():
    case = _accepted_case()
    client = logged_in("clerk_s01a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/cases/export.xlsx", {"state": "accepted", "sort": "due_date"})
    assert response.status_code == 200
    sheets = _workbook(response.content)
    assert list(sheets) == ["Notes", "Case ledger"]
    rows = sheets["Case ledger"]
    assert rows[0] == ("Case number", "Item", "Applicant", "Status", "Now at", "Accepted at", "Promised by",
                       "Supervision", "First contact")
    mine = next(r for r in rows[1:] if r[0] == case.number)
    assert mine[3] == "Accepted"
    about = dict(row[:2] for row in sheets["Notes"])
    assert about["Contents"] == "Case ledger (Status: Accepted; Sort: Promised date, earliest first)"
    assert about["Scope"].startswith("Cases ") and about["Rows"] == len(rows) - 1
    assert not CJK.search(about["Notes"])
    # the audit log keeps its description in Chinese, whoever exported
    event = AuditEvent.objects.filter(action="case.export").latest("id")
    assert event.summary["description"] == "办件台账（状态：已受理；排序：承诺办结日从早到晚）"


def test_ledger_export_is_chinese_by_default():
    _accepted_case()
    sheets = _workbook(logged_in("clerk_s01a").get("/cases/export.xlsx", {"state": "accepted"}).content)
    assert list(sheets) == ["说明", "办件台账"]
    assert sheets["办件台账"][0] == ("办件编号", "事项", "申请人", "状态", "当前层级", "受理时间", "承诺办结", "监察",
                                  "首问责任人")
    assert dict(row[:2] for row in sheets["说明"])["内容"] == "办件台账（状态：已受理）"


def test_ledger_written_by_a_worker_follows_the_language_it_runs_under():
    """A background export runs the exporter under the requester's language (doorstep.exports): the texts are
    resolved when the file is written, not when the module was imported."""
    _accepted_case()
    owner = user("clerk_s01a")
    params = LedgerExport.params_from({"state": "accepted", "q": "谢"})
    with translation.override("en"):
        out = BytesIO()
        written = LedgerExport.write(owner, params, out, total=1)
        assert LedgerExport.describe(params) == "办件台账（状态：已受理；含搜索条件）"  # the record's form
    sheets = _workbook(out.getvalue())
    assert sheets["Case ledger"][0][0] == "Case number" and len(sheets["Case ledger"]) == written + 1
    assert dict(row[:2] for row in sheets["Notes"])["Contents"] == "Case ledger (Status: Accepted; with a search)"


def _api(language: str | None = None, cookie: str | None = None) -> Client:
    token = api_token_create(actor=None, user=user("clerk_c001002"), name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client = Client(**headers)
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    return client


def test_api_error_details_follow_accept_language():
    english = _api("en-GB,en;q=0.9")
    typed = english.post("/api/v1/cases/", {"item": "WJ-C02", "applicant_id": "abc"}, content_type="application/json")
    assert typed.status_code == 422 and typed["Content-Language"] == "en"
    assert typed.json()["detail"] == "The request's parameters are invalid."
    assert typed.json()["errors"][0]["message"] == "Must be a whole number"
    missing = english.get("/api/v1/cases/99999999")
    assert missing.status_code == 404 and missing.json()["detail"] == "The record was not found, or you may not see it."
    assert "Accept-Language" in missing["Vary"]
    unknown = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/cases/", HTTP_AUTHORIZATION="Bearer nonsense")
    assert unknown.status_code == 401 and unknown.json()["detail"].startswith("Not authenticated")
    accepted = english.get("/api/v1/cases/", {"state": "accepted"}).json()["items"]
    assert accepted and {c["state_label"] for c in accepted} == {"Accepted"}


def test_api_details_are_chinese_without_a_choice_and_the_cookie_is_a_choice():
    typed = _api().post("/api/v1/cases/", {"item": "WJ-C02", "applicant_id": "abc"}, content_type="application/json")
    assert typed.json()["detail"] == "请求参数有误。" and typed["Content-Language"] == "zh-hans"
    chosen = _api("en", cookie="zh-hans").get("/api/v1/cases/99999999")
    assert chosen.json()["detail"] == "未找到该记录，或您无权查看。"  # the person's choice on the site wins
    by_cookie = _api(cookie="en").get("/api/v1/cases/99999999")
    assert by_cookie.json()["detail"] == "The record was not found, or you may not see it."


def test_openapi_document_and_docs_in_both_languages():
    chinese = Client().get("/api/v1/openapi.json").json()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/openapi.json").json()
    assert chinese["paths"].keys() == english["paths"].keys()
    assert chinese["paths"]["/api/v1/cases/{case_id}"]["get"]["summary"] == "办件详情"
    assert english["paths"]["/api/v1/cases/{case_id}"]["get"]["summary"] == "Case details"
    assert english["info"]["description"].startswith("Doorstep services API")
    descriptions = [p.get("description", "") for op in english["paths"].values() for o in op.values()
                    for p in o.get("parameters", [])]
    descriptions += [f.get("description", "") for s in english["components"]["schemas"].values()
                     for f in s.get("properties", {}).values()]
    assert descriptions and not [d for d in descriptions if CJK.search(d)]
    assert not [o["summary"] for op in english["paths"].values() for o in op.values() if CJK.search(o["summary"])]
    docs = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/docs")
    assert docs.status_code == 200 and docs["Content-Language"] == "en"


def test_api_answers_outside_ninja_follow_accept_language_too_and_pages_do_not():
    english = _api("en")
    nowhere = english.get("/api/v1/no-such-thing/")
    assert nowhere.status_code == 404 and nowhere["Content-Language"] == "en"
    assert not CJK.search(nowhere.json()["detail"])
    wrong_method = english.delete("/api/v1/cases/")
    assert wrong_method.status_code == 405 and not CJK.search(wrong_method.json()["detail"])
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/services/")  # pages follow only the switch
    assert page["Content-Language"] == "zh-hans"
