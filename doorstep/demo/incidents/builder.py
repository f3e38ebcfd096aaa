"""The build entry: IncidentHistoryBuilder puts the parts together (reference data, arrivals, the loop, the
orders, journey 12, writing) over one state and one random generator — the order of its draws is what makes the
year the same for a seed — and build_incident_history writes the year in one transaction."""

import datetime
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from doorstep.calendar.selectors import work_calendar
from doorstep.core.bulk import deferred_indexes
from doorstep.demo.build import _reset_sequences
from doorstep.demo.incidents.arrivals import Arrivals, Head
from doorstep.demo.incidents.clock import WorkClock
from doorstep.demo.incidents.journey12 import Journey12
from doorstep.demo.incidents.loop import Loop
from doorstep.demo.incidents.orders import Orders
from doorstep.demo.incidents.reference import ReferenceData
from doorstep.demo.incidents.writing import Writer, open_writers
from doorstep.incidents.models import (
    DispatchDecision,
    DispatchOrder,
    Escalation,
    ExtensionRequest,
    Incident,
    IncidentHistory,
    IncidentNumberCounter,
    IncidentRating,
    Meeting,
    Verification,
)


@dataclass
class IncidentStats:
    incidents: int = 0
    decisions: int = 0
    ratings: int = 0
    accounts: int = 0
    by_state: dict = field(default_factory=lambda: defaultdict(int))
    by_channel: dict = field(default_factory=lambda: defaultdict(int))


class IncidentHistoryBuilder(ReferenceData, Arrivals, Loop, Orders, Journey12, Writer):
    """Generates and writes the year; deterministic for a seed (except ciphertexts)."""

    def __init__(self, *, today: datetime.date, seed: int, scale: str, progress=None, now=None):
        self.rng = random.Random(seed + 13)
        self.today = today
        self.scale = scale
        self.progress = progress
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local_now = timezone.localtime(now or timezone.now(), self.tz)
        self.now = local_now.replace(tzinfo=None, microsecond=0)
        self.utc_offset = datetime.datetime(today.year, 1, 1, tzinfo=self.tz).utcoffset()
        self.sqlite = connection.vendor == "sqlite"
        self.start = today - datetime.timedelta(days=365)
        self.clock = WorkClock(work_calendar(), self.start - datetime.timedelta(days=10),
                               today + datetime.timedelta(days=400))
        self.stats = IncidentStats()
        self.extensions_decided = self.extensions_refused = 0  # orders.REFUSED_BY
        self._load()

    def build(self) -> IncidentStats:
        self.w = open_writers()
        self.rows = defaultdict(list)
        heads = self.heads()
        zhang = self.auntie_zhang()
        if zhang is not None:
            heads.append(zhang)
            heads.sort(key=lambda h: h.at)
            zhang.number = self._insert_number(heads, zhang)
        task = self.progress.add_task("一年事件与诉求", total=len(heads)) if self.progress else None
        for k, head in enumerate(heads):
            life = self.simulate(head, self.w["incident"].take_id())
            self.write(life)
            life.history = life.orders = None  # written; a later duplicate needs only its state and number
            if len(self.rows["history"]) >= 50_000:
                self.flush()
            if self.progress and k % 500 == 499:
                self.progress.advance(task, 500)
        self.flush()
        if self.progress:
            self.progress.update(task, completed=len(heads))
        counters = defaultdict(int)
        for head in heads:
            day = datetime.date(int(head.number[7:11]), int(head.number[11:13]), int(head.number[13:15]))
            counters[day] = max(counters[day], int(head.number[-5:]))
        with connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {IncidentNumberCounter._meta.db_table} (district, day, last) "
                            f"VALUES (%s, %s, %s)", [(self.district, d, n) for d, n in sorted(counters.items())])
        _reset_sequences([Incident, DispatchOrder, IncidentHistory, DispatchDecision, Verification, Meeting,
                          ExtensionRequest, Escalation, IncidentRating, IncidentNumberCounter])
        return self.stats

    def _insert_number(self, heads: list[Head], head: Head) -> str:
        """A number for a report added to a day already numbered: the day's next one."""
        day = head.at.date()
        last = max((int(h.number[-5:]) for h in heads if h.number and h.at.date() == day), default=0)
        return f"E{self.district}{day:%Y%m%d}{last + 1:05d}"


def build_incident_history(*, today: datetime.date, seed: int, scale: str, progress=None, now=None) -> int:
    """Write the demo year of incidents and requests. Precondition: the demo district with its departments,
    categories, staff, grids, buildings and residents; no incidents yet. Returns how many reports were written.
    Audit: one demo.incidents event with the counts. Side effects: incidents with their orders, history,
    verifications, meetings, extensions, escalations, ratings, dispatch decisions and daily number counters;
    accounts for the residents who wrote requests (they log in with the demo password)."""
    from doorstep.audit.services import audit_record

    tables = [m._meta.db_table for m in (Incident, DispatchOrder, IncidentHistory, DispatchDecision, Verification,
                                         Meeting, ExtensionRequest, Escalation, IncidentRating)]
    # SQLite checks each row's foreign keys as it goes in, which triples the cost of the load: check them once at
    # the end instead (as loaddata does; PostgreSQL defers them to the commit anyway)
    with connection.constraint_checks_disabled(), transaction.atomic():
        builder = IncidentHistoryBuilder(today=today, seed=seed, scale=scale, progress=progress, now=now)
        with deferred_indexes(Incident, DispatchOrder, IncidentHistory, DispatchDecision, Verification,
                              IncidentRating):
            stats = builder.build()
        connection.check_constraints(table_names=tables)
        audit_record(actor=None, actor_label="doorstep demo", action="demo.incidents",
                     summary={"incidents": stats.incidents, "decisions": stats.decisions, "ratings": stats.ratings,
                              "accounts": stats.accounts, "by_channel": dict(stats.by_channel)})
    return stats.incidents
