"""The scope matrix: every role against residents inside and outside its scope. Outside and missing give the
same NotFound (and the same 404 page), so nothing leaks by the difference."""

import re

import pytest
from django.test import Client

from doorstep.conftest import OTHER_DISTRICT, found, user
from doorstep.core.crypto import decrypt
from doorstep.core.errors import NotFound
from doorstep.demo.build import DEMO_PASSWORD
from doorstep.registry.models import Resident
from doorstep.registry.selectors import resident_get_for_user, resident_search_for_user

DISTRICT, STREET, COMMUNITY, GRID = "430302", "430302001", "430302001001", "430302001001003"

# username → the path prefix it may see (None: no residents at all); "household" for residents
EXPECTED = {
    "admin": DISTRICT, "leader": DISTRICT, "dispatcher": DISTRICT, "approver": DISTRICT,
    "clerk_s01a": DISTRICT,  # 全区通办: any window serves the whole district (by search only)
    "clerk_c001001": DISTRICT,
    "approver_s01": STREET, "leader_s01": STREET, "dispatcher_s01": STREET, "admin_s01": STREET,
    "supervisor_c001001": COMMUNITY,
    "gw_001001003": GRID, "assistant_001001003": GRID,
    "dept_cg": None, "volunteer1": None,
    "clerk_other": OTHER_DISTRICT,
    "13800000001": "household",
}


@pytest.fixture
def sample_residents(db):
    """One resident per grid of the demo, plus the other district's residents."""
    seen, picked = set(), []
    for r in Resident.objects.order_by("path", "id").select_related("household"):
        if r.path not in seen:
            seen.add(r.path)
            picked.append(r)
    return picked


def _visible(username: str, resident: Resident, account) -> bool:
    rule = EXPECTED[username]
    if rule is None:
        return False
    if rule == "household":
        return resident.household_id == account.resident.household_id
    return resident.path.startswith(rule)


def _opens(account, resident) -> bool:
    try:
        return resident_get_for_user(account, resident.pk).pk == resident.pk
    except NotFound as err:
        assert err.message == NotFound().message
        return False


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_every_role_sees_exactly_its_scope(username, sample_residents):
    """Roles with a place see it; window clerks (全区通办) search the district but open only whom a search of
    theirs showed, or the applicants of cases at their window."""
    from doorstep.accounts.roles import Scope
    from doorstep.cases.selectors import cases_browsable

    account = user(username)
    own = [account.resident] if account.resident_id else []
    if account.resident_scope == Scope.DISTRICT_SEARCH:
        served = set(cases_browsable(account).values_list("applicant_id", flat=True))
        for resident in sample_residents:
            assert _opens(account, resident) is (_visible(username, resident, account) and resident.pk in served)
        found(account, *[r.pk for r in sample_residents])
    for resident in sample_residents + own:
        assert _opens(account, resident) is _visible(username, resident, account), resident.path


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["clerk_s01a", "gw_001001003", "leader_s01", "clerk_other", "admin"])
def test_search_by_id_number_never_finds_out_of_scope(username, sample_residents):
    account = user(username)
    for resident in sample_residents:
        number = decrypt(resident.id_number_enc)
        result = resident_search_for_user(account, query=number)
        expected = 1 if _visible(username, resident, account) else 0
        assert result.page.total == expected, (username, resident.path)


@pytest.mark.django_db
def test_out_of_scope_and_missing_look_the_same_over_http(sample_residents):
    client = Client()
    assert client.post("/accounts/login/", {"username": "gw_001001003", "password": DEMO_PASSWORD}).status_code == 302
    outside = next(r for r in sample_residents if not r.path.startswith(GRID))
    inside = next(r for r in sample_residents if r.path.startswith(GRID))
    assert client.get(f"/residents/{inside.pk}/").status_code == 200
    out_page = client.get(f"/residents/{outside.pk}/")
    missing = client.get("/residents/999999999/")
    assert out_page.status_code == missing.status_code == 404
    # the only differences allowed: the per-render CSRF mask and the page's own address in the language switch
    token = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value="|name="next" value=")[^"]+"')
    assert token.sub(b"", out_page.content) == token.sub(b"", missing.content)
    reveal = client.post(f"/residents/{outside.pk}/reveal/", {"field": "id_number", "reason": "核对身份信息"})
    assert reveal.status_code == 404


@pytest.mark.django_db
def test_clerk_cannot_browse_the_population_without_a_query():
    result = resident_search_for_user(user("clerk_s01a"), query="")
    assert result.kind == "empty" and result.page.total == 0
    grid_worker = resident_search_for_user(user("gw_001001003"), query="")
    assert grid_worker.page.total == Resident.objects.filter(path=GRID).count() > 0
