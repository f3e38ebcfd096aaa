"""The Content-Security-Policy in a real browser: the main pages of several roles load in Chromium with no violation
(no inline script, handler or eval, nothing from another host); print buttons and htmx still work without inline
script; the API docs render Swagger UI from our own static files and ask no other host for anything."""

import pytest

from doorstep.cases.models import Case
from doorstep.conftest import accept, user
from doorstep.registry.models import Resident

from .conftest import watch_csp
from .test_clerk_reveal import login

pytestmark = pytest.mark.browser
# window.print() opens a dialog headless Chromium cannot close; count the calls instead
COUNT_PRINTS = "window.__prints = 0; window.print = function () { window.__prints += 1; };"


@pytest.fixture
def watched(browser, live_server):
    """A desktop page whose CSP violations and requests to other hosts the test reads as it goes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url, locale="zh-CN")
    violations = watch_csp(context)
    context.add_init_script(COUNT_PRINTS)
    elsewhere: list[str] = []
    context.on("request", lambda r: elsewhere.append(r.url)
               if not r.url.startswith((live_server.url, "data:", "blob:", "about:")) else None)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page, violations, elsewhere
    context.close()


def visit(page, violations, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    assert not violations, f"{path}: {violations}"


def test_main_pages_of_each_role_load_without_csp_violations(world, watched):
    page, violations, elsewhere = watched
    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    case = accept(actor=user("clerk_c001001"), item_code="MZ-S01", applicant_id=xie.pk)

    for path in ["/services/", "/services/MZ-C01/", f"/t/{case.public_code}/", "/verify/not-a-code/"]:
        visit(page, violations, path)

    login(page, "clerk_c001001")
    for path in ["/", "/window/", "/cases/", "/cases/supervision/", "/inbox/"]:
        visit(page, violations, path)
    visit(page, violations, f"/cases/{case.pk}/")
    page.click("[data-testid=print-receipt]")  # the receipt's own A4 page (cases/print_views.py) …
    page.wait_for_selector("[data-testid=receipt]")
    assert not violations, violations
    page.click("[data-testid=print]")  # … whose print button is data-print, handled by doorstep.js
    assert page.evaluate("window.__prints") == 1
    visit(page, violations, "/residents/")  # the search swaps its results in with htmx
    page.fill("#q", "xxb")
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=search-count], [data-testid=search-empty], [data-testid=search-error]")
    assert not violations, violations
    page.context.clear_cookies()

    login(page, "admin")
    for path in ["/", "/org/", "/audit/", "/catalog-admin/", "/grids/", "/admin/", "/admin/org/servicecenter/"]:
        visit(page, violations, path)
    page.context.clear_cookies()

    login(page, "13800000001")
    for path in ["/", "/cases/", "/inbox/", "/cases/apply/MZ-C01/"]:
        visit(page, violations, path)
    assert not elsewhere, elsewhere
    assert Case.objects.filter(pk=case.pk).exists()


def test_api_docs_render_swagger_ui_from_our_own_static_files(world, watched):
    page, violations, elsewhere = watched
    visit(page, violations, "/api/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "doorstep API" in page.text_content(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")  # the operations, read from /api/v1/openapi.json
    assert not violations, violations
    assert not elsewhere, elsewhere
