"""Journeys 1 and 2 at the window: the clerk finds the applicant, picks the item, sees that ID, marriage and
household data are verified from shared data (nothing to copy), accepts, concludes on the spot, and prints the
receipt; an approver later sees only what sits at their level."""

import pytest

from doorstep.cases.models import Case, CaseHistory
from doorstep.core.crypto import decrypt
from doorstep.registry.models import Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def test_second_child_registration_done_in_one_trip(world, desk_page):
    page = desk_page
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    login(page, "clerk_c001001")
    page.goto("/window/")
    page.fill("#window-q", decrypt(xie.id_number_enc))  # as a card reader types it
    page.click("[data-testid=window-find]")
    page.click("[data-testid=window-pick-resident]")
    assert page.text_content("[data-testid=window-applicant]") == "谢小波"
    page.fill("#window-item-q", "二孩")
    page.click("[data-testid=window-find-item]")
    page.click("[data-testid=window-pick-item]")
    assert page.locator("text=数据共享核验").count() == 3  # ID, marriage, household: nothing to bring
    page.click("[data-testid=window-accept]")  # without the applicant's consent the data is not read
    assert "征得申请人同意" in page.text_content(".alert")
    page.check("[data-testid=consent]")
    page.click("[data-testid=window-accept]")
    page.wait_for_selector("[data-testid=receipt]")
    number = page.text_content("[data-testid=case-number]")
    assert page.text_content("[data-testid=case-state]") == "已受理"
    checks = page.text_content("[data-testid=shared-checks]")
    assert "已婚" in checks and "与户籍登记一致" in checks and checks.count("核验通过") == 3
    page.click("[data-testid=act-conclude]")
    page.wait_for_selector("text=已办结")
    case = Case.objects.get(number=number)
    assert case.state == "concluded" and case.first_contact.username == "clerk_c001001"
    assert case.consent_at and len(case.shared_checks) == 3
    assert list(CaseHistory.objects.filter(case=case).values_list("action", flat=True)) == ["accept", "conclude"]
    assert "受理" in page.text_content("[data-testid=timeline]")
    page.click("[data-testid=print-certificate]")  # printed and sealed at the station
    assert "准生证" in page.text_content("[data-testid=certificate]")
    cert_number = page.text_content("[data-testid=certificate-number]")
    page.context.clear_cookies()  # anyone holding the paper can check it by its QR code
    page.goto(f"/verify/{case.certificate.verify_code}/")
    assert "核验通过" in page.text_content("[data-testid=verify-ok]")
    holder = page.text_content("[data-testid=verify-holder]")
    assert "谢*波" in holder and "谢小波" not in holder and cert_number in page.content()
    page.goto("/verify/forged-code/")
    assert "查无此证" in page.text_content("[data-testid=public-message]")


def test_only_child_annual_review_at_the_station_near_home(world, phone_page):
    page = phone_page
    jiang = Resident.objects.get(name="姜建国")
    login(page, "clerk_c001001")
    page.goto(f"/window/?resident={jiang.pk}&item_q=年审")  # opened by id, not found by a search: refused
    assert "未找到" in page.content()
    page.goto("/window/")
    page.fill("#window-q", "姜建国")  # found by name, as the station clerk does
    page.click("[data-testid=window-find]")
    page.click("[data-testid=window-pick-resident]")
    page.fill("#window-item-q", "年审")
    page.click("[data-testid=window-find-item]")
    page.click("text=独生子女年审")
    page.check("text=独生子女父母光荣证")  # the one paper material, ticked by the clerk
    page.check("[data-testid=consent]")
    page.click("[data-testid=window-accept]")
    page.wait_for_selector("[data-testid=receipt]")
    page.click("[data-testid=act-conclude]")
    page.wait_for_selector("text=已办结")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376


def test_clerk_finds_xie_xiaobo_by_initials_among_namesakes(world, desk_page):
    """Issue #11, item 1, from the README's example: `xxb` lists everyone of the clerk's area whose name reads so,
    says how many, and shows what tells them apart; the clerk picks 谢小波 by age and community."""
    page = desk_page
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    login(page, "clerk_s01a")
    page.goto("/window/")
    page.fill("#window-q", "xxb")
    page.click("[data-testid=window-find]")
    assert "找到" in page.text_content("[data-testid=window-found-count]")
    row = page.locator("[data-testid=window-found]", has_text="谢小波")
    text = row.text_content()
    assert "岁" in text and "社区" in text and xie.id_number_masked in text
    row.locator("[data-testid=window-pick-resident]").click()
    assert page.text_content("[data-testid=window-applicant]") == "谢小波"


def test_clerk_reads_the_dibao_rules_before_deciding_and_keeps_the_ticks(world, desk_page):
    """#11 item 2: the rules, figures and outcome are on the material check; accepting a 不符合 低保 application needs
    the clerk's acknowledgement, and the refused submission keeps every tick and the consent."""
    from django.utils import timezone

    from doorstep.registry.models import IncomeRecord

    applicant = Resident.objects.filter(path__startswith="430302001", relation="head").order_by("id").first()
    members = Resident.objects.filter(household_id=applicant.household_id).count()
    IncomeRecord.objects.filter(household_id=applicant.household_id).delete()
    IncomeRecord.objects.create(household_id=applicant.household_id, year=timezone.localdate().year - 1,
                                kind="wage", amount=64_750 * members)
    page = desk_page
    login(page, "clerk_s01a")
    page.goto("/window/")
    page.fill("#window-q", decrypt(applicant.id_number_enc))
    page.click("[data-testid=window-find]")
    page.click("[data-testid=window-pick-resident]")
    page.fill("#window-item-q", "低保")
    page.click("[data-testid=window-find-item]")
    page.click("[data-testid=window-pick-item] >> text=最低生活保障")
    assert "64,750" not in page.text_content("[data-testid=eligibility-rules]")  # no figures before consent
    page.click("[data-testid=show-eligibility]")
    rules = page.text_content("[data-testid=eligibility]")
    assert "不符合" in rules and "64,750" in rules  # before anything is decided
    for box in page.locator("[data-testid=material]").all():
        box.check()
    page.check("[data-testid=consent]")
    before = Case.objects.count()
    page.click("[data-testid=window-accept]")
    assert "资格核查不符合" in page.text_content("[data-testid=window-error]")
    assert Case.objects.count() == before
    assert all(box.is_checked() for box in page.locator("[data-testid=material]").all())
    assert page.is_checked("[data-testid=consent]")
    page.check("[data-testid=ineligible-ack]")
    page.click("[data-testid=window-accept]")
    page.wait_for_selector("[data-testid=receipt]")
    assert Case.objects.latest("id").eligibility["eligible"] is False
