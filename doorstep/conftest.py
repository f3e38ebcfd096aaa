"""Shared test fixtures: the small demo district is built once per test session (committed), plus a second,
unrelated district so that scope tests have residents that must never leak."""

import datetime
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password

from doorstep.accounts.models import User
from doorstep.accounts.roles import Role
from doorstep.demo.build import DEMO_PASSWORD, build_demo
from doorstep.org.models import OrgNode
from doorstep.registry.models import Building, Household, Resident
from doorstep.registry.services import resident_register

OTHER_DISTRICT = "430304"


def pytest_configure(config):
    """A run that was killed leaves the SQLite test database's -wal and -shm files behind; Django removes the
    database file itself but not those, and SQLite then fails with 'disk I/O error'. Start clean."""
    from django.conf import settings

    # Seals made in tests (rolled back with them) anchor to a throwaway file, never to the anchor of var/'s database.
    settings.DOORSTEP_AUDIT_ANCHOR = Path(tempfile.mkdtemp(prefix="doorstep-anchor-")) / "audit-anchor.log"
    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)


def build_other_district() -> None:
    """岳塘区（对照）: one street, community, grid, building and household with two residents and a clerk."""
    d = OrgNode.objects.create(code=OTHER_DISTRICT, name="岳塘区（对照）", level="district")
    s = OrgNode.objects.create(code=OTHER_DISTRICT + "001", name="对照街道", level="street", parent=d)
    c = OrgNode.objects.create(code=s.code + "001", name="对照社区", level="community", parent=s)
    g = OrgNode.objects.create(code=c.code + "001", name="对照网格", level="grid", parent=c)
    b = Building.objects.create(grid=g, path=g.code, code="OTHER-B1", name="对照小区1栋", address="岳塘区对照小区1栋",
                                latitude=27.86, longitude=112.95, household_count=1)
    h = Household.objects.create(building=b, path=g.code, number="OTHER-H1", room="101室")
    resident_register(actor=None, household=h, name="谢小波", gender="M", birth_date=datetime.date(1990, 3, 7),
                      id_number="430304199003070011"[:17] + _check("43030419900307001"), phone="13900000009")
    resident_register(actor=None, household=h, name="对照乙", gender="F", birth_date=datetime.date(1992, 5, 1),
                      id_number="43030419920501002" + _check("43030419920501002"), relation="spouse")
    User.objects.create(username="clerk_other", full_name="对照窗口", role=Role.CLERK, org_node=s,
                        password=make_password(DEMO_PASSWORD))


def _check(first17: str) -> str:
    from doorstep.core.idnumbers import complete_id_number

    return complete_id_number(first17)[-1]


def build_world() -> None:
    build_demo(scale="small", seed=2026)
    build_other_district()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_world()


@pytest.fixture
def world(transactional_db):
    """For transactional (browser, concurrency) tests: the flush before them removed the session data."""
    if not OrgNode.objects.filter(code="430302").exists():
        build_world()


def user(username: str) -> User:
    return User.objects.select_related("org_node", "resident").get(username=username)


def resident_in(path_prefix: str) -> Resident:
    return Resident.objects.filter(path__startswith=path_prefix).order_by("id").first()


def found(actor, *resident_ids) -> None:
    """What a window clerk's search leaves behind: the residents it showed may be opened (SearchGrant). Tests that
    take someone in at a window call this the way the clerk would have searched for them first."""
    from doorstep.registry.models import SearchGrant
    from doorstep.registry.services import search_grants_record

    ids = [i for i in resident_ids if str(i).isdigit()]  # tests of bad ids pass them on unfound
    search_grants_record(actor=actor, kind=SearchGrant.Kind.RESIDENT, object_ids=ids)


def accept(*, actor, item_code: str, applicant_id, **kwargs):
    """Accept at the window the way a clerk does with everything in order: every paper material ticked as present
    and the applicant's consent to the shared-data checks given (tests of the checks themselves pass their own),
    under a fresh submission key unless the test passes one."""
    from doorstep.cases.services import case_accept_at_window
    from doorstep.catalog.models import MaterialRequirement
    from doorstep.core.idempotency import new_key

    kwargs.setdefault("materials_present",
                      list(MaterialRequirement.objects.filter(item__code=item_code).values_list("id", flat=True)))
    kwargs.setdefault("consent", True)
    kwargs.setdefault("idempotency_key", new_key())
    found(actor, applicant_id)
    return case_accept_at_window(actor=actor, item_code=item_code, applicant_id=applicant_id, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_audit_anchor():
    """Each test starts with no anchor file: the seals an earlier test anchored were rolled back with it."""
    from django.conf import settings

    Path(settings.DOORSTEP_AUDIT_ANCHOR).unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _fresh_work_calendar():
    """Each test reads the holiday table, the catalog, the grids' shapes and the incident categories afresh: what an
    earlier (rolled back) test cached must not leak."""
    from doorstep.calendar.selectors import work_calendar_changed
    from doorstep.catalog.selectors import catalog_changed
    from doorstep.hall.services.booking import _shapes
    from doorstep.incidents.geo import grids_changed
    from doorstep.incidents.services.intake import categories_changed

    for changed in (work_calendar_changed, catalog_changed, grids_changed, categories_changed, _shapes.clear):
        changed()
    yield
    for changed in (work_calendar_changed, catalog_changed, grids_changed, categories_changed, _shapes.clear):
        changed()
