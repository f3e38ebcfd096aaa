"""Journey: a clerk logs in, finds a resident by pinyin initials, sees a masked ID, reveals it with a reason, and
the audit event is there."""

import pytest

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEvent
from doorstep.core.crypto import decrypt
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident

pytestmark = pytest.mark.browser


def login(page, username):
    page.goto("/accounts/login/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]", state="attached")


def test_clerk_finds_by_initials_and_reveals_id_with_reason(world, desk_page):
    page = desk_page
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    whole = decrypt(xie.id_number_enc)

    login(page, "clerk_s01a")
    page.goto("/residents/")
    page.fill("#q", "xxb")
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=search-count]")
    page.locator(f"a[href='/residents/{xie.pk}/'] >> visible=true").first.click()  # the table (cards: phones)
    masked = page.text_content("[data-testid=id-masked]")
    assert masked == xie.id_number_masked and whole not in page.content()

    page.click("[data-testid=reveal-id_number]")  # no reason yet: the browser refuses the empty field
    assert not page.query_selector("[data-testid=revealed-id_number]")
    page.fill("[data-testid=reveal-reason-id_number]", "办理生育登记，核对身份证")
    page.click("[data-testid=reveal-id_number]")
    page.wait_for_selector("[data-testid=revealed-id_number]")
    assert page.text_content("[data-testid=revealed-id_number]") == whole

    event = AuditEvent.objects.filter(action="registry.reveal", target_id=str(xie.pk)).latest("id")
    clerk = User.objects.get(username="clerk_s01a")  # staff have people's names (#11 item 15)
    assert event.reason == "办理生育登记，核对身份证" and event.actor_id == clerk.pk
    assert event.actor_label.startswith(clerk.full_name)
    assert event.ip == "127.0.0.1" and event.result == "ok"

    # and an auditor sees it in the audit browser
    login(page, "admin")
    page.goto(f"/audit/?action=registry.reveal&target={xie.pk}")
    assert "办理生育登记，核对身份证" in page.text_content("[data-testid=audit-table]")


def test_login_page_and_search_work_on_a_phone(world, phone_page):
    page = phone_page
    login(page, "gw_001001003")
    page.goto("/residents/")
    page.wait_for_selector("[data-testid=search-count]")  # a grid worker sees the grid's list without a query
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"page is {width}px wide on a 375px phone"
