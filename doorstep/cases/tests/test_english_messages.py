"""The messages a person gets only after a refused or wrong submission are in English when they chose English, and
still in Chinese by default (issue #11 item 13): test_english.py walks pages, which never shows them. Each scenario
goes through the page (the language switch's cookie) and, where there is one, the JSON API, and checks that what
is left of the message in Chinese is data (names, items, materials: test_english's data check).

Also the labels the case workflow shares between a state and an action (不予受理: the case is refused / refuse it):
English tells them apart."""

import html
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from doorstep.accounts.services import api_token_create
from doorstep.cases.models import Case
from doorstep.cases.services import case_apply_online, case_refuse_at_window, case_transition
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, found, user
from doorstep.core.idempotency import FIELD, new_key
from doorstep.core.tests.test_english import Untranslated, data_segments
from doorstep.registry.models import Resident

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _default_language_after():
    """The language middleware leaves the last request's language active in the thread: after an English request,
    later service calls (here and in the tests that follow) would speak English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# ---- how a person reads a message ---------------------------------------------------------------------------------

def page_client(username: str, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user(username))
    if language:  # what the navigation bar's language switch leaves
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def api_client(username: str, language: str | None = None) -> Client:
    token = api_token_create(actor=None, user=user(username), name="test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


class Alerts(HTMLParser):
    """The text of every role="alert" element of a page: the form's error and the messages after a redirect."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += tag != "br"
        elif dict(attrs).get("role") == "alert":
            self._depth = 1
            self.found.append("")

    def handle_endtag(self, tag):
        if self._depth and tag != "br":
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.found[-1] += data


def alerts(response) -> str:
    parser = Alerts()
    parser.feed(response.content.decode())
    return " ".join(" ".join(text.split()) for text in parser.found)


_checker: list[Untranslated] = []


def untranslated(text: str) -> list[str]:
    """The Chinese of `text` that is not data (test_english.Untranslated)."""
    if not _checker:
        _checker.append(Untranslated(data_segments()))
    return _checker[0].in_text(html.unescape(text))


def assert_english(text: str, expected: str) -> None:
    assert expected in text, text
    assert not untranslated(text), (untranslated(text), text)


# ---- the world the scenarios start from ---------------------------------------------------------------------------

def papers(item_code: str) -> list[int]:
    return list(MaterialRequirement.objects.filter(item__code=item_code, shared_data="").values_list("id", flat=True))


def xie() -> Resident:
    return Resident.objects.get(name="谢小波", path__startswith="430302")


def online_case() -> Case:
    """姜建国's online application for 老年人优待证 (MZ-C01), waiting at his station for clerk_c001001."""
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk
    return case_apply_online(idempotency_key=new_key(), actor=user("13800000002"), item_code="MZ-C01", consent=True,
                             files={photo: SimpleUploadedFile("photo.png", PNG, content_type="image/png")})


def refused_case() -> Case:
    jiang = Resident.objects.get(name="姜建国")
    found(user("clerk_c001001"), jiang.pk)
    return case_refuse_at_window(idempotency_key=new_key(), actor=user("clerk_c001001"), item_code="WJ-C04",
                                 applicant_id=jiang.pk, missing_material_ids=papers("WJ-C04"))


def concluded_case() -> Case:
    old = Resident.objects.filter(path__startswith="430302", birth_date__year__lte=1950).order_by("id").first()
    case = accept(actor=user("clerk_s01a"), item_code="MZ-C01", applicant_id=old.pk)
    return case_transition(actor=user("clerk_s01a"), case_id=case.pk, action="conclude")


# ---- the scenarios ------------------------------------------------------------------------------------------------

def test_accepting_with_a_material_missing():
    clerk = user("clerk_c001002")
    found(clerk, xie().pk)
    form = {"resident": xie().pk, "item": "WJ-S01", "decision": "accept", "consent": "1"}
    before = Case.objects.count()
    english = page_client("clerk_c001002", "en").post("/window/accept/", {**form, FIELD: new_key()})
    assert english.status_code == 400
    assert_english(alerts(english), "Missing materials:")
    chinese = page_client("clerk_c001002").post("/window/accept/", {**form, FIELD: new_key()})
    assert chinese.status_code == 400 and "缺少材料：" in alerts(chinese)
    api = api_client("clerk_c001002", "en").post(
        "/api/v1/cases/", {"item": "WJ-S01", "applicant_id": xie().pk, "consent": True},
        content_type="application/json", HTTP_IDEMPOTENCY_KEY=new_key())
    assert api.status_code == 400
    assert_english(api.json()["detail"], "Missing materials:")
    assert Case.objects.count() == before


def test_refusing_without_a_reason():
    jiang = Resident.objects.get(name="姜建国")
    found(user("clerk_c001001"), jiang.pk)
    form = {"resident": jiang.pk, "item": "WJ-C04", "decision": "refuse"}
    english = page_client("clerk_c001001", "en").post("/window/accept/", {**form, FIELD: new_key()})
    assert english.status_code == 400
    assert_english(alerts(english), "Tick the missing materials or give a reason for the refusal.")
    chinese = page_client("clerk_c001001").post("/window/accept/", {**form, FIELD: new_key()})
    assert "请勾选缺少的材料或填写不予受理的理由。" in alerts(chinese)

    case = online_case()  # refusing an online application from its page, and over the API
    english = page_client("clerk_c001001", "en").post(f"/cases/{case.pk}/act/", {"action": "refuse"}, follow=True)
    assert_english(alerts(english), "Please give a reason.")
    chinese = page_client("clerk_c001001").post(f"/cases/{case.pk}/act/", {"action": "refuse"}, follow=True)
    assert "请填写理由。" in alerts(chinese)
    api = api_client("clerk_c001001", "en").post(f"/api/v1/cases/{case.pk}/actions", {"action": "refuse"},
                                                 content_type="application/json")
    assert api.status_code == 400
    assert_english(api.json()["detail"], "Please give a reason.")
    case.refresh_from_db()
    assert case.state == "submitted"


def test_an_instant_item_that_fails_eligibility():
    young = Resident.objects.filter(path__startswith="430302", birth_date__year__gte=2000).order_by("id").first()
    found(user("clerk_s01a"), young.pk)
    form = {"resident": young.pk, "item": "MZ-C01", "decision": "accept", "consent": "1",
            "material": [str(m) for m in papers("MZ-C01")]}
    english = page_client("clerk_s01a", "en").post("/window/accept/", {**form, FIELD: new_key()})
    assert english.status_code == 400
    assert_english(alerts(english), "Not eligible:")
    chinese = page_client("clerk_s01a").post("/window/accept/", {**form, FIELD: new_key()})
    assert "不符合办理条件：" in alerts(chinese) and "结论：不符合" in alerts(chinese)
    api = api_client("clerk_s01a", "en").post(
        "/api/v1/cases/", {"item": "MZ-C01", "applicant_id": young.pk, "consent": True,
                           "materials_present": papers("MZ-C01")},
        content_type="application/json", HTTP_IDEMPOTENCY_KEY=new_key())
    assert api.status_code == 400
    assert_english(api.json()["detail"], "Not eligible:")


def test_delivering_without_proof():
    case = concluded_case()
    form = {"recipient_name": "王五", "relation": "spouse"}  # no photo, no signature
    english = page_client("clerk_s01a", "en").post(f"/cases/{case.pk}/deliver/", form)
    assert english.status_code == 400
    assert_english(alerts(english), "Take a photo of the delivery, or have the recipient sign.")
    chinese = page_client("clerk_s01a").post(f"/cases/{case.pk}/deliver/", {**form, "recipient_name": ""})
    assert "请填写签收人姓名（50字以内）。" in alerts(chinese)
    api = api_client("clerk_s01a", "en").post(f"/api/v1/cases/{case.pk}/actions",
                                              {"action": "deliver", "recipient_name": "王五", "relation": "spouse"},
                                              content_type="application/json")
    assert api.status_code == 400
    assert_english(api.json()["detail"], "Take a photo of the delivery, or have the recipient sign.")
    case.refresh_from_db()
    assert case.state == "concluded"


def test_a_workflow_refusal_names_the_state_and_the_action_apart():
    case = refused_case()
    english = page_client("clerk_c001001", "en").post(f"/cases/{case.pk}/act/", {"action": "refuse", "note": "理由"},
                                                      follow=True)
    assert_english(alerts(english), "The case is “Refused”: “Refuse” is not possible now.")
    chinese = page_client("clerk_c001001").post(f"/cases/{case.pk}/act/", {"action": "accept"}, follow=True)
    assert "办件当前为“不予受理”，不能受理。" in alerts(chinese)
    api = api_client("clerk_c001001", "en").post(f"/api/v1/cases/{case.pk}/actions", {"action": "accept"},
                                                 content_type="application/json")
    assert api.status_code == 409
    assert_english(api.json()["detail"], "The case is “Refused”: “Accept” is not possible now.")


def test_a_refusal_by_role_or_place_is_english():
    case = online_case()
    applicant = page_client("13800000002", "en").post(f"/cases/{case.pk}/act/", {"action": "accept"}, follow=True)
    assert_english(alerts(applicant), "Your role cannot take the action “Accept” on a case.")
    street = page_client("approver_s01", "en").post(f"/cases/{case.pk}/act/", {"action": "approve", "note": "同意"},
                                                    follow=True)
    assert_english(alerts(street), f"The case is now at {case.review_node.name}: only staff there can take the "
                                   "action “Approve”.")
    api = api_client("approver_s01", "en").post(f"/api/v1/cases/{case.pk}/actions", {"action": "accept"},
                                                content_type="application/json")
    assert api.status_code == 403
    assert_english(api.json()["detail"], "“Accept”")
    chinese = api_client("approver_s01").post(f"/api/v1/cases/{case.pk}/actions", {"action": "accept"},
                                              content_type="application/json")
    assert "受理" in chinese.json()["detail"] and "Accept" not in chinese.json()["detail"]


def test_tracking_a_case_with_a_wrong_code():
    case = online_case()
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    wrong = english.post("/t/", {"number": case.number, "secret": "NOPE2"})
    assert wrong.status_code == 404
    assert_english(alerts(wrong), "No case was found: check the case number on the receipt")
    short = english.post("/t/", {"number": "12", "secret": "NOPE2"})
    assert short.status_code == 400
    assert_english(alerts(short), "The case number is the 19-digit number on the receipt")
    chinese = Client().post("/t/", {"number": case.number, "secret": "NOPE2"})
    assert "没有找到这个办件：请核对受理回执上的办件编号" in alerts(chinese)
    unknown = english.get("/t/NOPE-NOPE/")
    assert unknown.status_code == 404
    assert_english(alerts(unknown), "No case was found. Check the QR code or the query code on the receipt.")


def _apply_form(**extra) -> dict:
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk
    return {f"material_{photo}": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
            "delivery": "pickup", FIELD: new_key(), **extra}


def test_an_online_application_without_consent():
    english = page_client("13800000002", "en").post("/cases/apply/MZ-C01/", _apply_form())
    assert english.status_code == 400
    assert_english(alerts(english), "This item is checked against your shared data")
    chinese = page_client("13800000002").post("/cases/apply/MZ-C01/", _apply_form())
    assert "本事项须调取您的共享数据核验" in alerts(chinese)
    assert not Case.objects.filter(applicant__name="姜建国", item__code="MZ-C01", channel="online").exists()


def test_a_duplicate_online_application():
    first = online_case()
    english = page_client("13800000002", "en").post("/cases/apply/MZ-C01/", _apply_form(consent="1"))
    assert english.status_code == 409
    assert_english(alerts(english), f"You already have an application for “{first.item.name}” in progress "
                                    f"(case {first.number})")
    chinese = page_client("13800000002").post("/cases/apply/MZ-C01/", _apply_form(consent="1"))
    assert f"您已有一件“{first.item.name}”的申请正在办理" in alerts(chinese)
    assert Case.objects.filter(applicant_id=first.applicant_id, item__code="MZ-C01", channel="online").count() == 1


# ---- one word, a state and an action ------------------------------------------------------------------------------

def case_state(response) -> str:
    page = response.content.decode()
    start = page.index('data-testid="case-state">') + len('data-testid="case-state">')
    return page[start:page.index("<", start)]


def test_a_refused_case_reads_refused_and_its_button_reads_refuse():
    case = online_case()
    clerk_en, clerk_zh = page_client("clerk_c001001", "en"), page_client("clerk_c001001")
    page = clerk_en.get(f"/cases/{case.pk}/")
    assert case_state(page) == "Submitted"
    assert '<button class="btn btn-sm btn-outline-danger" data-testid="act-refuse">Refuse</button>' in (
        page.content.decode())
    assert 'data-testid="act-refuse">不予受理</button>' in clerk_zh.get(f"/cases/{case.pk}/").content.decode()
    done = clerk_en.post(f"/cases/{case.pk}/act/", {"action": "refuse", "note": "材料不清楚"}, follow=True)
    assert case_state(done) == "Refused" and 'data-testid="act-refuse"' not in done.content.decode()
    timeline = done.content.decode().split('data-testid="timeline"', 1)[1]
    assert "· Refused" in timeline and "· Submitted" in timeline
    assert case_state(clerk_zh.get(f"/cases/{case.pk}/")) == "不予受理"
    public = Client()
    public.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    track = public.get(f"/t/{case.public_code}/").content.decode()
    assert "Refused" in track and "Refuse<" not in track


def test_an_action_done_on_the_case_page_says_so():
    case = online_case()
    english = page_client("clerk_c001001", "en").post(f"/cases/{case.pk}/act/",
                                                       {"action": "refuse", "note": "材料不全"}, follow=True)
    assert_english(alerts(english), f"Done: “Refuse” on case {case.number}, now “Refused”.")
    second = online_case()
    chinese = page_client("clerk_c001001").post(f"/cases/{second.pk}/act/", {"action": "refuse", "note": "材料不全"},
                                                follow=True)
    assert f"已办理“不予受理”：办件编号 {second.number}，当前状态“不予受理”。" in alerts(chinese)
