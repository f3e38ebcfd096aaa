"""Submitting twice makes one thing (issue #10, item 6): window acceptances, refusal notices, bundles and online
applications carry a submission key; twenty concurrent replays make one row, a second POST of the same form shows
the first result, the API replays the first case, a changed submission under a used key is refused, and a refused
attempt leaves its key free."""

import hashlib
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Bundle, Case, CaseUpload
from doorstep.cases.services import (
    bundle_accept_at_window,
    case_accept_at_window,
    case_apply_online,
    case_refuse_at_window,
)
from doorstep.cases.tests.test_api import client_for
from doorstep.cases.tests.test_pages import logged_in
from doorstep.catalog.models import MaterialRequirement
from doorstep.catalog.selectors import bundle_get
from doorstep.conftest import found, user
from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.core.idempotency import new_key, was_replayed
from doorstep.core.models import IdempotencyKey
from doorstep.core.tests.races import run_concurrently
from doorstep.registry.models import Resident

TWENTY = 20
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300


def xie() -> Resident:
    return Resident.objects.get(name="谢小波", path__startswith="430302")


def jiang() -> Resident:
    return Resident.objects.get(name="姜建国")


def papers(code: str) -> list[int]:
    return list(MaterialRequirement.objects.filter(item__code=code).values_list("id", flat=True))


def bundle_names(code: str) -> list[str]:
    return [m["name"] for m in bundle_get(code).merged_materials]


def key_bytes() -> bytes:
    return uuid.uuid4().bytes


def photo_id() -> int:
    return MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk


def one_of_twenty(results, errors) -> object:
    """All twenty answered, without error, with the same object: one made it, nineteen were replays."""
    assert errors == [] and len(results) == TWENTY
    assert len({r.pk for r in results}) == 1
    assert sum(was_replayed(r) for r in results) == TWENTY - 1
    return results[0]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_replays_at_the_window_make_one_case_one_refusal_and_one_bundle(world):
    clerk = user("clerk_c001001")
    found(clerk, xie().pk, jiang().pk)
    cases_before = Case.objects.count()
    accepted_before = Case.objects.filter(applicant=xie(), item__code="WJ-C02").count()
    refused_before = Case.objects.filter(applicant=jiang(), state="refused").count()

    key = new_key()
    case = one_of_twenty(*run_concurrently(TWENTY, lambda i: case_accept_at_window(
        actor=user("clerk_c001001"), item_code="WJ-C02", applicant_id=xie().pk, materials_present=papers("WJ-C02"),
        consent=True, idempotency_key=key)))
    assert Case.objects.filter(applicant=xie(), item__code="WJ-C02").count() == accepted_before + 1
    assert AuditEvent.objects.filter(action="case.accept", target_id=str(case.pk)).count() == 1
    assert IdempotencyKey.objects.get(key=key).target_id == str(case.pk)

    key = new_key()
    paper = MaterialRequirement.objects.get(item__code="WJ-C04", shared_data="").pk
    refused = one_of_twenty(*run_concurrently(TWENTY, lambda i: case_refuse_at_window(
        actor=user("clerk_c001001"), item_code="WJ-C04", applicant_id=jiang().pk, missing_material_ids=[paper],
        idempotency_key=key)))
    assert Case.objects.filter(applicant=jiang(), state="refused").count() == refused_before + 1
    assert refused.state == "refused"

    key = new_key()
    bundle = one_of_twenty(*run_concurrently(TWENTY, lambda i: bundle_accept_at_window(
        actor=user("clerk_c001001"), bundle_code="YJS-01", applicant_id=jiang().pk,
        materials_present_names=bundle_names("YJS-01"), consent=True, idempotency_key=key)))
    assert Bundle.objects.filter(applicant=jiang()).count() == 1
    assert Case.objects.filter(bundle=bundle).count() == bundle.definition.items.count() == 3
    assert Case.objects.count() == cases_before + 1 + 1 + 3


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_replays_of_an_online_application_make_one_case_and_store_its_file_once(world):
    key, content = new_key(), PNG + key_bytes()  # content of its own: files of earlier tests may share the folder
    before = Case.objects.filter(channel="online").count()

    def apply(i):
        photo = SimpleUploadedFile("photo.png", content, content_type="image/png")  # each request brings its copy
        return case_apply_online(actor=user("13800000002"), item_code="MZ-C01", consent=True,
                                 files={photo_id(): photo}, idempotency_key=key)

    case = one_of_twenty(*run_concurrently(TWENTY, apply))
    assert Case.objects.filter(channel="online").count() == before + 1
    assert CaseUpload.objects.filter(case=case).count() == 1
    digest = hashlib.sha256(content).hexdigest()
    _, stored = default_storage.listdir(f"uploads/{case.pk}")
    assert len([name for name in stored if name.startswith(digest)]) == 1
    assert AuditEvent.objects.filter(action="case.submit", target_id=str(case.pk)).count() == 1


@pytest.mark.django_db
def test_two_posts_of_the_window_form_with_one_key_make_one_case_and_the_second_shows_the_first():
    client, key = logged_in("clerk_c001001"), new_key()
    found(user("clerk_c001001"), xie().pk)
    form = {"resident": xie().pk, "item": "WJ-C02", "material": papers("WJ-C02"), "consent": "1",
            "decision": "accept", "idempotency_key": key}
    before = Case.objects.filter(applicant=xie(), item__code="WJ-C02").count()
    first = client.post("/window/accept/", form)
    second = client.post("/window/accept/", form, follow=True)
    case = Case.objects.filter(applicant=xie(), item__code="WJ-C02").latest("id")
    assert Case.objects.filter(applicant=xie(), item__code="WJ-C02").count() == before + 1
    assert first.status_code == 302 and first["Location"] == f"/cases/{case.pk}/"
    assert second.redirect_chain[-1][0] == f"/cases/{case.pk}/"
    text = second.content.decode()
    assert "已经提交过" in text and case.number in text


@pytest.mark.django_db
def test_two_posts_of_the_refusal_and_the_bundle_forms_make_one_of_each():
    client = logged_in("clerk_c001001")
    found(user("clerk_c001001"), jiang().pk)
    refused_before = Case.objects.filter(applicant=jiang(), state="refused").count()
    paper = MaterialRequirement.objects.get(item__code="WJ-C04", shared_data="").pk
    refusal = {"resident": jiang().pk, "item": "WJ-C04", "decision": "refuse", "missing": [paper],
               "idempotency_key": new_key()}
    first, second = client.post("/window/accept/", refusal), client.post("/window/accept/", refusal)
    assert first["Location"] == second["Location"]
    assert Case.objects.filter(applicant=jiang(), state="refused").count() == refused_before + 1
    bundle = {"resident": jiang().pk, "bundle": "YJS-01", "material": bundle_names("YJS-01"), "consent": "1",
              "idempotency_key": new_key()}
    first, second = client.post("/window/accept-bundle/", bundle), client.post("/window/accept-bundle/", bundle)
    assert first["Location"] == second["Location"] and Bundle.objects.filter(applicant=jiang()).count() == 1


@pytest.mark.django_db
def test_a_form_without_a_key_or_reused_for_other_content_creates_nothing_and_says_why():
    client, key = logged_in("clerk_c001001"), new_key()
    found(user("clerk_c001001"), xie().pk, jiang().pk)
    before = Case.objects.count()
    form = {"resident": xie().pk, "item": "WJ-C02", "material": papers("WJ-C02"), "consent": "1"}
    text = client.post("/window/accept/", form, follow=True).content.decode()
    assert "缺少提交编号" in text and Case.objects.count() == before
    client.post("/window/accept/", {**form, "idempotency_key": key})
    assert Case.objects.count() == before + 1
    # the page kept from the first submission (browser back) sent again for another applicant
    text = client.post("/window/accept/", {**form, "resident": jiang().pk, "idempotency_key": key},
                       follow=True).content.decode()
    assert "同一提交编号对应了不同的内容" in text and Case.objects.count() == before + 1
    with pytest.raises(ValidationFailed, match="提交编号"):
        case_accept_at_window(actor=user("clerk_c001001"), item_code="WJ-C02", applicant_id=xie().pk,
                              materials_present=papers("WJ-C02"), consent=True, idempotency_key=None)
    with pytest.raises(Conflict):
        case_refuse_at_window(actor=user("clerk_c001001"), item_code="WJ-C02", applicant_id=xie().pk,
                              missing_material_ids=papers("WJ-C02"), idempotency_key=key)  # a key of an acceptance


@pytest.mark.django_db
def test_a_refused_attempt_leaves_its_key_free_for_the_corrected_submission():
    clerk, key = user("clerk_c001001"), new_key()
    found(clerk, jiang().pk)
    names = [n for n in bundle_names("YJS-01") if n != "近期一寸免冠照片"]
    with pytest.raises(ValidationFailed, match="免冠照片"):  # refused inside the transaction, after the claim
        bundle_accept_at_window(actor=clerk, bundle_code="YJS-01", applicant_id=jiang().pk,
                                materials_present_names=names, consent=True, idempotency_key=key)
    assert not IdempotencyKey.objects.filter(actor_id=clerk.pk).filter(key=key).exists()
    bundle = bundle_accept_at_window(actor=clerk, bundle_code="YJS-01", applicant_id=jiang().pk,
                                     materials_present_names=bundle_names("YJS-01"), consent=True,
                                     idempotency_key=key)
    assert not was_replayed(bundle) and Case.objects.filter(bundle=bundle).count() == 3
    # refused before the claim (a material missing at a single acceptance): the same key goes through once fixed
    key = new_key()
    with pytest.raises(ValidationFailed, match="缺少材料"):
        case_accept_at_window(actor=clerk, item_code="WJ-C04", applicant_id=jiang().pk, consent=True,
                              idempotency_key=key)
    case = case_accept_at_window(actor=clerk, item_code="WJ-C04", applicant_id=jiang().pk, consent=True,
                                 materials_present=papers("WJ-C04"), idempotency_key=key)
    assert not was_replayed(case) and case.state == "accepted"


@pytest.mark.django_db
def test_the_api_replays_the_first_case_and_refuses_a_missing_key_or_changed_payload():
    api, key = client_for("clerk_c001002"), new_key()
    found(user("clerk_c001002"), xie().pk, jiang().pk)
    body = {"item": "WJ-C02", "applicant_id": xie().pk, "materials_present": papers("WJ-C02"), "consent": True}
    before = Case.objects.count()
    first = api.post("/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post("/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first and Case.objects.count() == before + 1
    missing = api.post("/api/v1/cases/", body, content_type="application/json")
    assert missing.status_code == 400 and "缺少提交编号" in missing.json()["detail"]
    assert missing.json()["field"] == "idempotency_key"
    malformed = api.post("/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="1")
    assert malformed.status_code == 400 and "提交编号无效" in malformed.json()["detail"]
    changed = api.post("/api/v1/cases/", {**body, "applicant_id": jiang().pk}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key)
    assert changed.status_code == 409 and "同一提交编号对应了不同的内容" in changed.json()["detail"]
    assert Case.objects.count() == before + 1
    other = client_for("clerk_c001001")  # keys are per account: another clerk's same key is their own
    found(user("clerk_c001001"), xie().pk)
    assert other.post("/api/v1/cases/", body, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY=key).json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_the_online_application_form_sent_twice_makes_one_case_with_one_upload(settings, tmp_path):
    client, key = Client(), new_key()
    from doorstep.demo.build import DEMO_PASSWORD

    client.post("/accounts/login/", {"username": "13800000002", "password": DEMO_PASSWORD})
    before = Case.objects.filter(channel="online").count()
    responses = [client.post("/cases/apply/MZ-C01/", {
        "consent": "1", f"material_{photo_id()}": SimpleUploadedFile("p.png", PNG, content_type="image/png"),
        "idempotency_key": key}) for _ in range(2)]
    case = Case.objects.filter(channel="online").latest("id")
    assert [r["Location"] for r in responses] == [f"/cases/{case.pk}/"] * 2
    assert Case.objects.filter(channel="online").count() == before + 1
    assert CaseUpload.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_every_create_form_carries_a_fresh_key():
    clerk = logged_in("clerk_c001001")
    found(user("clerk_c001001"), jiang().pk)
    pages = [clerk.get("/window/", {"resident": jiang().pk, "item": "WJ-C04"}),
             clerk.get("/window/", {"resident": jiang().pk, "bundle": "YJS-01"})]
    resident = Client()
    from doorstep.demo.build import DEMO_PASSWORD

    resident.post("/accounts/login/", {"username": "13800000002", "password": DEMO_PASSWORD})
    pages.append(resident.get("/cases/apply/MZ-C01/"))
    keys = []
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200 and text.count('name="idempotency_key"') == 1
        keys.append(text.split('name="idempotency_key" value="')[1][:36])
    assert len(set(keys)) == len(keys)
