"""Issue #11 item 8 on a 375 px phone: a resident reads 我的办件 and 我的家庭 as cards; a grid worker finds a resident
of the grid and calls them with one tap, the number revealed through the audit."""

import re

import pytest

from doorstep.audit.models import AuditEvent
from doorstep.conftest import accept, found, user
from doorstep.registry.models import Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 376


def test_resident_reads_cases_and_household_as_cards(world, phone_page):
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    found(user("clerk_c001001"), xie.pk)
    accept(actor=user("clerk_c001001"), item_code="WJ-C02", applicant_id=xie.pk)
    page = phone_page
    login(page, "13800000001")
    page.goto("/cases/")
    card = page.locator("[data-testid=my-case]").first
    assert card.is_visible() and page.text_content("[data-testid=my-case-next]")
    assert page.locator("text=导出Excel").count() == 0 and fits(page)
    card.click()
    page.wait_for_selector("[data-testid=receipt]")
    page.goto("/residents/")
    assert page.locator("[data-testid=household-member]").count() >= 1 and fits(page)
    assert "本人" in page.text_content("[data-testid=my-household]")


def test_grid_worker_taps_to_call_a_resident_of_the_grid(world, phone_page):
    worker = user("gw_001001003")
    resident = Resident.objects.filter(path__startswith=worker.org_node.code).exclude(phone_enc=None).first()
    page = phone_page
    login(page, "gw_001001003")
    page.goto(f"/residents/?q={resident.name}")
    cards = page.locator("[data-testid=resident-card]")
    assert cards.count() >= 1 and fits(page)
    before = AuditEvent.objects.filter(action="registry.reveal").count()
    cards.filter(has_text=resident.name).first.locator("[data-testid=call-resident]").click()
    link = page.wait_for_selector("[data-testid=tel-link]")
    assert re.fullmatch(r"tel:(1\d{10}|0\d{9,11})", link.get_attribute("href"))  # a mobile, or a landline with its area code
    assert AuditEvent.objects.filter(action="registry.reveal").count() == before + 1


def test_a_fifty_character_name_wraps_on_a_phone_instead_of_widening_the_page(world, phone_page):
    import datetime

    from doorstep.core.idnumbers import complete_id_number
    from doorstep.registry.services import resident_register

    worker = user("gw_001001003")
    household = Resident.objects.filter(path=worker.org_node.code).first().household
    latin = "Wolfeschlegelsteinhausenbergerdorffvoralternwaren"  # no space to break at
    assert len(latin + "g") == 50
    long_one = resident_register(actor=None, household=household, name=latin + "g", gender="M",
                                 birth_date=datetime.date(1990, 3, 7), id_number=complete_id_number("43030219900307091"),
                                 relation="other")
    resident_register(actor=None, household=household, name="阿" * 50, gender="F",
                      birth_date=datetime.date(1991, 3, 7), id_number=complete_id_number("43030219910307092"),
                      relation="other")
    page = phone_page
    login(page, "gw_001001003")
    width = "document.scrollingElement.scrollWidth"
    for url in (f"/residents/{long_one.pk}/", "/residents/?q=wolfeschlegel", f"/residents/?q={'阿' * 10}"):
        page.goto(url)
        page.wait_for_selector("[data-testid=resident-name], [data-testid=resident-card]")
        assert page.evaluate(width) <= 375, (url, page.evaluate(width))
