"""Journey 1, first step: Xie Xiaobo reads the one-time notice for second-child birth registration on his phone,
before booking — every material listed once, the shared-data ones marked as nothing to bring."""

import pytest

pytestmark = pytest.mark.browser


def test_resident_reads_the_one_time_notice_on_a_phone(world, phone_page):
    page = phone_page
    page.goto("/services/")
    page.fill("input[name=q]", "生育")
    page.click("form button")
    page.click("text=二孩生育登记")
    page.wait_for_selector("[data-testid=notice]")
    materials = page.text_content("[data-testid=materials]")
    assert "结婚证" in materials and "户口簿" in materials
    assert materials.count("免提交") == 3  # ID, marriage and household are verified from shared data
    assert "家门口的社区党群服务站即可办结" in page.text_content("[data-testid=notice]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
