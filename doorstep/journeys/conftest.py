"""Browser journeys: Playwright for Python driving Debian's Chromium (no browser download)."""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("DOORSTEP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between page steps are
# ordinary synchronous code, so Django's guard against ORM use inside async code does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# One Playwright and one Chromium per test process, however many modules use the fixture: test modules outside
# journeys/ import it (doorstep/incidents/tests), and each import is a fixture of its own — a second sync_playwright()
# while the first is open fails ("Sync API inside the asyncio loop"). The last user to finish closes it.
_shared: dict = {"users": 0}


@pytest.fixture(scope="session")
def browser():
    if not _shared["users"]:
        _shared["manager"] = sync_playwright()
        playwright = _shared["manager"].__enter__()
        _shared["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared["browser"].close()
            _shared.pop("manager").__exit__(None, None, None)


# Every page of every journey runs under the site's Content-Security-Policy: whatever the browser refuses (an inline
# script or handler, a style or image from elsewhere) is recorded here and fails the journey.
RECORD_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__doorstepCspViolation(location.pathname + ": " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


def watch_csp(context) -> list[str]:
    """Collect the context's CSP violations (the DOM event and Chromium's console report) into the returned list."""
    violations: list[str] = []
    context.expose_function("__doorstepCspViolation", lambda text: violations.append(text))
    context.add_init_script(RECORD_CSP_VIOLATIONS)
    context.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def _page(browser, live_server, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url,
                                  locale="zh-CN")
    violations = watch_csp(context)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page, violations


@pytest.fixture
def phone_page(browser, live_server):
    """A page 375 px wide, as on a phone, with the live server as base URL."""
    context, page, violations = _page(browser, live_server, 375, 812)
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def desk_page(browser, live_server):
    """A window clerk's desktop screen."""
    context, page, violations = _page(browser, live_server, 1280, 900)
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"
