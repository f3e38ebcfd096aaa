"""The hall's staff screens in Chromium (issue #14 item 6 and the page conventions): on the display board two calls
made 200 ms apart both appear, in order, within a second, and both are read aloud in that order (speech synthesis
stubbed in the page: an init script records each utterance into window.__spoken); the window console at a tablet's
width and the desk at 375 px fit without horizontal scrolling. Every page runs under the site's CSP."""

import os
import time

import pytest
from django.utils import timezone

from doorstep.hall.models import Ticket
from doorstep.hall.services.windows import ticket_call_next, window_open
from doorstep.hall.tests.helpers import ITEM, clerk, station, walk_in, windows
from doorstep.hall.tests.test_queue import second_clerk, young
from doorstep.journeys.conftest import browser, watch_csp  # noqa: F401 (the browser tests' fixture)
from doorstep.journeys.test_clerk_reveal import login

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("DOORSTEP_UI_SHOTS", "")  # a folder to save the screens in, when set

# What the board would say, recorded instead of spoken: headless Chromium has no voices, and a test must not need
# a sound card. cancel() is counted: the board must never cancel a pending announcement.
STUB_SPEECH = """
window.__spoken = [];
window.__cancelled = 0;
(function () {
  const fake = {
    speak: function (utterance) { window.__spoken.push(utterance.text); },
    cancel: function () { window.__cancelled += 1; },
    getVoices: function () { return []; },
    addEventListener: function () {},
    speaking: false, pending: false, paused: false,
  };
  Object.defineProperty(window, "speechSynthesis", {configurable: true, get: function () { return fake; }});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();
"""


@pytest.fixture
def screen(browser, live_server):  # noqa: F811
    """A page factory at a given size, with the live server as base URL; fails the test on a CSP violation."""
    opened = []

    def make(width: int, height: int, *, speech_stub: bool = False):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url,
                                      locale="zh-CN")
        violations = watch_csp(context)
        if speech_stub:
            context.add_init_script(STUB_SPEECH)
        page = context.new_page()
        page.set_default_timeout(15000)
        opened.append((context, violations))
        return page

    yield make
    for context, violations in opened:
        context.close()
        assert not violations, f"Content-Security-Policy violations: {violations}"


def test_two_calls_200_ms_apart_both_appear_and_are_announced_in_order(world, screen):
    walk_in(now=timezone.now())
    walk_in(now=timezone.now())
    first, second = windows()[:2]
    window_open(actor=clerk(), window_id=first.pk)
    window_open(actor=second_clerk(), window_id=second.pk)
    page = screen(1920, 1080, speech_stub=True)
    page.goto(f"/hall/board/{station().pk}/")
    page.click("[data-testid=voice-on]")  # the one gesture the browser's autoplay policy asks for
    page.wait_for_function("() => window.__spoken.length === 1")  # 语音播报已开启
    assert page.locator("[data-testid=voice-on]").is_hidden()

    one = ticket_call_next(actor=clerk())
    time.sleep(0.2)
    two = ticket_call_next(actor=second_clerk())
    made = time.monotonic()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=call]').length >= 2", timeout=1000)
    page.wait_for_function("() => window.__spoken.length >= 3", timeout=1000)
    assert time.monotonic() - made <= 1.0 + 0.1  # the waits' own overhead
    first_said = f"请 {one.number} 号到 {first.number} 号窗口"
    second_said = f"请 {two.number} 号到 {second.number} 号窗口"
    shown = page.locator("[data-testid=call]").all_text_contents()
    assert [s[:4] for s in shown[:2]] == [two.number, one.number]  # newest first
    assert page.text_content("[data-testid=latest]") == second_said
    spoken = page.evaluate("() => window.__spoken")
    assert spoken[1:] == [first_said, second_said]
    assert page.evaluate("() => window.__cancelled") == 0
    states = page.locator("[data-testid=window-state]").all_text_contents()
    assert any(one.number in s for s in states) and any(two.number in s for s in states)
    page.wait_for_timeout(1200)  # two more polls: nothing is announced twice
    assert page.evaluate("() => window.__spoken.length") == 3
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/hall-board.png")


def test_the_window_console_fits_a_tablet(world, screen):
    people = young(3)
    for person in people:
        walk_in(now=timezone.now(), applicant=person, item=ITEM)
    for width, height in ((768, 1024), (1024, 768)):
        page = screen(width, height)
        login(page, clerk().username)
        page.goto("/hall/window/")
        if page.locator("[data-testid=open-window]").count():
            page.locator("[data-testid=open-window]").first.click()
            page.wait_for_selector("[data-testid=call-next]")
            page.click("[data-testid=call-next]")
        page.wait_for_selector("[data-testid=current-number]")
        for selector in ("recall", "start", "transfer", "accept", "pause"):
            assert page.locator(f"[data-testid={selector}]").is_visible(), selector
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, width
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/hall-window-{width}.png", full_page=True)
        for button in ("recall", "start", "accept"):
            assert page.locator(f"[data-testid={button}]").bounding_box()["height"] >= 40  # a finger's target


def test_the_desk_fits_a_phone(world, screen):
    for person in young(4):
        walk_in(now=timezone.now(), applicant=person, item=ITEM)
    page = screen(375, 812)
    login(page, clerk().username)
    page.goto("/hall/desk/")
    page.wait_for_selector("[data-testid=walk-in-form]")
    assert page.evaluate("() => document.activeElement.id") == "desk-code"  # the scanner types into it at once
    page.fill("[data-testid=walk-in-item]", f"{ITEM} 老年人优待证办理")
    page.click("[data-testid=walk-in-submit]")
    page.wait_for_selector("[data-testid=issued-number]")
    issued = Ticket.objects.filter(center=station(), issued_by=clerk()).order_by("-id").first()
    assert page.text_content("[data-testid=issued-number]") == issued.number and issued.item.code == ITEM
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    with page.expect_popup() as popup:
        page.click("[data-testid=print-slip]")
    slip = popup.value
    slip.wait_for_selector("[data-testid=slip-number]")
    assert slip.text_content("[data-testid=slip-number]") == issued.number
    assert slip.evaluate("() => document.documentElement.scrollWidth") <= 375
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/hall-desk-375.png", full_page=True)
        slip.screenshot(path=f"{SHOTS}/hall-slip-375.png", full_page=True)
