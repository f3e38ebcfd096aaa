"""Pages show only what the user may do: crawl every page a demo role can reach from its home, follow every link
and press every button it renders, and find nothing behind them that refuses the user (403, 404, 5xx, or an error
message). Pressing a button runs inside a savepoint that is rolled back, so the crawl changes nothing.

Also: the staff pages refuse roles whose home does not offer them (a resident opening /window/ used to get an
empty staff page), and the reveal button is drawn only for roles with the capability."""

from urllib.parse import urljoin

import pytest
from django.contrib.messages import constants
from django.db import transaction
from django.test import Client

from doorstep.accounts.models import User
from doorstep.cases.models import Case
from doorstep.core.tests.htmlpages import SKIP_PREFIXES, walk
from doorstep.demo.build import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "dispatcher", "approver", "clerk_s01a", "approver_s01", "leader_s01", "admin_s01",
         "clerk_c001001", "supervisor_c001001", "gw_001001003", "volunteer1", "13800000001"]
PAGES_PER_ROLE = 80
PER_PATTERN = 3  # pages of one shape (ids replaced) visited per role: enough to meet each kind of button
FILLER = "经现场核实情况属实，按规定办理。"


def _filler(name: str, kind: str) -> str:
    if kind == "number":
        return "1"
    if kind == "date":
        return "2026-12-01"
    if "address" in name:
        return "城正街街道金地花园1栋101室"
    return FILLER


def _filled(form: dict) -> dict:
    """The form's fields as a person fills them: the page's values, text a person would type where it gave none."""
    fields = dict(form["fields"])
    for name, kind in form["types"].items():
        if kind == "textarea" or (not fields.get(name) and kind not in ("hidden", "checkbox", "radio", "select")):
            fields[name] = _filler(name, kind)
        elif kind == "checkbox" and name.startswith("confirm_"):  # a confirmation the page asks for, given
            fields[name] = "1"
    return fields


def _errors(response) -> list[str]:
    request = getattr(response, "wsgi_request", None)
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", []) if storage is not None else []
    return [m.message for m in queued if m.level >= constants.ERROR]


def crawl(username: str) -> tuple[int, int]:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    pages = presses = 0
    for url, response, parser in walk(client, limit=PAGES_PER_ROLE, per_shape=PER_PATTERN):
        assert response.status_code < 400, f"{username}: link {url} → {response.status_code}"
        pages += 1
        if parser is None:
            continue
        for form in parser.forms:
            action = urljoin(url, form["action"] or url)
            if form["method"] != "post" or form["file"] or action.startswith(SKIP_PREFIXES):
                continue
            data = {**_filled(form), **form["multi"]}
            for name, value in dict.fromkeys(form["buttons"]) or [(None, None)]:
                payload = {**data, **({name: value} if name else {})}
                with transaction.atomic():
                    pressed = client.post(action, payload, HTTP_HX_REQUEST="true" if "reveal" in action else "")
                    transaction.set_rollback(True)
                presses += 1
                assert pressed.status_code not in (403, 404) and pressed.status_code < 500, (
                    f"{username}: button on {url} → POST {action} {payload.get('action', '')} "
                    f"→ {pressed.status_code}")
                assert not _errors(pressed), f"{username}: button on {url} → {action}: {_errors(pressed)}"
    return pages, presses


@pytest.mark.parametrize("username", ROLES)
def test_every_link_and_button_a_role_is_shown_works_for_it(username):
    pages, _ = crawl(username)
    assert pages >= 2  # home and at least one page behind it


def test_a_department_sees_only_what_it_may_use():
    dept = User.objects.filter(role="department").first()
    dept.set_password(DEMO_PASSWORD)
    dept.save()
    pages, _ = crawl(dept.username)
    assert pages >= 1


STAFF_PAGES = ["/window/", "/cases/queue/", "/cases/supervision/", "/cases/reviews/", "/cases/deliveries/"]


@pytest.mark.parametrize("username", ["13800000001", "volunteer1"])
def test_staff_pages_refuse_residents_and_volunteers(username):
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "不能使用这个页面" in response.content.decode()


def test_each_staff_page_opens_for_exactly_the_roles_whose_home_offers_it():
    from django.urls import reverse

    from doorstep.accounts.pages import may_open
    from doorstep.accounts.roles import WORKSPACE

    # every page any role's home offers (the Django admin keeps its own gate: test_admin.py)
    names = {name for entries in WORKSPACE.values() for _, name in entries if name and name != "admin:index"}
    # everyone's own pages (the inbox, a resident's own cases) open for every signed-in person
    # and public pages (the catalog) for anyone
    urls = {reverse(name): name for name in names if reverse(name) not in ("/inbox/", "/cases/mine/")
            and Client().get(reverse(name)).status_code != 200}
    assert {"/org/", "/ratings/follow-ups/", "/window/", "/cases/"} <= set(urls)
    for username in ROLES:
        client = Client()
        client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        account = User.objects.get(username=username)
        for url, name in urls.items():
            status = client.get(url).status_code
            assert (status == 200) is may_open(account, name), (username, url, status)
            assert status in (200, 403), (username, url, status)


def test_no_reveal_button_without_the_capability_and_no_decision_buttons_elsewhere():
    from doorstep.cases.services import case_transition
    from doorstep.conftest import accept, user
    from doorstep.registry.models import Resident

    xie = Resident.objects.get(name="谢小波", path__startswith="430302")
    dispatcher = Client()
    dispatcher.post("/accounts/login/", {"username": "dispatcher", "password": DEMO_PASSWORD})
    page = dispatcher.get(f"/residents/{xie.pk}/").content.decode()
    assert xie.name in page and "reveal" not in page  # the dispatcher searches masked; no button that fails
    clerk = user("clerk_c001001")
    case = accept(actor=clerk, item_code="MZ-D01", applicant_id=xie.pk)
    case_transition(actor=clerk, case_id=case.pk, action="forward")
    case_transition(actor=user("approver_s01"), case_id=case.pk, action="forward",
                    confirm_unreceived=True)  # now at the district
    for username in ("clerk_c001001", "approver_s01", "leader_s01"):
        client = Client()
        client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        page = client.get(f"/cases/{case.pk}/").content.decode()
        assert 'data-testid="act-approve"' not in page and 'data-testid="act-reject"' not in page, username
        assert 'data-testid="act-withdraw"' not in page, username
    district = Client()
    district.post("/accounts/login/", {"username": "approver", "password": DEMO_PASSWORD})
    page = district.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="act-approve"' in page and 'data-testid="act-reject"' in page
    assert Case.objects.get(pk=case.pk).state == "in_review"
