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
    page.click("[data-testid=window-accept]")
    page.wait_for_selector("[data-testid=receipt]")
    number = page.text_content("[data-testid=case-number]")
    assert page.text_content("[data-testid=case-state]") == "已受理"
    page.click("[data-testid=act-conclude]")
    page.wait_for_selector("text=已办结")
    case = Case.objects.get(number=number)
    assert case.state == "concluded" and case.first_contact.username == "clerk_c001001"
    assert list(CaseHistory.objects.filter(case=case).values_list("action", flat=True)) == ["accept", "conclude"]
    assert "受理" in page.text_content("[data-testid=timeline]")


def test_only_child_annual_review_at_the_station_near_home(world, phone_page):
    page = phone_page
    jiang = Resident.objects.get(name="姜建国")
    login(page, "clerk_c001001")
    page.goto(f"/window/?resident={jiang.pk}&item_q=年审")
    page.click("text=独生子女年审")
    page.check("text=独生子女父母光荣证")  # the one paper material, ticked by the clerk
    page.click("[data-testid=window-accept]")
    page.wait_for_selector("[data-testid=receipt]")
    page.click("[data-testid=act-conclude]")
    page.wait_for_selector("text=已办结")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
