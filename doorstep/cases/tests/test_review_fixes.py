"""What the fresh-eyes review of issue #11 found, each as a test: forwarding papers nobody signed for asks for a
confirmation and the forwarder lands on the queue, not on a "not found"; a refused action keeps its reason; a paper
ticked both 已提交 and 缺少 is refused; accepting a 不符合 application says so on the timeline; 邮寄 needs an address
everywhere; looking at the export confirmation costs no export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from doorstep.cases.models import Case, CaseHistory
from doorstep.cases.services import case_apply_online, case_transition
from doorstep.catalog.models import MaterialRequirement
from doorstep.conftest import accept, found, user
from doorstep.core.errors import ValidationFailed
from doorstep.core.idempotency import FIELD, new_key
from doorstep.registry.models import IncomeRecord, Resident

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def xie() -> Resident:
    return Resident.objects.get(name="谢小波", path__startswith="430302")


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def at_the_street() -> Case:
    clerk = user("clerk_c001002")
    found(clerk, xie().pk)
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=xie().pk, ineligible_acknowledged=True)
    return case_transition(actor=clerk, case_id=case.pk, action="forward")


def test_forwarding_unsigned_papers_asks_and_the_forwarder_lands_on_the_queue():
    case = at_the_street()
    street = logged_in("approver_s01")
    response = street.post(f"/cases/{case.pk}/act/", {"action": "forward", "note": "请区里审批"}, follow=True)
    body = response.content.decode()
    assert "尚未签收" in body and Case.objects.get(pk=case.pk).review_node.code == "430302001"
    assert 'data-testid="confirm-unreceived-forward"' in body
    response = street.post(f"/cases/{case.pk}/act/", {"action": "forward", "confirm_unreceived": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/cases/queue/" and case.number in response.content.decode()
    assert Case.objects.get(pk=case.pk).review_node.code == "430302"


def test_a_refused_decision_keeps_its_reason():
    case = at_the_street()
    case_transition(actor=user("approver_s01"), case_id=case.pk, action="forward", confirm_unreceived=True)
    district = logged_in("approver")
    body = district.post(f"/cases/{case.pk}/act/", {"action": "reject", "note": "收入超过标准，不符合条件"},
                         follow=True).content.decode()
    assert "尚未签收" in body and 'value="收入超过标准，不符合条件"' in body
    assert Case.objects.get(pk=case.pk).state == "in_review"


def test_a_paper_ticked_both_present_and_missing_is_refused():
    clerk = user("clerk_c001002")
    found(clerk, xie().pk)
    paper = MaterialRequirement.objects.filter(item__code="MZ-D01", shared_data="").first()
    with pytest.raises(ValidationFailed, match="同时勾选"):
        accept(actor=clerk, item_code="MZ-D01", applicant_id=xie().pk, missing_material_ids=[paper.pk],
               ineligible_acknowledged=True)


def test_accepting_an_ineligible_application_says_so_on_the_timeline():
    applicant = Resident.objects.filter(path__startswith="430302001", relation="head").order_by("id").first()
    IncomeRecord.objects.filter(household_id=applicant.household_id).delete()
    IncomeRecord.objects.create(household_id=applicant.household_id, year=timezone.localdate().year - 1,
                                kind="wage", amount=10_000_000)
    clerk = user("clerk_s01a")
    found(clerk, applicant.pk)
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=applicant.pk, ineligible_acknowledged=True)
    note = CaseHistory.objects.get(case=case, action="accept").note
    assert "申请人坚持申请" in note


def test_post_needs_an_address_online_and_at_the_window():
    photo = MaterialRequirement.objects.get(item__code="MZ-C01", shared_data="").pk
    with pytest.raises(ValidationFailed, match="收件地址"):
        case_apply_online(actor=user("13800000002"), item_code="MZ-C01", consent=True, delivery="post",
                          files={photo: SimpleUploadedFile("p.png", PNG)}, idempotency_key=new_key())
    case = case_apply_online(actor=user("13800000002"), item_code="MZ-C01", consent=True, delivery="post",
                             delivery_address="雨湖区城正街12号3单元", files={photo: SimpleUploadedFile("p.png", PNG)},
                             idempotency_key=new_key())
    assert case.delivery_address == "雨湖区城正街12号3单元"
    clerk = user("clerk_c001002")
    found(clerk, xie().pk)
    with pytest.raises(ValidationFailed, match="收件地址"):
        accept(actor=clerk, item_code="WJ-C02", applicant_id=xie().pk, delivery="post")
    page = logged_in("clerk_c001002").post("/window/accept/", {
        "resident": xie().pk, "item": "WJ-C02", "decision": "accept", "consent": "1", "delivery": "post",
        "address": "短", FIELD: new_key(),
        "material": [str(m) for m in MaterialRequirement.objects.filter(item__code="WJ-C02")
                     .values_list("id", flat=True)]})
    assert page.status_code == 400 and 'value="短"' in page.content.decode()


def test_the_export_confirmation_page_costs_no_export(settings):
    settings.DOORSTEP_EXPORT_INLINE_ROWS = 1
    settings.DOORSTEP_RATE_EXPORT = "2/10m"
    leader = logged_in("leader")
    for _ in range(5):
        assert 'data-testid="export-confirm"' in leader.get("/cases/export.xlsx").content.decode()
    assert leader.post("/cases/export.xlsx", {FIELD: new_key()}).status_code == 302
