"""Master data people can keep (issue #11, item 11): the district administrator opens 服务中心 from the workbench,
adds a window and Saturday hours to a center — first typing an impossible time, which is refused with a message and
keeps what was typed — and sees both on the center's page."""

import pytest

from doorstep.audit.models import AuditEvent
from doorstep.org.models import ServiceCenter

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def test_district_admin_adds_a_window_and_saturday_hours_and_sees_them(world, desk_page):
    page = desk_page
    center = ServiceCenter.objects.filter(org_node__level="street").order_by("org_node__code").first()
    center.opening_hours.filter(weekday=5).delete()  # start from a center without Saturday service
    login(page, "admin")
    page.click("a[href=\"/org/centers/\"]")
    page.wait_for_selector("[data-testid=center-list]")
    page.click(f"text={center.name}")
    page.wait_for_selector("[data-testid=center-name]")

    page.fill("#window-number", "19")
    page.fill("#window-name", "19号社保专窗")
    page.check("#window-dedicated")
    page.locator("[data-testid=window-form] input[name=categories]").first.check()
    page.click("[data-testid=window-add]")
    page.wait_for_selector("text=已添加19号窗口。")
    row = page.locator("[data-testid=window-row]", has_text="19号社保专窗")
    assert "专窗" in row.text_content()

    page.check("#hours-day-5")
    page.fill("#hours-opens", "09:00")
    page.fill("#hours-closes", "08:00")  # before the start: refused, nothing lost
    page.click("[data-testid=hours-add]")
    page.wait_for_selector("[data-testid=form-error]")
    assert "结束时间须晚于开始时间" in page.text_content("[data-testid=form-error]")
    assert page.is_checked("#hours-day-5") and page.input_value("#hours-opens") == "09:00"
    page.fill("#hours-closes", "12:00")
    page.click("[data-testid=hours-add]")
    page.wait_for_selector("text=已添加开放时段。")
    saturday = page.locator("[data-testid=hours-day]", has_text="周六")
    assert "09:00–12:00" in saturday.text_content()

    assert center.windows.filter(number=19, is_general=False).exists()
    assert center.opening_hours.filter(weekday=5).count() == 1
    assert AuditEvent.objects.filter(action__in=["org.window_create", "org.hours_add"]).count() >= 2
