"""The activity and hours pages in Chromium (issue #15 item 4): on a 375 px phone the certificate of service hours
(the volunteer's and the staff's), the public verification page and the staff's activity list never scroll sideways;
printed, the certificate's long verification address wraps inside the A4 text width and its line is not stretched.
The site's Content-Security-Policy is never violated (the page fixtures fail the test on any violation)."""

import pytest

from doorstep.journeys.conftest import _page, browser, phone_page  # noqa: F401 (the browser tests' fixtures)
from doorstep.journeys.test_clerk_reveal import login
from doorstep.wishes.models import HoursEntry, Volunteer

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
A4_TEXT_PX = 672  # 210 mm less print.css's 2 × 16 mm page margins, at 96 px per inch


WIDEST = """(width) => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def fits(page, width: int = PHONE_WIDTH) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, page.evaluate(WIDEST, width))


def served_volunteer() -> Volunteer:
    """A demo volunteer with a number and hours in the ledger (the certificate has rows)."""
    entry = (HoursEntry.objects.filter(volunteer__number__gt="", volunteer__user__isnull=False, minutes__gt=0)
             .select_related("volunteer__user", "volunteer__community").order_by("volunteer_id").first())
    assert entry is not None
    return entry.volunteer


def clerk_of(volunteer: Volunteer) -> str:
    from doorstep.accounts.models import User

    return User.objects.filter(role="clerk", org_node=volunteer.community, is_active=True).order_by("pk").first()\
        .username


def test_the_certificate_verification_and_activity_list_fit_a_phone(world, phone_page):  # noqa: F811
    from doorstep.wishes.services.hours import hours_certificate_issue

    page, v = phone_page, served_volunteer()
    staff = clerk_of(v)
    login(page, staff)
    page.goto(f"/activities/hours/{v.pk}/certificate/")
    page.wait_for_selector("[data-testid=certificate]")
    assert page.locator("[data-testid=cert-row]").count() >= 1
    fits(page)
    page.goto("/activities/manage/")
    page.wait_for_selector("[data-testid=export-form]")
    fits(page)
    page.goto("/activities/manage/?tab=past")
    fits(page)

    code = hours_certificate_issue(actor=v.user, volunteer_id=v.pk).code
    page.context.clear_cookies()
    page.goto(f"/activities/hours/verify/{code}/")
    page.wait_for_selector("[data-testid=verify-result]")
    assert page.locator("[data-testid=verify-number]").inner_text().strip() == v.number
    fits(page)

    login(page, v.user.username)
    page.goto("/activities/hours/certificate/")
    page.wait_for_selector("[data-testid=certificate]")
    fits(page)


def test_the_printed_certificate_wraps_its_verification_address_within_the_a4_text_width(world, browser,  # noqa: F811
                                                                                         live_server):
    v = served_volunteer()
    context, page, violations = _page(browser, live_server, A4_TEXT_PX, 1000)
    try:
        login(page, v.user.username)
        page.goto("/activities/hours/certificate/")
        page.wait_for_selector("[data-testid=certificate]")
        page.emulate_media(media="print")
        fits(page, A4_TEXT_PX)
        paper_right = page.evaluate("document.querySelector('[data-testid=certificate]').getBoundingClientRect().right")
        for testid in ("verify-url", "cert-verify"):
            box = page.evaluate(f"""(() => {{ const e = document.querySelector('[data-testid={testid}]');
                return {{right: e.getBoundingClientRect().right, scroll: e.scrollWidth, client: e.clientWidth,
                         align: getComputedStyle(e).textAlign}}; }})()""")
            assert box["right"] <= paper_right + 0.5 and box["scroll"] <= box["client"], (testid, box)
            assert box["align"] != "justify", testid
    finally:
        context.close()
    assert not violations, violations
