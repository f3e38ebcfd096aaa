"""Issue #12 items 4 and 6 through the real pages: the district administrator downloads the template, uploads the
district's ledger, watches the background check finish, reads the report (counts, nothing written yet), confirms,
and the residents are in the registry and found by pinyin."""

import pytest
from huey.contrib.djhuey import HUEY

from doorstep.registry.models import Resident
from doorstep.registry.tests.ledger_fixtures import STREET, as_xlsx, awkward_ledger

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def test_district_admin_uploads_checks_confirms_and_the_ledger_is_imported(world, desk_page, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    page = desk_page
    HUEY.immediate = True  # the worker's code runs in the live server as each request commits
    try:
        login(page, "admin")
        page.goto("/")
        page.click("a[href='/residents/import/']")
        page.wait_for_selector("[data-testid=import-upload]")
        with page.expect_download() as download:
            page.click("[data-testid=import-template]")
        assert download.value.suggested_filename == "ledger-template.xlsx"
        page.set_input_files("#ledger-file", files=[{
            "name": "测试街道台账.xlsx", "buffer": as_xlsx(awkward_ledger(30)),
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
        page.click("[data-testid=import-submit]")
        page.wait_for_selector("[data-testid=import-checked]")
        assert page.get_attribute("[data-testid=import-status]", "data-state") == "checked"
        assert page.locator("[data-testid=count-new]").all_text_contents() == ["4", "5", "10", "30"]
        assert Resident.objects.filter(path__startswith=STREET).count() == 0
        page.click("[data-testid=import-confirm] button")
        page.wait_for_selector("[data-testid=import-done]")
        assert Resident.objects.filter(path__startswith=STREET).count() == 30
        page.goto("/residents/?q=maimaiti")
        page.wait_for_selector("text=买买提·艾力", state="attached")
    finally:
        HUEY.immediate = False


PROBLEM_CSV = ("姓名,证件号码,性别,户号,与户主关系,工作单位\n"
               "张三,430302198008080013,女,T91999999,子女,\n"  # the gender disagrees; no such household
               "李四,430302520312004,,T91999999,母亲,\n").encode()  # a 15-digit number (a note), the same household


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def _one_line(page, selector: str) -> bool:
    """Every element matching `selector` is one line high (sheet and column names not wrapped character by
    character)."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)].every(e => {
        const style = getComputedStyle(e);
        return e.getBoundingClientRect().height < 1.6 * parseFloat(style.lineHeight); })""", selector)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_import_page_and_a_report_with_problems_fit_a_phone(world, phone_page, settings, tmp_path, language):
    """Review finding (375 × 812): the import page overflowed by 4 px, the English summary table was 381 px wide,
    and the problems table wrapped sheet and column names one character per line. On a phone each problem is a
    card whose first line names sheet, row and column."""
    settings.VAR_DIR = tmp_path
    page = phone_page
    HUEY.immediate = True
    try:
        login(page, "admin")
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": page.url}])
        page.goto("/residents/import/")
        page.wait_for_selector("[data-testid=import-upload]")
        assert _fits(page)
        page.set_input_files("#ledger-file", files=[{"name": "居民名单.csv", "buffer": PROBLEM_CSV,
                                                     "mimeType": "text/csv"}])
        page.click("[data-testid=import-submit]")
        page.wait_for_selector("[data-testid=import-rejected]")
        assert _fits(page)
        cards = page.locator("[data-testid=import-problem-card]")
        assert cards.count() == 3 and cards.first.is_visible()
        assert not page.locator("[data-testid=import-problems]").is_visible()  # the table is for wider screens
        assert _one_line(page, "[data-testid=import-problem-card] > div:first-child")
        assert page.locator("[data-testid=import-counts]").is_visible()
        page.goto("/residents/import/")  # the list of the person's imports, now with one
        page.wait_for_selector("[data-testid=import-jobs]")
        assert _fits(page)
    finally:
        HUEY.immediate = False


def test_the_problems_table_keeps_sheet_row_and_column_on_one_line_on_a_desk(world, desk_page, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    page = desk_page
    HUEY.immediate = True
    try:
        login(page, "admin")
        page.goto("/residents/import/")
        page.set_input_files("#ledger-file", files=[{"name": "居民名单.csv", "buffer": PROBLEM_CSV,
                                                     "mimeType": "text/csv"}])
        page.click("[data-testid=import-submit]")
        page.wait_for_selector("[data-testid=import-rejected]")
        assert page.locator("[data-testid=import-problems]").is_visible()
        assert not page.locator("[data-testid=import-problem-cards]").is_visible()
        cells = "[data-testid=import-problems] tbody td:nth-child(-n+3)"
        assert page.locator(cells).count() == 9 and _one_line(page, cells)
    finally:
        HUEY.immediate = False
