"""A resident applies online from the phone (老年人优待证): reads the notice, uploads the photo, consents, submits;
the station accepts it from its queue; the resident follows the timeline and sees the news in the inbox."""

import pytest

from doorstep.cases.models import Case

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_resident_applies_online_and_the_station_accepts(world, phone_page, desk_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = phone_page
    login(page, "13800000002")  # 姜建国, 66
    page.goto("/services/MZ-C01/")
    page.click("[data-testid=apply-online]")
    page.set_input_files("[data-testid=upload]", files=[{"name": "fake.png", "mimeType": "image/png",
                                                          "buffer": b"not an image"}])
    page.check("[data-testid=consent]")
    page.click("[data-testid=apply-submit]")
    assert "不是图片" in page.text_content("[data-testid=apply-error]")
    assert page.is_checked("[data-testid=consent]")  # what was ticked stays ticked (#11 item 2)
    page.set_input_files("[data-testid=upload]", files=[{"name": "photo.png", "mimeType": "image/png",
                                                          "buffer": PNG}])
    page.uncheck("[data-testid=consent]")  # forgot the consent: the photo is kept, the message speaks to him
    page.click("[data-testid=apply-submit]")
    error = page.text_content("[data-testid=apply-error]")
    assert "我同意服务站调取" in error and "申请人" not in error
    assert "photo.png" in page.text_content("[data-testid=staged]")
    page.check("[data-testid=consent]")
    page.click("[data-testid=apply-submit]")  # no second upload
    page.wait_for_selector("[data-testid=receipt]")
    assert page.text_content("[data-testid=case-state]") == "已提交"
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    number = page.text_content("[data-testid=case-number]")

    login(desk_page, "clerk_c001001")
    desk_page.goto("/cases/queue/")
    desk_page.click(f"text={number}")
    assert "网上提交的材料" in desk_page.content()
    desk_page.click("[data-testid=act-accept]")
    desk_page.wait_for_selector("[data-testid=act-conclude]")
    desk_page.click("[data-testid=act-conclude]")
    desk_page.wait_for_selector("text=已办结")

    page.goto("/inbox/")
    assert "您的办件已办结" in page.text_content("[data-testid=inbox]")
    page.click("[data-testid=inbox-item] >> nth=0")
    assert page.text_content("[data-testid=case-state]") == "已办结"
    assert Case.objects.get(number=number).first_contact.username == "clerk_c001001"
