"""Journey 1 on a phone (issue #14 items 1 and 2; STORIES.md journey 1): 谢小波 logs in on a 375 px screen, opens
二孩生育登记 in the catalog, follows 预约办理, reads the one-time notice (every material verified from shared data:
免提交) and ticks it, picks his community's station, the next day it is open and an afternoon slot, books, and sees
the 8-digit code large with its QR code. No step scrolls sideways; the site's Content-Security-Policy is never
violated (the phone_page fixture fails the test on any violation).

The live server runs on the real clock, so the day is the first open day after today on which he has no booking
of this item yet (the demo books journey 1's own appointment for the next afternoon)."""

import re

import pytest
from django.utils import timezone

from doorstep.hall.models import Booking
from doorstep.hall.tests.helpers import station
from doorstep.hall.workflow import ACTIVE_BOOKING_STATES
from doorstep.journeys.conftest import browser, phone_page  # noqa: F401 (the browser tests' fixtures)
from doorstep.journeys.test_clerk_reveal import login

pytestmark = pytest.mark.browser

ITEM = "WJ-C02"
PHONE_WIDTH = 375


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, page.url


def test_xie_reads_the_notice_and_books_an_afternoon_at_his_station_on_a_phone(world, phone_page):  # noqa: F811
    from doorstep.conftest import user

    page = phone_page
    xie = user("13800000001")
    taken = set(Booking.objects.filter(applicant=xie.resident, item__code=ITEM, state__in=ACTIVE_BOOKING_STATES)
                .values_list("day", flat=True))
    login(page, "13800000001")

    page.goto(f"/services/{ITEM}/")
    fits(page)
    page.click("[data-testid=book-item]")
    page.wait_for_selector("[data-testid=notice-form]")
    assert page.locator("[data-testid=material]").count() == 3
    assert page.locator("[data-testid=material-shared]").count() == 3  # ID, marriage, household: nothing to copy
    fits(page)
    page.click("[data-testid=notice-next]")  # not ticked yet: the browser keeps the form
    assert page.locator("[data-testid=pick-center]").count() == 0
    page.check("[data-testid=read]")
    page.click("[data-testid=notice-next]")

    page.wait_for_selector("[data-testid=pick-center]")
    first = page.locator("[data-testid=pick-center]").first
    assert first.get_attribute("data-center") == str(station().pk) and "本社区" in first.inner_text()
    fits(page)
    first.click()

    page.wait_for_selector("[data-testid=days]")
    fits(page)
    today = timezone.localdate().isoformat()
    open_days = [d for d in page.locator("[data-testid=day]").evaluate_all("els => els.map(e => e.dataset.day)")
                 if d > today and d not in {t.isoformat() for t in taken}]
    assert open_days, "no released day left to book"
    page.click(f"[data-testid=day][data-day='{open_days[0]}']")

    page.wait_for_selector("[data-testid=slots]")
    fits(page)
    starts = page.locator("label[data-testid=slot]").evaluate_all("els => els.map(e => e.dataset.start)")
    afternoon = next(s for s in starts if "14:00" <= s < "18:00")
    page.click(f"label[data-testid=slot][data-start='{afternoon}']")
    page.click("[data-testid=book-submit]")

    page.wait_for_selector("[data-testid=booking-code]")
    fits(page)
    code = page.text_content("[data-testid=booking-code]").strip()
    assert re.fullmatch(r"\d{8}", code)
    assert page.locator("[data-testid=booking-qr] svg").count() == 1
    assert "展览桥社区党群服务站" in page.text_content("[data-testid=booking-center]")
    booking = Booking.objects.get(code=code)
    local = timezone.localtime(booking.starts_at)
    assert booking.applicant_id == xie.resident_id and booking.center_id == station().pk
    assert local.date().isoformat() == open_days[0] and f"{local:%H:%M}" == afternoon
    assert booking.channel == "resident" and booking.item.code == ITEM

    page.click("[data-testid=back-mine]")  # and it is listed among his appointments
    page.wait_for_selector("[data-testid=bookings]")
    fits(page)
    assert code in page.text_content("[data-testid=bookings]")
