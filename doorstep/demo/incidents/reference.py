"""Who and where: the departments, the categories with their words, the staff (the center's dispatchers, the
communities' supervisors, the grid workers), the buildings weighted by households, and the residents who write
requests from the app (an account each) or call the hotline."""

import datetime
from collections import defaultdict

from doorstep.accounts.models import User
from doorstep.core.crypto import decrypt
from doorstep.demo import incident_texts as words
from doorstep.demo.incidents.texts import TextMaker
from doorstep.demo.layout import DISTRICT_CODE
from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.incidents.models import Category
from doorstep.org.models import Department, OrgNode
from doorstep.registry.models import Building, Resident


class ReferenceData:
    """Loads what the year is made of (IncidentHistoryBuilder's part)."""

    def _load(self) -> None:
        self.district = DISTRICT_CODE
        self.departments = {d["short_name"]: d for d in Department.objects.filter(short_name__isnull=False).values(
            "id", "short_name", "head_id")}
        dept_of_id = {d["id"]: d["short_name"] for d in self.departments.values()}
        self.categories = {}
        for c in Category.objects.filter(active=True).values(
                "id", "code", "name", "keywords", "lead_department_id", "priority", "response_limit",
                "response_unit", "handling_limit", "handling_unit", "default_tier", "verify_photo"):
            if c["code"] in words.CATEGORY_WORDS:
                c["lead"] = dept_of_id[c["lead_department_id"]]
                self.categories[c["code"]] = c
        users = User.objects.filter(is_active=True)
        self.dispatcher = users.get(username="dispatcher").pk
        self.password = users.filter(username="dispatcher").values_list("password", flat=True).first()
        self.street_dispatcher = {u: pk for u, pk in users.filter(role="dispatcher", username__startswith="dispatcher_s")
                                  .values_list("org_node__code", "id")}
        self.supervisor = {code: pk for code, pk in users.filter(role="supervisor").values_list("org_node__code", "id")}
        self.leaders = list(users.filter(role="leader", org_node__code=self.district).order_by("id")
                            .values_list("id", flat=True))
        self.governor, self.assistant = {}, {}
        for name, code, pk in users.filter(role="grid_worker").values_list("username", "org_node__code", "id"):
            (self.governor if name.startswith("gw_") else self.assistant)[code] = pk
        grids = dict(OrgNode.objects.filter(level="grid", code__startswith=self.district).values_list("id", "code"))
        self.buildings = [(b[0], b[1], grids[b[1]], b[2], b[3], b[4], b[5], b[6]) for b in Building.objects.filter(
            grid_id__in=grids, latitude__isnull=False).order_by("id").values_list(
            "id", "grid_id", "name", "address", "latitude", "longitude", "household_count")]
        # (id, grid_id, grid code, name, address, lat, lon, households) → the head's building tuple
        self.building_weights = [max(1, b[7]) for b in self.buildings]
        self.by_grid = defaultdict(list)
        for b in self.buildings:
            self.by_grid[b[2]].append(b)
        self.text = TextMaker(self.rng, {c: list(v["keywords"]) for c, v in self.categories.items()},
                              {c: v["name"] for c, v in self.categories.items()})
        self.department_id = {k: v["id"] for k, v in self.departments.items()}

    def _building(self, b) -> tuple:
        """(id, grid_id, path, lat, lon, name, address, estate) of a building row."""
        return (b[0], b[1], b[2], b[5], b[6], b[3], b[4], b[3].rstrip("栋").rstrip("0123456789") or b[3])

    def _people(self, resident_reports: int, calls: int) -> None:
        """The residents who write requests (an account each: they report from the app) and who call the hotline."""
        rows = list(Resident.objects.filter(path__startswith=self.district, status="active",
                                            phone_masked__startswith="1",
                                            birth_date__lte=self.today - datetime.timedelta(days=18 * 366))
                    .exclude(household__number__startswith=STORY_HOUSEHOLD_PREFIX)
                    .exclude(pk__in=User.objects.filter(resident__isnull=False).values("resident_id"))
                    .order_by("id").values_list("id", "household__building_id", "name"))
        by_building = {b[0]: b for b in self.buildings}
        rows = [r for r in rows if r[1] in by_building]
        rng = self.rng
        # a few hundred app users at district scale, each writing several requests a year: resident accounts are
        # named by their phone number (a known gap, docs/decisions.md), so the demo keeps them few
        pool_size = min(len(rows), max(20, resident_reports // 30))
        chosen = rng.sample(rows, pool_size) if rows else []
        self.callers = rng.sample(rows, min(len(rows), max(10, calls))) if rows else []
        phones = dict(Resident.objects.filter(pk__in=[r[0] for r in chosen + self.callers])
                      .values_list("id", "phone_enc"))
        self.caller_phones = {r[0]: phones[r[0]] for r in self.callers}
        taken = set(User.objects.values_list("username", flat=True))
        accounts = []
        for rid, _building, name in chosen:
            phone = decrypt(phones[rid])
            if phone in taken:
                continue
            taken.add(phone)
            accounts.append(User(username=phone, full_name=name, role="resident", resident_id=rid,
                                 password=self.password))
        User.objects.bulk_create(accounts, batch_size=1000)
        made = dict(User.objects.filter(username__in=[a.username for a in accounts]).values_list("resident_id", "id"))
        self.app_users = [(made[rid], rid, by_building[b]) for rid, b, _n in chosen if rid in made]
        self.stats.accounts = len(self.app_users)
        self.by_building = by_building
