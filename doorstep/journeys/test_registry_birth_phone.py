"""Issue #12 item 7 on a 375 px phone: a grid worker reports a birth from the household's page, the community's
station approves it in its queue, and the baby is in the household and found by pinyin."""

import pytest
from django.utils import timezone

from doorstep.conftest import user
from doorstep.registry.models import ChangeRequest, Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def test_grid_worker_reports_a_birth_the_community_approves_and_search_finds_the_baby(world, phone_page,
                                                                                       desk_page):
    worker = user("gw_001001003")
    parent = Resident.objects.filter(path=worker.org_node.code, relation="head", status="active").order_by("id").first()
    page = phone_page
    login(page, "gw_001001003")
    page.goto(f"/residents/{parent.pk}/")
    page.click("[data-testid=propose-birth]")
    page.fill("[data-testid=field-name]", "阚小禾")
    page.select_option("[data-testid=field-gender]", "F")
    page.fill("[data-testid=field-birth_date]", timezone.localdate().isoformat())
    page.select_option("[data-testid=field-relation]", "child")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    page.click("[data-testid=change-submit]")
    page.wait_for_selector("[data-testid=change-state]")
    assert "待审核" in page.text_content("[data-testid=change-state]")
    change = ChangeRequest.objects.filter(proposer=worker, kind="birth").latest("id")

    clerk = f"clerk_c{parent.path[6:12]}"
    login(desk_page, clerk)
    desk_page.goto("/residents/changes/")
    assert "待审核" in desk_page.text_content("[data-testid=pending-count]")
    desk_page.click(f"[data-testid=approve-{change.pk}]")
    desk_page.wait_for_selector("text=已通过，登记信息已更新。")
    change.refresh_from_db()
    assert change.state == "approved" and change.reviewer.username == clerk

    page.goto(f"/residents/{parent.pk}/")
    assert "阚小禾" in page.text_content("[data-testid=household-members]")
    page.goto("/residents/?q=kanxiaohe")
    page.wait_for_selector("text=阚小禾")
    page.goto("/residents/?q=hxh")
    assert "阚小禾" in page.content()
    page.click("text=阚小禾")
    page.wait_for_selector("[data-testid=history]")
    assert "出生登记" in page.text_content("[data-testid=history]")
    assert "未登记（待落户）" in page.text_content("[data-testid=id-masked]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
