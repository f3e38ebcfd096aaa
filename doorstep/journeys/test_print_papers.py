"""Papers worth printing (issue #11 item 3), in Chromium: the clerk opens the receipt from the case page and gets an A4
sheet with the case number and query code as text beside the QR, drawn in a Chinese font even on a machine that has
none, with only the sheet left when printed, and its PDF under a Chinese file name; the applicant opens the
decision letter of a rejected application on a phone."""

import pytest

from doorstep.cases.models import MaterialHandover
from doorstep.cases.services import case_transition, handover_receive
from doorstep.conftest import accept, user
from doorstep.registry.models import Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser

A4_WIDTH_PX = 210 / 25.4 * 96  # CSS pixels: 96 to the inch


def test_the_receipt_opens_as_an_a4_sheet_with_the_number_and_query_code_as_text(world, desk_page):
    page = desk_page
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_s01a"), item_code="MZ-S01", applicant_id=xie.pk)
    login(page, "clerk_s01a")
    page.goto(f"/cases/{case.pk}/")
    page.click("[data-testid=print-receipt]")
    page.wait_for_selector("[data-testid=receipt]")
    width = page.eval_on_selector("[data-testid=receipt]", "e => e.getBoundingClientRect().width")
    assert abs(width - A4_WIDTH_PX) < 2, width
    assert page.text_content("[data-testid=receipt-number]") == case.number
    assert page.text_content("[data-testid=query-code]") == f"{case.public_code[:5]}-{case.public_code[5:]}"
    assert page.locator("[data-testid=receipt] svg").count() == 1  # the QR, beside the codes
    assert "遭遇急难情况的说明或证明" in page.text_content("[data-testid=receipt-papers]")
    assert "城正街街道便民服务中心" in page.text_content("[data-testid=receipt-center]")
    # the bundled Chinese font is what draws the sheet here (this machine has no Chinese font of its own)
    assert page.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].some(f => f.family.includes("Doorstep Noto Sans SC") && f.status === "loaded"); }""")
    page.emulate_media(media="print")
    assert not page.is_visible("[data-testid=paper-tools]")  # on paper: the sheet only
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("[data-testid=paper-pdf]")
    assert download.value.suggested_filename == f"受理回执-{case.number}.pdf"


def test_the_applicant_opens_the_rejection_letter_from_the_case_page_on_a_phone(world, phone_page):
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    clerk, approver = user("clerk_c001002"), user("approver_s01")
    case = accept(actor=clerk, item_code="MZ-S01", applicant_id=xie.pk)
    case_transition(actor=clerk, case_id=case.pk, action="forward")
    for handover in MaterialHandover.objects.filter(case=case, received_at=None):
        handover_receive(actor=approver, handover_id=handover.pk)
    case_transition(actor=approver, case_id=case.pk, action="reject", note="家庭经核查无急难情形")
    login(phone_page, "13800000001")
    phone_page.goto(f"/cases/{case.pk}/")
    phone_page.click("[data-testid=print-decision]")
    phone_page.wait_for_selector("[data-testid=decision]")
    assert phone_page.text_content("[data-testid=decision-title]") == "不予批准决定书"
    assert "家庭经核查无急难情形" in phone_page.text_content("[data-testid=decision-outcome]")
    appeal = phone_page.text_content("[data-testid=decision-appeal]")
    assert "60日内" in appeal and "行政复议" in appeal and "6个月内" in appeal and "行政诉讼" in appeal
