"""Ratings that count (issue #11, item 7), in the browser:

- on a 375 px phone, 谢小波 rates the case the window refused (不予受理) — the one residents most need to rate — and
  the station's supervisor, not the clerk, is told to answer; a bad rating sent without a comment comes back with
  his ticks kept;
- at the counter, the clerk pairs the rating pad; on a tablet-sized page the next applicant taps a face for the case
  just refused, is asked why, and the pad thanks them.
"""

import pytest

from doorstep.cases.models import Case
from doorstep.cases.services import case_refuse_at_window
from doorstep.conftest import found, user
from doorstep.core.idempotency import new_key
from doorstep.notifications.models import Notification
from doorstep.ratings.models import Rating
from doorstep.registry.models import Resident

from .conftest import _page
from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def _refused() -> Case:
    clerk = user("clerk_c001001")
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    found(clerk, xie.pk)
    return case_refuse_at_window(actor=clerk, item_code="WJ-C02", applicant_id=xie.pk, missing_material_ids=[],
                                 reason="缺少户口簿原件", idempotency_key=new_key())


def test_a_resident_rates_a_refused_case_on_the_phone(world, phone_page):
    case = _refused()
    login(phone_page, "13800000001")
    phone_page.goto(f"/cases/{case.pk}/")
    assert phone_page.text_content("[data-testid=case-state]") == "不予受理"
    # 非常不满意 in every row and no comment: refused, and the page comes back with the four ticks kept (#11 item 2)
    for dimension in ("overall", "efficiency", "service", "attitude"):
        phone_page.check(f"[data-testid=rate-{dimension}-1]")
    phone_page.click("[data-testid=rate-submit]")
    phone_page.wait_for_selector(".alert-danger:has-text('哪里不满意')")
    assert all(phone_page.is_checked(f"[data-testid=rate-{d}-1]") for d in ("overall", "efficiency", "service",
                                                                            "attitude"))
    assert not Rating.objects.filter(case=case).exists()
    for dimension, level in (("overall", 1), ("efficiency", 2), ("service", 2), ("attitude", 1)):
        phone_page.check(f"[data-testid=rate-{dimension}-{level}]")
    phone_page.fill("textarea[name=comment]", "户口簿上次来已经看过，这次又说缺少")
    phone_page.click("[data-testid=rate-submit]")
    phone_page.wait_for_selector("[data-testid=rating]")
    assert "非常不满意" in phone_page.text_content("[data-testid=rating]")
    assert "前答复" in phone_page.text_content("[data-testid=follow-up-answer]")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 376
    assert phone_page.locator("[data-testid=rating-form]").count() == 0  # once
    case.refresh_from_db()
    assert case.state == "refused" and Rating.objects.get(case=case).staff.username == "clerk_c001001"
    told = set(Notification.objects.filter(kind="rating.bad").values_list("user__username", flat=True))
    assert "supervisor_c001001" in told and "clerk_c001001" not in told


def test_the_counter_pad_rates_the_case_just_refused(world, desk_page, browser, live_server):
    login(desk_page, "clerk_c001001")
    desk_page.goto("/ratings/pad/")
    pad_url = desk_page.text_content("[data-testid=pad-url]").strip()
    case = _refused()  # the clerk refuses the next applicant's 二孩生育登记 at the window

    context, tablet, violations = _page(browser, live_server, 800, 1280)  # a tablet at the counter, not logged in
    try:
        tablet.goto(pad_url.replace(pad_url.split("/ratings/")[0], live_server.url))
        assert case.item.name in tablet.text_content("[data-testid=pad-case]")
        tablet.click("[data-testid=pad-face-2]")
        tablet.click("[data-testid=pad-reason] >> nth=0")
        tablet.wait_for_selector("text=感谢您的评价")
        rating = Rating.objects.get(case=case)
        assert (rating.source, rating.overall, rating.staff.username) == ("pad", 2, "clerk_c001001")
        assert tablet.locator("[data-testid=pad-face-5]").count() == 0  # the case is rated: no second time
    finally:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"
