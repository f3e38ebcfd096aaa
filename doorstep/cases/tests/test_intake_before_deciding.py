"""Issue #11 item 2: the eligibility rules, figures and outcome are shown at the material check, before the clerk
decides; a promised item that fails them is taken in only on the clerk's acknowledgement; and a form sent back by
any validation error keeps every tick, field and upload the person entered."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.cases.models import Case, CaseUpload
from doorstep.cases.staging import sweep_staged_uploads
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, found, user
from doorstep.core.errors import ValidationFailed
from doorstep.core.idempotency import FIELD, new_key
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import IncomeRecord, Resident

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def rich_applicant() -> Resident:
    """A household head at 城正街 whose household earned 80,000 元 a head last year: 低保 (MZ-D01) says 不符合."""
    applicant = Resident.objects.filter(path__startswith="430302001", relation="head").order_by("id").first()
    IncomeRecord.objects.filter(household_id=applicant.household_id).delete()
    members = Resident.objects.filter(household_id=applicant.household_id).count()
    IncomeRecord.objects.create(household_id=applicant.household_id, year=timezone.localdate().year - 1,
                                kind="wage", amount=80_000 * members)
    return applicant


def logged_in(username: str) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return client


def test_promised_item_failing_its_rules_needs_the_clerks_acknowledgement():
    clerk, applicant = user("clerk_s01a"), rich_applicant()
    found(clerk, applicant.pk)
    before = Case.objects.count()
    with pytest.raises(ValidationFailed) as err:
        accept(actor=clerk, item_code="MZ-D01", applicant_id=applicant.pk)
    assert err.value.field == "eligibility" and "结论：不符合" in err.value.message and "80,000" in err.value.message
    assert Case.objects.count() == before
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=applicant.pk, ineligible_acknowledged=True)
    assert case.state == "accepted" and case.eligibility["eligible"] is False
    event = AuditEvent.objects.filter(action="case.accept", target_id=str(case.pk)).latest("id")
    assert event.summary.get("ineligible_acknowledged") is True


def test_window_shows_rules_figures_and_outcome_before_acceptance_and_audits_the_look():
    clerk, applicant = user("clerk_s01a"), rich_applicant()
    found(clerk, applicant.pk)
    client = logged_in("clerk_s01a")
    looks = AuditEvent.objects.filter(action="resident.eligibility_check").count()
    page = client.get(f"/window/?resident={applicant.pk}&item=MZ-D01").content.decode()
    # before the applicant agrees to the shared-data checks: the rules alone, no figures, nothing read
    assert 'data-testid="eligibility-rules"' in page and "80,000" not in page and "家庭年人均收入低于" in page
    assert AuditEvent.objects.filter(action="resident.eligibility_check").count() == looks
    page = client.get(f"/window/?resident={applicant.pk}&item=MZ-D01&consent=1").content.decode()
    assert 'data-testid="consent" checked' in page
    assert 'data-testid="eligibility"' in page and "资格核查（可向申请人宣读）：不符合" in page
    assert "家庭年人均收入80,000元" in page and 'data-testid="ineligible-ack"' in page
    assert 'value="accept"' in page  # a promised item may still be taken in, with the acknowledgement
    assert AuditEvent.objects.filter(action="resident.eligibility_check").count() == looks + 1
    # an instant item the applicant does not qualify for has no 受理 button at all, only the refusal
    young = Resident.objects.filter(path__startswith="430302001", birth_date__year__gte=2000).first()
    found(clerk, young.pk)
    page = client.get(f"/window/?resident={young.pk}&item=MZ-C01&consent=1").content.decode()
    assert "结论：不符合" in page and 'value="accept"' not in page and 'data-testid="instant-ineligible"' in page
    assert 'value="不符合办理条件"' in page


def test_a_refused_window_submission_keeps_every_tick_choice_and_word():
    clerk, applicant = user("clerk_s01a"), rich_applicant()
    found(clerk, applicant.pk)
    client = logged_in("clerk_s01a")
    papers = list(MaterialRequirement.objects.filter(item__code="MZ-D01").values_list("id", flat=True))
    before = Case.objects.count()
    response = client.post("/window/accept/", {
        "resident": applicant.pk, "item": "MZ-D01", "material": [str(p) for p in papers], "consent": "1",
        "delivery": "home", "decision": "accept", "reason": "留言", FIELD: new_key()})
    page = response.content.decode()
    assert response.status_code == 400 and Case.objects.count() == before
    assert "资格核查不符合" in page and "已填写的内容都保留在下面" in page
    for p in papers:
        assert f'value="{p}" data-testid="material" checked' in page
    assert 'data-testid="consent" checked' in page and '<option value="home" selected>' in page
    assert 'value="留言"' in page
    # with the acknowledgement ticked the same form goes through
    response = client.post("/window/accept/", {
        "resident": applicant.pk, "item": "MZ-D01", "material": [str(p) for p in papers], "consent": "1",
        "delivery": "home", "decision": "accept", "ineligible_acknowledged": "1", FIELD: new_key()})
    assert response.status_code == 302 and Case.objects.count() == before + 1


def test_a_missing_consent_at_the_window_keeps_the_ticks():
    client = logged_in("clerk_c001001")
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    found(user("clerk_c001001"), xie.pk)
    papers = list(MaterialRequirement.objects.filter(item__code="WJ-C02").values_list("id", flat=True))
    response = client.post("/window/accept/", {"resident": xie.pk, "item": "WJ-C02", "decision": "accept",
                                               "material": [str(p) for p in papers[:1]], FIELD: new_key()})
    page = response.content.decode()
    assert response.status_code == 400 and "申请人同意" in page
    assert f'value="{papers[0]}" data-testid="material" checked' in page


def photo_id() -> int:
    return MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk


def test_online_form_sent_back_for_consent_keeps_the_upload_and_speaks_to_the_resident():
    client = logged_in("13800000002")
    before = (Case.objects.count(), CaseUpload.objects.count())
    response = client.post("/cases/apply/MZ-C01/", {f"material_{photo_id()}": SimpleUploadedFile("我的照片.png", PNG),
                                              "delivery": "home", FIELD: new_key()})
    page = response.content.decode()
    assert response.status_code == 400 and (Case.objects.count(), CaseUpload.objects.count()) == before
    assert "我同意服务站调取" in page and "申请人同意" not in page and "已选的文件会保留" in page
    assert "已选择：我的照片.png" in page and '<option value="home" selected>' in page
    token = page.split(f'name="staged_{photo_id()}" value="')[1].split('"')[0]
    # another resident (his wife, on her own account) cannot use the token
    response = logged_in("13800000003").post("/cases/apply/MZ-C01/", {f"staged_{photo_id()}": token, "consent": "1",
                                                                      FIELD: new_key()})
    assert response.status_code == 400 and Case.objects.count() == before[0]
    response = client.post("/cases/apply/MZ-C01/", {f"staged_{photo_id()}": token, "consent": "1", "delivery": "home",
                                              FIELD: new_key()})
    assert response.status_code == 302
    case = Case.objects.latest("id")
    upload = CaseUpload.objects.get(case=case)
    assert upload.original_name == "我的照片.png" and upload.size == len(PNG) and case.delivery == "home"


def test_a_forged_or_foreign_staged_token_finds_nothing():
    client = logged_in("13800000002")
    response = client.post("/cases/apply/MZ-C01/", {f"staged_{photo_id()}": "forged:token", "consent": "1",
                                              FIELD: new_key()})
    assert response.status_code == 400 and "请上传" in response.content.decode()


def test_staged_files_older_than_a_day_are_swept(settings, tmp_path):
    client = logged_in("13800000002")
    client.post("/cases/apply/MZ-C01/", {f"material_{photo_id()}": SimpleUploadedFile("a.png", PNG), FIELD: new_key()})
    files = list((tmp_path / "staging").glob("*/*"))
    assert len(files) == 1
    assert sweep_staged_uploads() == 0
    old = time.time() - settings.DOORSTEP_STAGED_UPLOAD_MAX_AGE - 60
    os.utime(files[0], (old, old))
    assert sweep_staged_uploads() == 1 and not files[0].exists()
