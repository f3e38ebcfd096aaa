"""Tracking by number on a phone (issue #11, item 4): a resident holding the paper receipt, without logging in, opens
办件查询 from the menu, types the case number and the query code as they read them (lower case, with the dash), and
sees the case's state and steps with the name masked; a wrong code says what to check and keeps the number typed;
the last four of the ID number work as well."""

import pytest

from doorstep.conftest import accept, user
from doorstep.registry.models import Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
PHONE_WIDTH = 375


def fits_the_phone(page) -> bool:
    """Nothing sticks out sideways: a Bootstrap .row's negative gutters once made /t/ 379 px wide at 375."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_resident_tracks_a_case_from_the_receipt_on_a_phone(world, phone_page):
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_s01a"), item_code="WJ-C04", applicant_id=xie.pk)
    page = phone_page
    page.goto("/services/")
    page.click("[data-testid=nav-track]")
    page.wait_for_selector("[data-testid=track-form]")
    assert fits_the_phone(page)
    page.fill("#track-number", case.number)
    page.fill("#track-secret", "WRONG-CODE")
    page.click("[data-testid=track-submit]")
    error = page.text_content("[data-testid=track-error]")
    assert "办件编号" in error and "查询码" in error
    assert page.input_value("#track-number") == case.number  # what was typed stays
    assert fits_the_phone(page)
    page.fill("#track-secret", f"{case.public_code[:5]}-{case.public_code[5:]}".lower())
    page.click("[data-testid=track-submit]")
    page.wait_for_selector("[data-testid=track-state]")
    body = page.text_content("main")
    assert case.number in body and "谢小波" not in body and case.item.name in body
    assert fits_the_phone(page)
    page.click("[data-testid=track-another]")
    page.fill("#track-number", case.number)
    page.fill("#track-secret", xie.id_number_masked[-4:])
    page.click("[data-testid=track-submit]")
    page.wait_for_selector("[data-testid=track-state]")


def test_the_password_page_fits_a_phone(world, phone_page):
    page = phone_page
    login(page, "13800000002")
    page.goto("/accounts/password/")
    page.wait_for_selector("#new_password1")
    assert fits_the_phone(page)
