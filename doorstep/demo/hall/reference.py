"""What the hall's demo year is built from, read once: the service centers with their windows, clerks and opening
hours, the residents (age, disability, where they live), the items, the priority rules, who has an account, each
grid's grid worker — and the window cases of the case history, grouped by center and Beijing-time day."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from doorstep.accounts.models import User
from doorstep.cases.models import Case
from doorstep.catalog.models import ServiceItem
from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.hall.models import PriorityRule
from doorstep.org.models import OpeningHours, ServiceCenter, Window
from doorstep.registry.models import Resident


@dataclass
class Center:
    id: int
    obj: ServiceCenter  # with its opening hours prefetched (hall.services.slots.periods_on reads them)
    name: str
    node_code: str
    is_street: bool
    windows: list[int]  # window ids, by window number
    numbers: dict[int, int]  # window id -> number
    clerks: list[int]  # the clerks of the center's org node (user ids, by username)
    hours: list[tuple[int, datetime.time, datetime.time]] = field(default_factory=list)
    residents: list[int] = field(default_factory=list)  # residents of its area: walk-ins, extra bookings
    base_per_day: float = 0.0  # window cases per working day over the year


class Visit(NamedTuple):
    """A window case as the hall saw it: taken in at `anchor` seconds after local midnight (accepted, or refused
    with the one-time notice), by `clerk`."""

    case_id: int
    anchor: int
    clerk: int | None
    applicant: int
    path: str
    item: int


@dataclass(frozen=True)
class Rule:
    id: int
    code: str
    basis: str
    rank: int
    min_age: int | None


class HallReference:
    """Loads the reference data into plain dicts and lists (the year is hundreds of thousands of tickets)."""

    def __init__(self, *, district_code: str, today: datetime.date, utc_offset: datetime.timedelta):
        self.district_code = district_code
        self.today = today
        self.utc_offset = utc_offset
        self._centers()
        self._people()
        self.items = {pk: (code, category, minutes) for pk, code, category, minutes in ServiceItem.objects.filter(
            is_active=True).values_list("id", "code", "category__code", "service_minutes").order_by("id")}
        self.item_ids = sorted(self.items)
        self.rules = [Rule(r.pk, r.code, r.basis, r.rank, r.min_age)
                      for r in PriorityRule.objects.filter(is_active=True).order_by("rank", "code")]
        self._visits()

    def _centers(self) -> None:
        centers = (ServiceCenter.objects.filter(org_node__code__startswith=self.district_code)
                   .select_related("org_node").prefetch_related("opening_hours").order_by("id"))
        windows = defaultdict(list)
        for pk, center_id, number in Window.objects.values_list("id", "center_id", "number").order_by(
                "center_id", "number"):
            windows[center_id].append((pk, number))
        clerks = defaultdict(list)
        for pk, node_id in User.objects.filter(role="clerk", is_active=True).values_list(
                "id", "org_node_id").order_by("username"):
            clerks[node_id].append(pk)
        hours = defaultdict(list)
        for center_id, weekday, opens, closes in OpeningHours.objects.values_list("center_id", "weekday", "opens",
                                                                                "closes").order_by("id"):
            hours[center_id].append((weekday, opens, closes))
        self.centers: dict[int, Center] = {}
        for c in centers:
            if not windows[c.pk] or not clerks[c.org_node_id] or not hours[c.pk]:
                continue  # a center nobody staffs or that never opens has no hall
            self.centers[c.pk] = Center(
                id=c.pk, obj=c, name=c.name, node_code=c.org_node.code, is_street=c.org_node.level == "street",
                windows=[pk for pk, _ in windows[c.pk]], numbers=dict(windows[c.pk]), clerks=clerks[c.org_node_id],
                hours=hours[c.pk])
        self.center_by_node = {c.node_code: c for c in self.centers.values()}

    def _people(self) -> None:
        self.birth: dict[int, datetime.date] = {}
        self.disabled: set[int] = set()
        self.female: set[int] = set()
        self.path: dict[int, str] = {}
        area = defaultdict(list)
        # the story families are left to their journeys (as in the case history): no demo booking or ticket of theirs
        rows = (Resident.objects.filter(path__startswith=self.district_code, status="active")
                .exclude(household__number__startswith=STORY_HOUSEHOLD_PREFIX)
                .annotate(born=Cast("birth_date", TextField()))
                .values_list("id", "path", "born", "is_disabled", "gender").order_by("id"))
        for pk, path, birth, disabled, gender in raw_rows(rows):
            self.birth[pk] = datetime.date.fromisoformat(birth[:10])
            self.path[pk] = path
            if disabled:
                self.disabled.add(pk)
            if gender == "F":
                self.female.add(pk)
            area[path[:12]].append(pk)
            area[path[:9]].append(pk)
        for center in self.centers.values():
            center.residents = area.get(center.node_code, [])
        self.account = dict(User.objects.filter(role="resident", resident__isnull=False, is_active=True)
                            .values_list("resident_id", "id").order_by("id"))
        self.grid_worker = dict(User.objects.filter(role="grid_worker", username__startswith="gw_", is_active=True)
                                .values_list("org_node__code", "id").order_by("id"))

    def age(self, resident: int, day: datetime.date) -> int:
        birth = self.birth.get(resident)
        if birth is None:
            return 40
        return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

    def _visits(self) -> None:
        """Window cases with a center and a moment at the window (accepted, or refused there), by (center, day)."""
        self.visits: dict[tuple[int, datetime.date], list[Visit]] = defaultdict(list)
        rows = (Case.objects.filter(channel="window", center_id__in=list(self.centers),
                                    applicant_path__startswith=self.district_code)
                .annotate(accepted=Cast("accepted_at", TextField()), decided=Cast("decided_at", TextField()))
                .values_list("id", "center_id", "accepted", "decided", "state", "first_contact_id",
                             "applicant_id", "applicant_path", "item_id").order_by("id"))
        first = self.today - datetime.timedelta(days=365)
        per_center = defaultdict(int)
        for pk, center_id, accepted, decided, state, clerk, applicant, path, item in raw_rows(rows):
            moment = accepted or (decided if state == "refused" else None)
            if moment is None:
                continue
            local = utc_naive(moment) + self.utc_offset
            day = local.date()
            if not first <= day < self.today:
                continue
            self.visits[(center_id, day)].append(Visit(pk, local.hour * 3600 + local.minute * 60 + local.second,
                                                       clerk, applicant, path, item))
            per_center[center_id] += 1
        for visits in self.visits.values():
            visits.sort(key=lambda v: (v.anchor, v.case_id))
        working_days = max(1, len({day for _, day in self.visits}))
        for center in self.centers.values():
            center.base_per_day = per_center[center.id] / working_days


def raw_rows(queryset):
    """A values_list queryset's rows straight from the cursor, without Django's per-value converters (the year's
    half a million cases read in a fraction of the time; its dates and times are cast to text in the query, so
    the driver does not parse them either)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(20_000):
            yield from rows


def utc_naive(text: str) -> datetime.datetime:
    """A stored moment cast to text as a naive UTC datetime (SQLite keeps UTC without an offset, PostgreSQL's text
    carries '+00')."""
    value = datetime.datetime.fromisoformat(text)
    return value if value.tzinfo is None else value.astimezone(datetime.UTC).replace(tzinfo=None)
