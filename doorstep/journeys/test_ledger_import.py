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
