"""The small demo: counts, contiguity (grids tile communities, buildings inside their grid), no orphan rows,
valid and consistent ID numbers, determinism for a seed."""

import random

import pytest
from django.db.models import Count

from doorstep.core.crypto import decrypt
from doorstep.core.idnumbers import CHECKED_TYPES, id_birth_date, id_gender, validate_id_number
from doorstep.demo.layout import plan_district
from doorstep.demo.people import PeopleFactory
from doorstep.org.models import GridTeamMember, OrgNode, Post, ServiceCenter
from doorstep.registry.models import Building, Household, Resident

pytestmark = pytest.mark.django_db
DISTRICT = "430302"


def _bounds(geometry):
    ring = geometry["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def test_counts_match_the_small_scale():
    assert OrgNode.objects.filter(code__startswith=DISTRICT, level="street").count() == 1
    assert OrgNode.objects.filter(code__startswith=DISTRICT, level="community").count() == 4
    grids = OrgNode.objects.filter(code__startswith=DISTRICT, level="grid").count()
    assert 8 <= grids <= 16
    households = Household.objects.filter(path__startswith=DISTRICT).count()
    assert 1300 <= households <= 1500
    residents = Resident.objects.filter(path__startswith=DISTRICT).count()
    assert 2.2 <= residents / households <= 3.0
    sizes = Household.objects.filter(path__startswith=DISTRICT).annotate(n=Count("members")).values_list("n", flat=True)
    assert min(sizes) >= 1 and max(sizes) <= 6
    assert ServiceCenter.objects.filter(org_node__code__startswith=DISTRICT).count() == 5
    assert Post.objects.filter(holder_a__isnull=False, holder_b__isnull=False).count() == 5


def test_grids_tile_their_community_without_gaps_or_overlaps():
    """The grids are the partitioner's Voronoi shapes: together exactly the community, pairwise no overlap."""
    import shapely
    from shapely.geometry import shape

    for community in OrgNode.objects.filter(code__startswith=DISTRICT, level="community"):
        outline = shape(community.geometry)
        grids = [shape(g.geometry) for g in community.children.all()]
        union = shapely.union_all(grids)
        assert union.symmetric_difference(outline).area <= outline.area * 1e-9
        assert sum(g.area for g in grids) == pytest.approx(outline.area, rel=1e-9)


def test_buildings_lie_inside_their_grid_and_paths_agree():
    from shapely.geometry import Point, shape

    grids = {g.code: shape(g.geometry) for g in OrgNode.objects.filter(code__startswith=DISTRICT, level="grid")}
    for b in Building.objects.filter(path__startswith=DISTRICT).select_related("grid"):
        assert b.grid.level == "grid" and b.grid.code == b.path
        assert grids[b.path].buffer(1e-9).contains(Point(b.longitude, b.latitude))


def test_no_orphan_rows():
    assert not Household.objects.exclude(path=models_f("building__path")).exists()
    assert not Resident.objects.exclude(path=models_f("household__path")).exists()
    assert not Building.objects.filter(path__startswith=DISTRICT, households__isnull=True).exists()
    for grid in OrgNode.objects.filter(code__startswith=DISTRICT, level="grid"):
        roles = sorted(GridTeamMember.objects.filter(grid=grid).values_list("team_role", flat=True))
        assert roles == ["assistant", "governor", "supervisor"]  # 1 + N + 1
        assert grid.parent.level == "community" and grid.code.startswith(grid.parent.code)


def models_f(name):
    from django.db.models import F

    return F(name)


def test_id_numbers_are_valid_and_consistent():
    for r in Resident.objects.filter(path__startswith=DISTRICT, document_type__in=CHECKED_TYPES).order_by("?")[:300]:
        number = decrypt(r.id_number_enc)
        assert validate_id_number(number) == number
        assert id_birth_date(number) == r.birth_date
        assert id_gender(number) == r.gender
        assert r.id_number_masked == number[:4] + "*" * 10 + number[-4:]


def test_generation_is_deterministic_for_a_seed():
    import datetime

    def sample(seed):
        rng = random.Random(seed)
        plans = plan_district("district", rng)
        factory = PeopleFactory(rng, datetime.date(2026, 11, 22))
        people = [p for _ in range(50) for p in factory.household()]
        return [g.households for s in plans for c in s.communities for g in c.grids], [
            (p.name, p.document.number, p.phone) for p in people]

    assert sample(7) == sample(7)
    assert sample(7) != sample(8)
    grids, _ = sample(2026)
    assert 300 <= len(grids) <= 350 and 110_000 <= sum(grids) <= 118_000


def test_the_district_leaves_one_street_uneven_for_the_redraw_journey():
    """Pure layout check (no database): the last street's hand-drawn grids vary widely, the others do not."""
    import statistics

    from doorstep.demo.layout import uneven_street_code

    plans = plan_district("district", random.Random(2026))
    uneven = uneven_street_code("district")
    assert uneven == plans[-1].code and uneven_street_code("small") is None

    def cv(street):
        sizes = [g.households for c in street.communities for g in c.grids]
        return statistics.pstdev(sizes) / statistics.fmean(sizes)

    assert cv(plans[-1]) > 0.2 and all(cv(s) < 0.1 for s in plans[:-1])


def test_household_numbers_look_like_those_on_a_household_register():
    """Issue #11, item 15: a 户号 as printed on a 居民户口簿 is nine digits, unique, not a sequence to walk; the
    story families' begin with 9, nobody else's does."""
    import re

    from doorstep.demo.build import STORY_RESIDENTS
    from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX

    numbers = list(Household.objects.filter(path__startswith=DISTRICT).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) > 1000
    assert all(re.fullmatch(r"[1-9]\d{8}", n) for n in numbers)
    story = [n for n in numbers if n.startswith(STORY_HOUSEHOLD_PREFIX)]
    assert len(story) == len({r[5] for r in STORY_RESIDENTS})
    assert set(Resident.objects.filter(name="谢小波", household__number__in=story).values_list(
        "household__number", flat=True))
    ordered = [int(n) for n in Household.objects.filter(path__startswith=DISTRICT).exclude(
        number__startswith=STORY_HOUSEHOLD_PREFIX).order_by("id").values_list("number", flat=True)[:50]]
    assert len({b - a for a, b in zip(ordered, ordered[1:], strict=False)}) > 1  # neighbours' numbers are not n, n+1


def test_staff_and_grid_teams_have_peoples_names():
    """Issue #11, item 15: every staff account — window clerks, approvers, leaders, grid teams (1 + N + 1),
    supervisors, departments — is a person with a Chinese name, not a post ("窗口人员甲", "第3网格协管员")."""
    import re

    from doorstep.accounts.models import User

    staff = list(User.objects.exclude(role="resident").exclude(username="clerk_other")
                 .values_list("username", "full_name"))
    assert len(staff) > 40
    for username, name in staff:
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name), (username, name)
        assert not re.search(r"员|网格|窗口|领导|社区|街道|管理|中心", name), (username, name)
    team = GridTeamMember.objects.filter(grid__code__startswith=DISTRICT).values_list("user__full_name", flat=True)
    assert len(set(team)) > 10
    names = [name for username, name in staff]
    assert len(set(names)) == len(names)  # unique, so a name tells who acted
    assert dict(staff)["gw_001001003"] == "王敏辉"


def test_every_service_center_has_a_phone_and_opening_hours():
    """Receipts and notices print the center's phone and hours: a station without them prints a gap."""
    from doorstep.core.phones import parse_phone

    centers = list(ServiceCenter.objects.filter(org_node__code__startswith=DISTRICT).prefetch_related("opening_hours"))
    assert centers
    phones = [c.phone for c in centers]
    assert all(parse_phone(p) and p.startswith("0731-5") for p in phones), phones
    assert len(set(phones)) == len(phones)
    assert all(c.opening_hours.all() for c in centers)


def test_the_demo_carries_real_input_locals_born_before_their_code_and_other_documents():
    """Issue #12: older locals hold the district's own code (430302, from 1984), as in life; migrants include dotted
    names and residence-permit holders; some elderly residents have only a landline."""
    import datetime

    from doorstep.core.idnumbers import DocumentType
    from doorstep.demo.people import DOTTED_NAMES, PeopleFactory

    old_locals = Resident.objects.filter(path__startswith=DISTRICT, is_migrant=False, birth_date__year__lt=1984)
    assert old_locals.exists()
    for r in old_locals.order_by("?")[:50]:
        assert decrypt(r.id_number_enc).startswith(DISTRICT[:6])
    factory = PeopleFactory(random.Random(3), datetime.date(2026, 12, 1))
    people = [p for _ in range(4000) for p in factory.household()]
    kinds = {p.document.type for p in people}
    assert {DocumentType.ID_CARD, DocumentType.HMT_RESIDENCE, DocumentType.FOREIGN_PERMANENT} <= kinds
    assert any(p.name in DOTTED_NAMES["M"] + DOTTED_NAMES["F"] for p in people)
    assert any(p.phone.startswith("0731") for p in people)
