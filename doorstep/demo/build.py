"""Build the demo district: org tree, service centers, departments, staff for every role at every level, buildings,
households, residents (encrypted personal data), income records, grid teams and a few story accounts.

Rows are written in bulk through the Django connection (explicit primary keys, executemany), street by street, so
that the district scale fits in about a minute and well under 2 GiB. Deterministic for a given seed (ciphertexts
differ run to run because their nonces are random; everything a person reads is the same).
"""

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.accounts.roles import Role
from doorstep.audit.services import audit_record
from doorstep.core.bulk import deferred_indexes
from doorstep.core.crypto import blind_index, encrypt
from doorstep.core.names import name_pinyin, plain_name_keys
from doorstep.core.phones import mask_phone
from doorstep.demo.layout import (
    DISTRICT_BOUNDS,
    DISTRICT_CODE,
    DISTRICT_NAME,
    SCALES,
    GridPlan,
    Rect,
    plan_district,
)
from doorstep.demo.people import (
    STORY_HOUSEHOLD_PREFIX,
    PeopleFactory,
    Person,
    StaffNames,
    household_number,
    story_household_number,
)
from doorstep.org.models import Department, GridTeamMember, OpeningHours, OrgNode, Post, ServiceCenter, Window
from doorstep.registry.models import Building, Household, IncomeRecord, Resident, ResidentNameKey

DEMO_PASSWORD = "Doorstep@2026"
STREET_WINDOWS = 6
COMMUNITY_WINDOWS = 2
BUILDING_SIZES = (12, 18, 24, 30, 36, 48, 60, 72)


@dataclass
class DemoStats:
    streets: int = 0
    communities: int = 0
    grids: int = 0
    buildings: int = 0
    households: int = 0
    residents: int = 0
    staff: int = 0
    cases: int = 0
    incidents: int = 0
    hall_tickets: int = 0
    wishes: int = 0


class BulkWriter:
    """Rows with explicit ids through the Django connection: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, model, columns: Sequence[str]):
        self.model = model
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        self.sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.copy_sql = f"COPY {table} ({cols}) FROM STDIN"
        start = model.objects.aggregate(m=Max("id"))["m"] or 0
        self.next_id = start + 1

    def take_id(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":  # COPY: several times faster than batched INSERTs
                with cur.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(self.sql, rows)


def demo_exists() -> bool:
    return OrgNode.objects.filter(code=DISTRICT_CODE).exists()


def _node(code: str, name: str, level: str, parent: OrgNode | None, rect: Rect) -> OrgNode:
    return OrgNode(code=code, name=name, level=level, parent=parent, geometry=rect.geojson())


def _hours(center: ServiceCenter, *, saturday: bool, staggered: bool) -> list[OpeningHours]:
    t = datetime.time
    rows = []
    for day in range(5):
        rows += [OpeningHours(center=center, weekday=day, opens=t(8, 30), closes=t(12, 0)),
                 OpeningHours(center=center, weekday=day, opens=t(14, 0), closes=t(17, 30))]
        if staggered and day in (1, 3):
            rows.append(OpeningHours(center=center, weekday=day, opens=t(17, 30), closes=t(20, 0),
                                     kind=OpeningHours.Kind.STAGGERED))
    if saturday:
        rows.append(OpeningHours(center=center, weekday=5, opens=t(9, 0), closes=t(12, 0)))
    return rows


def _staff(username: str, name: str, role: Role, node: OrgNode, password_hash: str, **extra) -> User:
    return User(username=username, full_name=name, role=role, org_node=node, password=password_hash,
                is_staff=(role == Role.ADMIN), **extra)


def build_demo(*, scale: str = "district", seed: int = 2026, progress=None) -> DemoStats:
    """Create the demo district. Precondition: no demo district yet (see demo_exists).

    Audit: one demo.build event. Side effects: thousands of rows; staff accounts all use DEMO_PASSWORD.
    """
    rng = random.Random(seed)
    today = timezone.localdate()
    plans = plan_district(scale, rng)
    names = StaffNames(random.Random(seed + 1), taken=STORY_NAMES)
    stats = DemoStats()
    # One argon2 hash for every demo account: hashing ~1,000 passwords separately would take most of a minute.
    password_hash = make_password(DEMO_PASSWORD)

    with transaction.atomic():
        district = OrgNode.objects.create(code=DISTRICT_CODE, name=DISTRICT_NAME, level="district",
                                          geometry=Rect(*DISTRICT_BOUNDS).geojson())
        # the 15 departments and the incident categories of the seed (incidents/data/categories.yaml)
        from doorstep.incidents.services.categories import categories_import_starter

        categories_import_starter()
        departments = list(Department.objects.filter(org_node=district).order_by("code"))
        users: list[User] = [
            _staff("admin", names(), Role.ADMIN, district, password_hash, is_auditor=True),
            _staff("leader", names(), Role.LEADER, district, password_hash),
            _staff("dispatcher", names(), Role.DISPATCHER, district, password_hash),
            _staff("approver", names(), Role.APPROVER, district, password_hash),
        ]
        users += [_staff(f"dept_{d.code.split('-')[1]}", names(), Role.DEPARTMENT, district, password_hash,
                         department=d) for d in departments]
        users += [User(username=f"volunteer{i}", full_name=n, role=Role.VOLUNTEER, password=password_hash)
                  for i, n in enumerate(["李哲", "周敏", "陈晓东"], start=1)]

        nodes: list[OrgNode] = []
        grid_plans: list[tuple[GridPlan, str]] = []  # (plan, street code)
        centers: list[tuple[ServiceCenter, bool]] = []
        for sp in plans:
            street = _node(sp.code, sp.name, "street", district, sp.rect)
            nodes.append(street)
            stats.streets += 1
            centers.append((ServiceCenter(org_node=street, name=f"{sp.name}便民服务中心",
                                          address=f"{sp.name}政务服务大厅", phone="0731-5" + sp.code[-3:] + "0000",
                                          latitude=(sp.rect.y0 + sp.rect.y1) / 2,
                                          longitude=(sp.rect.x0 + sp.rect.x1) / 2), True))
            n = sp.code[-2:]
            users += [
                _staff(f"clerk_s{n}a", names(), Role.CLERK, street, password_hash),
                _staff(f"clerk_s{n}b", names(), Role.CLERK, street, password_hash),
                _staff(f"approver_s{n}", names(), Role.APPROVER, street, password_hash),
                _staff(f"leader_s{n}", names(), Role.LEADER, street, password_hash),
                _staff(f"dispatcher_s{n}", names(), Role.DISPATCHER, street, password_hash),
                _staff(f"admin_s{n}", names(), Role.ADMIN, street, password_hash),
            ]
            for cp in sp.communities:
                community = _node(cp.code, cp.name, "community", street, cp.rect)
                nodes.append(community)
                stats.communities += 1
                centers.append((ServiceCenter(org_node=community, name=f"{cp.name}党群服务站",
                                              address=f"{cp.name}居委会一楼",
                                              # receipts print it: Xiangtan's 0731-5xxxxxxx, from the code
                                              phone="0731-58" + cp.code[-6:],
                                              latitude=(cp.rect.y0 + cp.rect.y1) / 2,
                                              longitude=(cp.rect.x0 + cp.rect.x1) / 2), False))
                c = cp.code[-6:]
                users += [
                    _staff(f"clerk_c{c}", names(), Role.CLERK, community, password_hash),
                    _staff(f"supervisor_c{c}", names(), Role.SUPERVISOR, community, password_hash),
                ]
                for gp in cp.grids:
                    nodes.append(_node(gp.code, gp.name, "grid", community, gp.rect))
                    grid_plans.append((gp, sp.code))
                    stats.grids += 1
        # parents must exist before children: streets, then communities, then grids
        for level in ("street", "community", "grid"):
            batch = [n for n in nodes if n.level == level]
            for n in batch:
                if n.parent is not None and n.parent.pk is None:
                    n.parent = next(p for p in nodes if p.code == n.code[: len(n.code) - 3])
            OrgNode.objects.bulk_create(batch, batch_size=1000)
        by_code = {n.code: n for n in nodes}

        ServiceCenter.objects.bulk_create([c for c, _ in centers])
        windows, hours = [], []
        for center, is_street in centers:
            count = STREET_WINDOWS if is_street else COMMUNITY_WINDOWS
            windows += [Window(center=center, number=i, name=f"{i}号综合窗口", is_general=True)
                        for i in range(1, count + 1)]
            hours += _hours(center, saturday=is_street, staggered=True)
        Window.objects.bulk_create(windows)
        OpeningHours.objects.bulk_create(hours)

        grid_users = []
        for gp, _ in grid_plans:
            g = gp.code[-9:]
            grid_users.append(_staff(f"gw_{g}", _grid_worker_name(names, gp.code), Role.GRID_WORKER,
                                     by_code[gp.code], password_hash))
            grid_users.append(_staff(f"assistant_{g}", names(), Role.GRID_WORKER, by_code[gp.code], password_hash))
        User.objects.bulk_create(users + grid_users, batch_size=1000)
        stats.staff = len(users) + len(grid_users)
        saved = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users + grid_users])}
        for department in departments:  # each department's account is its head: overdue orders go to them first
            department.head = saved[f"dept_{department.code.split('-')[1]}"]
        Department.objects.bulk_update(departments, ["head"])
        # the command centers' 值班长 (GB/T 30428.1): the district's dispatcher, each street's dispatcher
        Post.objects.bulk_create(
            [Post(org_node=district, name="区指挥中心值班长", holder_a=saved["dispatcher"], duty="duty_chief")]
            + [Post(org_node=n, name=f"{n.name}指挥中心值班长", holder_a=saved[f"dispatcher_s{n.code[-2:]}"],
                    duty="duty_chief") for n in nodes if n.level == "street"])

        team = []
        for gp, _ in grid_plans:
            g, c = gp.code[-9:], gp.code[6:12]
            team += [GridTeamMember(grid=by_code[gp.code], user=saved[f"gw_{g}"], team_role="governor"),
                     GridTeamMember(grid=by_code[gp.code], user=saved[f"assistant_{g}"], team_role="assistant"),
                     GridTeamMember(grid=by_code[gp.code], user=saved[f"supervisor_c{c}"], team_role="supervisor")]
        GridTeamMember.objects.bulk_create(team, batch_size=2000)
        posts = []
        for center, is_street in centers:
            node = center.org_node
            if is_street:
                n = node.code[-2:]
                a, b = saved[f"clerk_s{n}a"], saved[f"clerk_s{n}b"]
            else:
                a, b = saved[f"clerk_c{node.code[-6:]}"], saved[f"clerk_s{node.code[7:9]}b"]
            posts.append(Post(org_node=node, center=center, name=f"{center.name}综合受理岗", holder_a=a, holder_b=b))
        Post.objects.bulk_create(posts)

    from doorstep.catalog.services import catalog_import_starter

    catalog_import_starter()
    _build_population(grid_plans, by_code, rng, today, stats, progress)
    stats.grids = _draw_grids(scale, password_hash, names, progress)
    _story_accounts(password_hash)
    from doorstep.demo.history import build_case_history  # it builds on this module's bulk writer

    history = build_case_history(district_code=DISTRICT_CODE, per_street_month=SCALES[scale]["cases_per_street_month"],
                                 seed=seed, today=today, progress=progress)
    stats.cases = history.cases
    from doorstep.demo.changes import build_change_requests

    build_change_requests(today=today)
    from doorstep.demo.incidents import build_incident_history

    stats.incidents = build_incident_history(today=today, seed=seed, scale=scale, progress=progress)
    from doorstep.demo.hall import build_hall_history  # after incidents: their residents' accounts book too

    stats.hall_tickets = build_hall_history(district_code=DISTRICT_CODE, today=today, seed=seed,
                                            progress=progress).tickets
    from doorstep.demo.wishes import build_wishes_history  # volunteers, wishes, activities (issue #15)

    stats.wishes = build_wishes_history(district_code=DISTRICT_CODE, seed=seed, progress=progress).wishes
    audit_record(actor=None, actor_label="doorstep demo", action="demo.build",
                 summary={"scale": scale, "seed": seed, "residents": stats.residents})
    return stats


def _draw_grids(scale: str, password_hash: str, names: StaffNames, progress=None) -> int:
    """Replace the generator's rectangles by grids the partitioner draws (issue 4), street by street, through the
    same propose-and-apply services an administrator uses — except the one street left uneven on purpose. New
    grids get a grid worker and an assistant. Returns the number of grids."""
    from doorstep.core.idempotency import new_key
    from doorstep.demo.layout import SCALES, uneven_street_code
    from doorstep.partition.services import grids_apply, grids_propose

    target = SCALES[scale]["grid_target"]
    streets = list(OrgNode.objects.filter(level="street", code__startswith=DISTRICT_CODE).order_by("code"))
    task = progress.add_task("划分网格", total=len(streets)) if progress else None
    for street in streets:
        if street.code != uneven_street_code(scale):
            proposal = grids_propose(actor=None, scope_code=street.code, target=target, idempotency_key=new_key())
            grids_apply(actor=None, proposal_id=proposal.pk)
        if progress:
            progress.advance(task)
    lacking = OrgNode.objects.filter(level="grid", code__startswith=DISTRICT_CODE).exclude(
        team_members__team_role="governor")
    for grid in lacking.select_related("parent"):
        g = grid.code[-9:]
        governor = _staff(f"gw_{g}", _grid_worker_name(names, grid.code), Role.GRID_WORKER, grid, password_hash)
        assistant = _staff(f"assistant_{g}", names(), Role.GRID_WORKER, grid, password_hash)
        User.objects.bulk_create([governor, assistant])
        GridTeamMember.objects.bulk_create([GridTeamMember(grid=grid, user=governor, team_role="governor"),
                                            GridTeamMember(grid=grid, user=assistant, team_role="assistant")])
    return OrgNode.objects.filter(level="grid", code__startswith=DISTRICT_CODE).count()


def _grid_worker_name(names: StaffNames, code: str) -> str:
    # Journey 10: grid 3 of the first community is Wang Minghui's; journey 11: Li Jing holds grid 1 of the second.
    if code.endswith("001001003"):
        return "王敏辉"
    if code.endswith("001002001"):
        return "李静"
    return names()


def _spread(rect: Rect, n: int, rng: random.Random) -> Iterable[tuple[float, float]]:
    """n points on a jittered lattice strictly inside the rectangle."""
    cols = max(1, round((n * (rect.x1 - rect.x0) / max(rect.y1 - rect.y0, 1e-9)) ** 0.5))
    rows = -(-n // cols)
    dx, dy = (rect.x1 - rect.x0) / cols, (rect.y1 - rect.y0) / rows
    for i in range(n):
        r, c = divmod(i, cols)
        yield (rect.x0 + (c + 0.5 + rng.uniform(-0.3, 0.3)) * dx, rect.y0 + (r + 0.5 + rng.uniform(-0.3, 0.3)) * dy)


def _build_population(grid_plans, by_code, rng, today, stats: DemoStats, progress) -> None:
    factory = PeopleFactory(rng, today)
    b_writer = BulkWriter(Building, ["id", "grid_id", "path", "code", "name", "address", "latitude", "longitude",
                                     "household_count"])
    h_writer = BulkWriter(Household, ["id", "building_id", "path", "number", "room", "kind"])
    r_writer = BulkWriter(Resident, [
        "id", "household_id", "path", "name", "name_pinyin", "name_initials", "gender", "birth_date", "document_type",
        "id_number_enc", "id_number_index", "id_number_masked", "phone_enc", "phone_index", "phone_masked",
        "relation", "is_elderly_alone", "is_disabled", "is_low_income", "is_migrant", "is_party_member",
        "is_veteran", "employer", "status", "moved_to"])
    i_writer = BulkWriter(IncomeRecord, ["id", "household_id", "resident_id", "year", "kind", "amount", "source"])
    k_writer = BulkWriter(ResidentNameKey, ["id", "resident_id", "key", "path", "name"])
    income_year = today.year - 1
    task = progress.add_task("居民与住户", total=sum(gp.households for gp, _ in grid_plans)) if progress else None
    street_of = {}
    for gp, street_code in grid_plans:
        street_of.setdefault(street_code, []).append(gp)
    building_seq = 0
    estate_seq: dict[str, int] = {}
    with deferred_indexes(Building, Household, Resident, IncomeRecord, ResidentNameKey):
        for grids in street_of.values():
            buildings, households, residents, incomes, keys = [], [], [], [], []
            with transaction.atomic():
                for gp in grids:
                    grid = by_code[gp.code]
                    sizes, left = [], gp.households
                    while left > 0:
                        s = min(left, rng.choice(BUILDING_SIZES))
                        sizes.append(s)
                        left -= s
                    estate = grid.parent.name.removesuffix("社区")
                    for (lon, lat), size in zip(_spread(gp.rect, len(sizes), rng), sizes, strict=True):
                        building_seq += 1
                        bid = b_writer.take_id()
                        estate_seq[estate] = estate_seq.get(estate, 0) + 1
                        bname = f"{estate}{estate_seq[estate]}栋"
                        buildings.append((bid, grid.pk, gp.code, f"{gp.code}B{building_seq:05d}", bname,
                                          f"湘潭市雨湖区{grid.parent.parent.name}{bname}", round(lat, 6), round(lon, 6),
                                          size))
                        for k in range(size):
                            hid = h_writer.take_id()
                            room = f"{k // 4 + 1}{k % 4 + 1:02d}室"
                            members = factory.household()
                            kind = "residing" if members[0].flags["is_migrant"] else "registered"
                            households.append((hid, bid, gp.code, household_number(hid), room, kind))
                            for person in members:
                                rid = r_writer.take_id()
                                residents.append(_resident_row(rid, hid, gp.code, person))
                                keys.extend((k_writer.take_id(), rid, key, gp.code, person.name)
                                            for key in plain_name_keys(person.name).keys)
                                if person.income:
                                    incomes.append((i_writer.take_id(), hid, rid, income_year, person.income[0],
                                                    person.income[1], "申报"))
                        if progress:
                            progress.advance(task, size)
                b_writer.write(buildings)
                h_writer.write(households)
                r_writer.write(residents)
                i_writer.write(incomes)
                k_writer.write(keys)
            stats.buildings += len(buildings)
            stats.households += len(households)
            stats.residents += len(residents)
    _reset_sequences([Building, Household, Resident, IncomeRecord, ResidentNameKey])
    # Fresh statistics, so the planner knows a district-wide path range is not selective.
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _resident_row(rid: int, hid: int, path: str, p: Person) -> tuple:
    full, initials = name_pinyin(p.name)
    phone = p.phone
    f = p.flags
    return (rid, hid, path, p.name, full, initials, p.gender, p.birth_date, p.document.type,
            encrypt(p.document.number), blind_index("id", p.document.index_value), p.document.masked,
            encrypt(phone) if phone else None, blind_index("phone", phone) if phone else "",
            mask_phone(phone) if phone else "", p.relation, f["is_elderly_alone"], f["is_disabled"],
            f["is_low_income"], f["is_migrant"], f["is_party_member"], f["is_veteran"], p.employer, "active", "")


def _reset_sequences(models) -> None:
    sql = connection.ops.sequence_reset_sql(no_style(), models)
    if sql:
        with connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)


STORY_RESIDENTS = [
    # (name, gender, age, phone, community index, family key, relation) — journeys 1 and 2 of STORIES.md.
    # Xie Xiaobo is married with one child (second-child registration); the Jiangs are an elderly couple whose only
    # child lives elsewhere (only-child family annual review). A phone of "" means no login.
    ("谢小波", "M", 32, "13800000001", 1, "xie", "head"),
    ("刘芳", "F", 30, "", 1, "xie", "spouse"),
    ("谢朵朵", "F", 4, "", 1, "xie", "child"),
    ("姜建国", "M", 66, "13800000002", 0, "jiang", "head"),
    ("姜桂兰", "F", 64, "13800000003", 0, "jiang", "spouse"),
    ("邱建华", "M", 38, "13800000004", 1, "qiu", "head"),  # journey 6: remarriage birth certificate
    ("胡敏", "F", 35, "", 1, "qiu", "spouse"),
    ("王丽", "F", 29, "13800000005", 0, "wang", "head"),  # journey 7: business licence
]


STORY_FAMILIES = ["xie", "jiang", "qiu", "wang"]
# names STORIES.md gives to people (residents, grid workers, volunteers): no staff account takes one of them
STORY_NAMES = {r[0] for r in STORY_RESIDENTS} | {"王敏辉", "李静", "李哲", "周敏", "陈晓东", "丁雪琴"}


def story_households():
    """The story families' households (their 户号 begin with STORY_HOUSEHOLD_PREFIX, which no other demo household's
    does)."""
    return Household.objects.filter(number__startswith=STORY_HOUSEHOLD_PREFIX)


def _story_household(community, key: str) -> Household:
    """A household of its own for a story family, in the first building of the community."""
    building = Building.objects.filter(path__startswith=community.code).order_by("id").first()
    number = story_household_number(community.code, STORY_FAMILIES.index(key) + 1)
    return Household.objects.get_or_create(number=number, defaults={
        "building": building, "path": building.path, "room": "1单元8楼801室", "kind": "registered"})[0]


def _story_accounts(password_hash: str) -> None:
    """Residents from STORIES.md, with logins (phone + demo password) for the adults named in the journeys."""
    from doorstep.registry.services import resident_register

    rng = random.Random(7)
    factory = PeopleFactory(rng, timezone.localdate())
    existing = set(Resident.objects.filter(household__in=story_households()).values_list("name", flat=True))
    communities = list(OrgNode.objects.filter(level="community").order_by("code")[:2])
    for name, gender, age, phone, ci, family, relation in STORY_RESIDENTS:
        if name in existing or (phone and User.objects.filter(username=phone).exists()):
            continue
        community = communities[min(ci, len(communities) - 1)]
        household = _story_household(community, family)
        birth = factory.birth_date(age)
        for _ in range(50):
            number = factory.id_number(birth, gender, migrant=False)
            if not Resident.objects.filter(id_number_index=blind_index("id", number)).exists():
                break
        resident = resident_register(actor=None, household=household, name=name, gender=gender, birth_date=birth,
                                     id_number=number, phone=phone, relation=relation)
        if not phone:
            continue
        User.objects.create(username=phone, full_name=name, role=Role.RESIDENT, resident=resident,
                            password=password_hash)
