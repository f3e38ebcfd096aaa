"""Journeys 6, 7 and 9 of STORIES.md through the real pages:

6. Mr. Qiu applies for the remarriage birth certificate at the street center; the grid worker delivers it to his
   home the next day and he rates the service.
7. Ms. Wang applies for a business licence at a window of the street hall; the district decides it within the
   promised 4 working days after the materials are handed up and signed for.
9. A resident rates a case 不满意; the center answers within the time limit and the resident sees the answer.
"""

import pytest
from django.utils import timezone

from doorstep.calendar.selectors import work_calendar
from doorstep.cases.models import Case, MaterialHandover
from doorstep.cases.services import case_transition
from doorstep.conftest import accept, user
from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.ratings.models import FollowUp
from doorstep.registry.models import Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def _window_accept(page, *, name: str, item_query: str, item_name: str, delivery: str | None = None) -> str:
    """The clerk types what the applicant gives (a name, a phone or an ID number), picks the item, ticks every
    paper, records consent and accepts; returns the case number from the receipt."""
    page.goto("/window/")
    page.fill("#window-q", name)
    page.click("[data-testid=window-find]")
    page.click("[data-testid=window-pick-resident]")
    page.fill("#window-item-q", item_query)
    page.click("[data-testid=window-find-item]")
    page.click(f"text={item_name}")
    for box in page.locator("[data-testid=material]").all():  # every paper is on the desk
        box.check()
    page.check("[data-testid=consent]")
    if delivery:
        page.select_option("select[name=delivery]", delivery)
    page.click("[data-testid=window-accept]")
    page.wait_for_selector("[data-testid=receipt]")
    return page.text_content("[data-testid=case-number]")


def test_journey_6_certificate_delivered_home_by_the_grid_worker(world, desk_page, phone_page):
    qiu = Resident.objects.get(name="邱建华", household__number__startswith=STORY_HOUSEHOLD_PREFIX)
    login(desk_page, "clerk_s01a")  # the street center's general window
    number = _window_accept(desk_page, name="13800000004", item_query="再生育", item_name="再生育审批（再婚家庭）",
                            delivery="home")
    assert desk_page.locator("[data-testid=act-approve]").count() == 0  # the window takes in, it does not decide
    desk_page.context.clear_cookies()
    login(desk_page, "approver_s01")  # the street's approval post decides (受理与审批分离)
    desk_page.goto(f"/cases/queue/?q={number}")
    desk_page.click(f"text={number}")
    desk_page.fill("[data-testid=note-approve]", "夫妻双方材料齐全，符合再生育条件")
    desk_page.click("[data-testid=act-approve]")
    desk_page.wait_for_selector("[data-testid=act-conclude]")
    desk_page.click("[data-testid=act-conclude]")
    desk_page.wait_for_selector("[data-testid=print-certificate]")
    case = Case.objects.get(number=number)
    assert case.state == "concluded" and case.certificate.title == "再生育证明" and case.delivery == "home"

    governor = "gw_" + qiu.path[-9:]
    login(phone_page, governor)
    phone_page.goto("/inbox/")
    assert "待送达：再生育审批" in phone_page.text_content("[data-testid=inbox]")
    phone_page.goto("/cases/deliveries/")
    card = phone_page.locator("[data-testid=delivery]", has_text="邱建华")
    assert "再生育证明" in card.text_content()
    card.locator("[data-testid=confirm-delivered]").click()
    phone_page.once("dialog", lambda dialog: dialog.accept())
    phone_page.click("[data-testid=deliver-submit]")  # neither a photo nor a signature: asked again, nothing done
    assert "照片" in phone_page.text_content("[data-testid=deliver-error]")
    phone_page.select_option("[data-testid=relation]", "spouse")
    phone_page.fill("[data-testid=recipient-name]", "邱妻")
    pad = phone_page.locator("[data-testid=signature-pad]").bounding_box()
    phone_page.mouse.move(pad["x"] + 20, pad["y"] + 40)
    phone_page.mouse.down()
    phone_page.mouse.move(pad["x"] + 120, pad["y"] + 90, steps=8)
    phone_page.mouse.up()
    phone_page.once("dialog", lambda dialog: dialog.accept())  # 确认已把办理结果交给签收人？
    phone_page.click("[data-testid=deliver-submit]")
    assert "签收人 邱妻" in phone_page.text_content(".alert-success")
    phone_page.wait_for_selector("text=没有待送达的办理结果")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 376
    case.refresh_from_db()
    assert case.state == "delivered" and case.delivered_by.username == governor
    assert case.delivery_proof.relation == "spouse" and case.delivery_proof.signature.content_type == "image/png"

    phone_page.context.clear_cookies()
    login(phone_page, "13800000004")  # Mr. Qiu himself
    phone_page.goto(f"/cases/{case.pk}/")
    assert phone_page.text_content("[data-testid=case-state]") == "已送达"
    for dimension in ("overall", "efficiency", "service", "attitude"):
        phone_page.check(f"[data-testid=rate-{dimension}-5]")
    phone_page.click("[data-testid=rate-submit]")
    phone_page.wait_for_selector("[data-testid=rating]")
    assert "非常满意" in phone_page.text_content("[data-testid=rating]")
    assert Case.objects.get(pk=case.pk).state == "delivered" and case.rating.overall == 5  # its own record


def test_journey_7_business_licence_decided_by_the_district_in_four_working_days(world, desk_page):
    login(desk_page, "clerk_s01b")
    number = _window_accept(desk_page, name="13800000005", item_query="营业执照", item_name="个体工商户营业执照登记")
    case = Case.objects.get(number=number)
    assert case.due_date == work_calendar().add_working_days(timezone.localdate(), 4)
    desk_page.click("[data-testid=act-forward]")  # the street hands it up to the district
    desk_page.wait_for_selector("[data-testid=handovers]")
    assert "经营场所使用证明" in desk_page.text_content("[data-testid=handovers]")

    desk_page.context.clear_cookies()
    login(desk_page, "approver")  # the district's one seal
    desk_page.goto(f"/cases/queue/?q={number}")  # the queue's search: the district's queue runs to many pages
    desk_page.click(f"text={number}")
    desk_page.click("[data-testid=receive-handover]")
    desk_page.wait_for_selector("text=材料已签收")
    assert MaterialHandover.objects.get(case=case).received_by.username == "approver"
    desk_page.fill("[data-testid=note-approve]", "经营场所与经营范围符合规定，准予登记")
    desk_page.click("[data-testid=act-approve]")
    desk_page.wait_for_selector("[data-testid=act-conclude]")
    desk_page.click("[data-testid=act-conclude]")
    desk_page.click("[data-testid=print-certificate]")
    assert "营业执照" in desk_page.text_content("[data-testid=certificate]")
    case.refresh_from_db()
    assert case.state == "concluded" and case.concluded_at.date() <= case.due_date


def test_journey_9_bad_rating_is_answered_in_time(world, desk_page, phone_page):
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_c001002"), item_code="WJ-C04", applicant_id=xie.pk)
    case_transition(actor=user("clerk_c001002"), case_id=case.pk, action="conclude")
    login(phone_page, "13800000001")
    phone_page.goto(f"/cases/{case.pk}/")
    phone_page.check("[data-testid=rate-overall-2]")
    phone_page.check("[data-testid=rate-efficiency-2]")
    phone_page.check("[data-testid=rate-service-3]")
    phone_page.check("[data-testid=rate-attitude-1]")
    phone_page.click("[data-testid=rate-submit]")  # no comment: refused with a reason
    assert "哪里不满意" in phone_page.text_content(".alert")
    phone_page.check("[data-testid=rate-overall-2]")
    phone_page.check("[data-testid=rate-efficiency-2]")
    phone_page.check("[data-testid=rate-service-3]")
    phone_page.check("[data-testid=rate-attitude-1]")
    phone_page.fill("textarea[name=comment]", "窗口让我跑了两趟，态度不好")
    phone_page.click("[data-testid=rate-submit]")
    phone_page.wait_for_selector("[data-testid=follow-up-answer]")
    follow_up = FollowUp.objects.get(rating__case=case)
    assert "前答复" in phone_page.text_content("[data-testid=follow-up-answer]")

    login(desk_page, "clerk_c001002")  # the clerk rated reads it but does not answer it (issue #11, item 7)
    desk_page.goto("/ratings/follow-ups/")
    item = desk_page.locator("[data-testid=follow-up]", has_text=case.number)
    assert "态度不好" in item.text_content() and item.locator("[data-testid=answer-follow-up]").count() == 0
    desk_page.context.clear_cookies()
    login(desk_page, "supervisor_c001002")  # the station's supervisor answers
    desk_page.goto("/ratings/follow-ups/")
    item = desk_page.locator("[data-testid=follow-up]", has_text=case.number)
    item.locator("textarea[name=answer]").fill("经核实，当日系统故障致您往返。已修复并向您当面致歉，今后一次办结。")
    item.locator("[data-testid=answer-follow-up]").click()
    desk_page.wait_for_selector("text=已答复，居民可在办件页看到答复")
    follow_up.refresh_from_db()
    assert follow_up.answered_at.date() <= follow_up.due_date

    phone_page.goto(f"/cases/{case.pk}/")
    assert "向您当面致歉" in phone_page.text_content("[data-testid=follow-up-answer]")
    phone_page.goto("/inbox/")
    assert "已有答复" in phone_page.text_content("[data-testid=inbox]")
