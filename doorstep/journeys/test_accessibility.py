"""Issue #11 item 16: every public and resident page passes axe-core's WCAG 2 A/AA checks (0 violations) in Chromium
on a phone, in the standard layout and in 长辈版; 长辈版 gives 18 pt text, line spacing ≥ 1.3 and 60 px touch
targets, and the page can be read aloud (the button speaks through the browser's speech synthesis)."""

from pathlib import Path

import pytest

from doorstep.cases.models import Case
from doorstep.conftest import accept, found, user
from doorstep.registry.models import Resident

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
AXE = (Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js").read_text()
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return result.violations.map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""


def violations(page) -> list[str]:
    page.evaluate(AXE)  # evaluated through the DevTools protocol: the page's CSP does not apply to it
    return page.evaluate(RUN_AXE)


def public_pages() -> list[str]:
    case = Case.objects.exclude(public_code="").order_by("id").first()
    return ["/services/", "/services/MZ-C01/", "/t/", f"/t/{case.public_code}/", "/accounts/login/"]


def resident_pages() -> list[str]:
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    found(user("clerk_c001001"), xie.pk)
    case = accept(actor=user("clerk_c001001"), item_code="WJ-C02", applicant_id=xie.pk)
    return ["/", "/cases/", f"/cases/{case.pk}/", "/residents/", "/inbox/", "/cases/apply/MZ-C01/", "/services/"]


# 长辈版's touch targets and text, measured in the browser: every visible button, link-button, nav link, form
# control and checkbox in <main> and the nav. A checkbox or radio is measured by its label, which is its touch
# target there (clicking the label ticks the box).
ELDER_MISFITS = """() => {
  const controls = new Set(document.querySelectorAll(
    "main :is(button, .btn, input, select, textarea), nav :is(button, .btn, .nav-link, input, select, textarea)"));
  const misfits = [];
  for (const el of controls) {
    if (el.type === "hidden" || !el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    const tick = el.type === "checkbox" || el.type === "radio";
    const target = tick ? (el.labels && el.labels[0]) || el : el;
    const box = target.getBoundingClientRect();
    const text = parseFloat(getComputedStyle(target).fontSize);
    if (box.height < 60 || box.width < 60 || text < 24) {
      misfits.push([el.outerHTML.slice(0, 80), Math.round(box.width), Math.round(box.height), text]);
    }
  }
  return misfits;
}"""
ELDER_TYPE = """() => {
  const size = (sel) => Array.from(document.querySelectorAll(sel)).filter(e => e.getClientRects().length)
    .map(e => parseFloat(getComputedStyle(e).fontSize));
  return {badges: size("main .badge, nav .badge"), h1: size("main h1"), h2: size("main h2"),
          body: parseFloat(getComputedStyle(document.body).fontSize)};
}"""


def elder_on(page) -> None:
    page.click("[data-testid=elder-switch]")
    page.wait_for_selector("html.ds-elder", state="attached")


def test_public_pages_pass_axe_in_both_layouts(world, phone_page):
    page = phone_page
    found_: dict[str, list[str]] = {}
    for path in public_pages():
        page.goto(path)
        if found_here := violations(page):
            found_[path] = found_here
    page.goto("/services/")
    elder_on(page)
    for path in public_pages():
        page.goto(path)
        if found_here := violations(page):
            found_[f"{path} (长辈版)"] = found_here
    assert not found_, found_


def test_resident_pages_pass_axe_and_the_elder_layout_meets_the_rules(world, phone_page):
    page = phone_page
    login(page, "13800000001")
    found_: dict[str, list[str]] = {}
    paths = resident_pages()
    for path in paths:
        page.goto(path)
        if found_here := violations(page):
            found_[path] = found_here
    elder_on(page)
    for path in paths:
        page.goto(path)
        if found_here := violations(page):
            found_[f"{path} (长辈版)"] = found_here
    assert not found_, found_
    page.goto("/cases/")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    line = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('main p'));"
                         " return parseFloat(s.lineHeight) / parseFloat(s.fontSize); })()")
    assert size >= 24 and line >= 1.3  # 18 pt = 24 px
    heights = page.evaluate("Array.from(document.querySelectorAll('main .btn, nav .btn')).filter(b => b.offsetParent)"
                            ".map(b => [b.getBoundingClientRect().height, b.getBoundingClientRect().width])")
    assert heights and all(h >= 60 and w >= 60 for h, w in heights), heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 376


def test_the_read_aloud_button_speaks_the_page_in_chinese(world, phone_page):
    page = phone_page
    page.add_init_script("""
      window.__spoken = [];
      window.speechSynthesis.speak = function (u) { window.__spoken.push([u.lang, u.text]); };
    """)
    page.goto("/services/MZ-C01/")
    page.click("[data-testid=speak]")
    spoken = page.evaluate("window.__spoken")
    assert spoken and spoken[0][0] == "zh-CN" and "材料" in spoken[0][1]


def test_the_elder_layout_gives_every_control_a_60px_target_and_24px_text(world, phone_page):
    page = phone_page
    login(page, "13800000002")
    page.goto("/services/MZ-C01/")
    elder_on(page)
    problems: dict[str, object] = {}
    boxes = 0
    for path in ("/services/MZ-C01/", "/cases/apply/MZ-C01/", "/cases/"):
        page.goto(path)
        page.wait_for_selector("html.ds-elder", state="attached")
        boxes += page.locator("main input[type=checkbox]").count()
        if misfits := page.evaluate(ELDER_MISFITS):
            problems[path] = misfits
        sizes = page.evaluate(ELDER_TYPE)
        headings_step_down = all(h1 > h2 >= sizes["body"] for h1 in sizes["h1"] for h2 in sizes["h2"])
        if not (sizes["body"] >= 24 and all(b >= 18 for b in sizes["badges"]) and headings_step_down):
            problems[f"{path} type"] = sizes
        if found_here := violations(page):
            problems[f"{path} axe"] = found_here
        if page.evaluate("document.documentElement.scrollWidth") > 375:
            problems[f"{path} width"] = page.evaluate("document.documentElement.scrollWidth")
    assert not problems, problems
    assert boxes  # the apply page's consent box was among those measured


def test_read_aloud_on_a_case_page_skips_the_tracking_address_and_the_qr_code(world, phone_page):
    page = phone_page
    page.add_init_script("""
      window.__spoken = [];
      window.speechSynthesis.speak = function (u) { window.__spoken.push([u.lang, u.text]); };
    """)
    login(page, "13800000001")
    case_page = resident_pages()[2]
    page.goto(case_page)
    track_url = page.text_content("[data-testid=track-url]").strip()
    assert track_url
    page.click("[data-testid=speak]")
    text = page.evaluate("window.__spoken")[0][1]
    case = Case.objects.get(pk=int(case_page.strip("/").rsplit("/", 1)[1]))
    assert case.number in text and case.item.name in text
    assert track_url not in text and "/t/" not in text and "http" not in text
