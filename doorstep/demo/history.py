"""A year of cases for the demo district, so every page shows real figures on first run.

About `per_street_month` cases per street (its center and community stations together) per month, over the working
days of the last 365 days (today excluded, so today's case numbers start at 1): instant items concluded at the
window; promised items carried by proxy hops to their approval level with the material hand-overs, decided with a
reason, a few supplemented (clock paused), a few overdue, a few refused or withdrawn; results picked up, delivered
home by the grid worker or posted; certificates for items that issue one; ratings from the phone and the window pad,
the bad ones with follow-ups (answered, or still open when recent). Cases still running today are in their real
state at their real node, so queues, supervision marks and delivery lists have work in them.

Staff act when their office is open: every acceptance, refusal, conclusion, hand-over, sign-for, supplement and
decision falls on a working day of the calendar app, inside the opening hours of the center where it happens
(doorstep.org.hours; street and district approvers keep the street center's hours). Online applications are
submitted at any hour and accepted when the station is open (issue #11, item 15).

The rows follow the same state machine as the services (the tests check it), but are written in bulk like the rest
of the demo: one `demo.history` audit event records the import, not one per historical action.
"""

import datetime
import itertools
import json
import random
import secrets
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from doorstep.accounts.models import User
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.models import (
    Case,
    CaseHistory,
    CaseNumberCounter,
    Certificate,
    MaterialHandover,
    new_query_code,
)
from doorstep.cases.supervision import sla_mark
from doorstep.cases.workflow import LEVELS
from doorstep.catalog.eligibility import OPS
from doorstep.catalog.models import ServiceItem
from doorstep.core.bulk import deferred_indexes
from doorstep.demo.build import BulkWriter, _reset_sequences
from doorstep.demo.hall import curves
from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.org.hours import hours_on
from doorstep.org.models import OpeningHours, OrgNode, ServiceCenter
from doorstep.ratings.models import FollowUp, Rating
from doorstep.registry.models import IncomeRecord, Resident
from doorstep.registry.shared_data import CHECK_LABELS

# How often each item is asked for, relative to 1 (养老金资格认证, 医保缴费, 居住证 … are the daily bread).
ITEM_WEIGHTS = {"SB-C04": 9, "SB-C02": 8, "SB-C01": 6, "ZM-D01": 5, "MZ-C01": 5, "SB-C05": 4, "WJ-C01": 4,
                "ZM-C01": 3, "WJ-C02": 3, "MZ-C02": 3, "JY-C01": 3}
APPROVE_REASONS = ["材料齐全，符合条件，予以批准。", "经核实符合办理条件。", "审核通过。"]
REJECT_REASONS = ["经核查家庭收入高于当地标准，不予批准。", "不符合办理条件，已向申请人说明。", "经入户核实，情况与申报不符。"]
REFUSE_MISSING = ["户口簿", "近期一寸免冠照片", "相关证明材料"]
SUPPLEMENT_NOTES = ["请补充提交近6个月收入证明。", "身份证复印件不清晰，请重新提供。", "请补充家庭成员签字的申请书。"]
ANSWERS = ["已约谈窗口人员并整改，电话回访申请人表示认可。", "已向申请人解释办理时限并致歉，后续专人跟进。",
           "已优化取号流程，增加午间值班。"]
BAD_COMMENTS = ["等待时间太长。", "跑了两趟才办成。", "工作人员态度不耐烦。", "告知不清楚，材料说明不一致。"]


FACT_INDEX = {"age": 0, "household_income_per_head_year": 1}
INSTANT_MINUTES = (5, 25)  # an instant item is concluded this many minutes after acceptance
CONCLUDE_MINUTES = (10, 90)  # an approved item is concluded this many minutes after the decision
OFFICE_SPANS = [(8 * 60 + 30, 12 * 60), (14 * 60, 17 * 60 + 30)]  # a center with no hours recorded


@dataclass
class HistoryStats:
    cases: int = 0
    running: int = 0
    overdue: int = 0
    supplemented: int = 0
    ratings: int = 0
    bad_ratings: int = 0
    follow_ups_open: int = 0
    certificates: int = 0
    flagged: int = 0
    by_state: dict = field(default_factory=lambda: defaultdict(int))


class _Writers:
    def __init__(self):
        self.case = BulkWriter(Case, [
            "id", "number", "item_id", "applicant_id", "applicant_path", "channel", "state", "review_level",
            "review_node_id", "center_id", "first_contact_id", "created_at", "accepted_at", "due_date", "decided_at",
            "decision_reason", "concluded_at", "public_code", "paused_on", "paused_working_days", "consent_at",
            "shared_checks", "eligibility", "missing_materials", "delivery", "delivery_address", "ready_at",
            "delivered_at", "delivered_by_id", "sla_mark", "rating_invited_at"])
        self.history = BulkWriter(CaseHistory, ["id", "case_id", "from_state", "action", "to_state", "actor_id", "at",
                                                "note"])
        self.handover = BulkWriter(MaterialHandover, ["id", "case_id", "from_node_id", "to_node_id", "handed_by_id",
                                                      "handed_at", "materials", "received_by_id", "received_at"])
        self.certificate = BulkWriter(Certificate, ["id", "case_id", "title", "number", "verify_code", "issued_at",
                                                    "issued_by_id", "issuer_name"])
        self.rating = BulkWriter(Rating, ["id", "case_id", "rated_by_id", "source", "overall", "efficiency",
                                          "service", "attitude", "comment", "center_id", "created_at"])
        self.follow_up = BulkWriter(FollowUp, ["id", "rating_id", "org_node_id", "due_date", "answer",
                                               "answered_by_id", "answered_at", "created_at"])
        self.rows: dict[str, list] = defaultdict(list)

    def flush(self) -> None:
        for name in ("case", "history", "handover", "certificate", "rating", "follow_up"):
            getattr(self, name).write(self.rows.pop(name, []))


@dataclass
class _Street:
    node: OrgNode
    center: ServiceCenter
    clerks: list  # street window clerks (ids)
    approver: int
    communities: list  # (node, center, clerk id)
    residents: list  # (id, path)
    grid_workers: dict  # grid code -> user id


class HistoryBuilder:
    """Generates and writes the year; deterministic for a seed (except the random public codes)."""

    def __init__(self, *, district_code: str, per_street_month: int, seed: int, today: datetime.date, progress=None):
        self.rng = random.Random(seed)
        self.per_street_month = per_street_month
        self.today = today
        self.progress = progress
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.cal = work_calendar()
        # China has kept one offset all year since 1991, so one offset converts every demo time
        self.utc_offset = datetime.datetime(today.year, 1, 1, tzinfo=self.tz).utcoffset()
        self.sqlite = connection.vendor == "sqlite"
        self._index_working_days(today - datetime.timedelta(days=400), today + datetime.timedelta(days=400))
        self.stats = HistoryStats()
        self.w = _Writers()
        self.district = OrgNode.objects.get(code=district_code)
        self.node_names = dict(OrgNode.objects.filter(code__startswith=district_code).exclude(level="grid")
                               .values_list("id", "name"))
        self.district_approver = User.objects.filter(username="approver").values_list("id", flat=True).first()
        self.hours: dict[int, list] = defaultdict(list)  # center id -> [(weekday, opens, closes)]
        for center_id, weekday, opens, closes in OpeningHours.objects.values_list("center_id", "weekday", "opens",
                                                                                  "closes"):
            self.hours[center_id].append((weekday, opens, closes))
        self.spans: dict[tuple[int, datetime.date], list[tuple[int, int]]] = {}
        self.arrivals = curves.MinuteSampler()
        self._load_items()
        self._load_streets()

    # -- reference data -------------------------------------------------------------------------------------------
    def _load_items(self) -> None:
        items = list(ServiceItem.objects.filter(is_active=True).prefetch_related("materials").order_by("code"))
        self.items = items
        self.item_cum_weights = list(itertools.accumulate(ITEM_WEIGHTS.get(i.code, 1) for i in items))
        self.checks_json, self.paper = {}, {}
        for item in items:
            shared = [m for m in item.materials.all() if m.shared_data]
            self.checks_json[item.pk] = json.dumps(
                [{"material_id": m.id, "material": m.name, "kind": m.shared_data,
                  "label": CHECK_LABELS[m.shared_data], "data": "共享数据核验通过", "ok": True} for m in shared],
                ensure_ascii=False)
            self.paper[item.pk] = json.dumps([m.name for m in item.materials.all() if not m.shared_data],
                                             ensure_ascii=False)

    def _load_streets(self) -> None:
        centers = {c.org_node_id: c for c in ServiceCenter.objects.select_related("org_node")}
        users = dict(User.objects.filter(org_node__isnull=False, is_active=True).values_list("username", "id"))
        grid_workers = {code: uid for code, uid in User.objects.filter(role="grid_worker", username__startswith="gw_")
                        .values_list("org_node__code", "id")}
        residents = defaultdict(list)
        self.facts: dict[int, tuple[int, float | None]] = {}  # resident -> (age, household income per head)
        self.household_of: dict[int, int] = {}
        sizes, incomes = defaultdict(int), defaultdict(float)
        rows = (Resident.objects.filter(path__startswith=self.district.code)
                .exclude(household__number__startswith=STORY_HOUSEHOLD_PREFIX)
                .values_list("id", "path", "birth_date", "household_id").order_by("id"))
        for rid, path, birth, household in rows.iterator(chunk_size=20_000):
            residents[path[:9]].append((rid, path))
            sizes[household] += 1
            age = self.today.year - birth.year - ((self.today.month, self.today.day) < (birth.month, birth.day))
            self.facts[rid] = (age, None)
            self.household_of[rid] = household
        for household, amount in (IncomeRecord.objects.filter(year=self.today.year - 1)
                                  .values_list("household_id", "amount").iterator(chunk_size=20_000)):
            incomes[household] += float(amount)
        for rid, (age, _) in self.facts.items():
            household = self.household_of[rid]
            self.facts[rid] = (age, incomes[household] / sizes[household] if household in incomes else None)
        self.eligible_cache: dict[tuple[str, int], list] = {}
        self.income_beneficiaries: list[int] = []  # applicants granted an income-tested benefit
        self.query_codes: set[str] = set()  # every query code given so far (Case.public_code is unique)
        self.streets = []
        for node in OrgNode.objects.filter(level="street", parent=self.district).order_by("code"):
            n = node.code[-2:]
            communities = [(c, centers[c.pk], users[f"clerk_c{c.code[-6:]}"])
                           for c in OrgNode.objects.filter(parent=node, level="community").order_by("code")]
            self.streets.append(_Street(node=node, center=centers[node.pk],
                                        clerks=[users[f"clerk_s{n}a"], users[f"clerk_s{n}b"]],
                                        approver=users[f"approver_s{n}"], communities=communities,
                                        residents=residents[node.code], grid_workers=grid_workers))
        self.community_of = {c.code: (c, center, clerk) for s in self.streets for c, center, clerk in s.communities}

    def _candidates(self, street: _Street, item: ServiceItem) -> list:
        """The street's residents who meet the item's eligibility rules (all of them for an item without rules):
        the demo's beneficiaries qualified when they applied."""
        if not item.eligibility_rules:
            return street.residents
        key = (street.node.code, item.pk)
        if key not in self.eligible_cache:
            checks = [(FACT_INDEX[r["fact"]], OPS[r["op"]][0], r["value"]) for r in item.eligibility_rules]
            fitting = [(rid, path) for rid, path in street.residents
                       if all((v := self.facts[rid][k]) is not None and op(v, value) for k, op, value in checks)]
            self.eligible_cache[key] = fitting or street.residents
        return self.eligible_cache[key]

    # -- time helpers ---------------------------------------------------------------------------------------------
    def _at(self, day: datetime.date, minutes: int) -> datetime.datetime:
        """A moment on `day`, `minutes` after 08:30, as a naive local time (converted once, when written)."""
        return datetime.datetime(day.year, day.month, day.day, 8, 30) + datetime.timedelta(minutes=minutes)

    def _open_spans(self, center_id: int, day: datetime.date) -> list[tuple[int, int]]:
        """The center's open intervals on `day` in minutes after midnight (cached; one list per center and day)."""
        key = (center_id, day)
        spans = self.spans.get(key)
        if spans is None:
            spans = [(o.hour * 60 + o.minute, c.hour * 60 + c.minute)
                     for o, c in hours_on(day, self.hours.get(center_id, ()), self.cal)] or OFFICE_SPANS
            self.spans[key] = spans
        return spans

    def _open_at(self, center_id: int, day: datetime.date, *, margin: int = 0, session: str = "",
                 curve: bool = False) -> datetime.datetime:
        """A random moment on `day` while the center is open, at least `margin` minutes before it closes (so that
        what follows at the counter ends before closing); session "first" or "last" keeps to the day's first or
        last opening (a hand-over in the morning is signed for in the afternoon)."""
        spans = self._open_spans(center_id, day)
        if session == "first":
            spans = spans[:1]
        elif session == "last":
            spans = spans[-1:]
        room = [(a, b - margin) for a, b in spans if b - margin > a] or spans
        if curve:  # people come to the window along the hall's arrival curve (mornings, 9–11 most)
            minute = self.arrivals.draw(self.rng, tuple(room), False) // 60
            return datetime.datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        k = self.rng.randrange(sum(b - a for a, b in room))
        for a, b in room:
            if k < b - a:
                minute = a + k
                break
            k -= b - a
        return datetime.datetime(day.year, day.month, day.day, minute // 60, minute % 60)

    def _index_working_days(self, first: datetime.date, last: datetime.date) -> None:
        """Working days between first and last as a list, and for each date the index of the first working day
        after it: `_later` is then two lookups instead of a walk through the calendar (millions of calls)."""
        self.workdays, self.first_after = [], {}
        day = last
        following = None
        days = []
        while day >= first:
            days.append(day)
            day -= datetime.timedelta(days=1)
        for day in reversed(days):
            if self.cal.is_working_day(day):
                self.workdays.append(day)
        k = len(self.workdays)
        for day in days:  # newest first
            self.first_after[day] = following if following is not None else k
            if self.cal.is_working_day(day):
                k -= 1
                following = k

    def _later(self, day: datetime.date, working_days: int) -> datetime.date:
        if working_days == 0:
            return day
        k = self.first_after.get(day)
        if k is not None and k + working_days - 1 < len(self.workdays):
            return self.workdays[k + working_days - 1]
        return self.cal.add_working_days(day, working_days)

    def _db_time(self, value: datetime.datetime | None):
        """Naive local time → the parameter the database takes (UTC): text on SQLite, aware on PostgreSQL."""
        if value is None:
            return None
        utc = value - self.utc_offset
        return utc.isoformat(" ") if self.sqlite else utc.replace(tzinfo=datetime.UTC)

    # -- the year ---------------------------------------------------------------------------------------------
    def build(self) -> HistoryStats:
        start = self.today - datetime.timedelta(days=365)
        days = [start + datetime.timedelta(days=k) for k in range((self.today - start).days)]
        days = [d for d in days if self.cal.is_working_day(d)]
        per_day = self.per_street_month * 12 / max(len(days), 1)
        # busier on Mondays and after a holiday, quieter on Fridays (the hall's arrival curve), the year's total kept
        factors = [curves.day_factor(d, self.cal.is_working_day) for d in days]
        mean_factor = sum(factors) / max(len(factors), 1)
        task = self.progress.add_task("一年办件", total=len(days)) if self.progress else None
        counters = []
        for day, factor in zip(days, factors, strict=True):
            seq = 0
            for street in self.streets:
                if not street.residents:
                    continue
                mean = per_day * factor / mean_factor
                n = max(0, round(self.rng.gauss(mean, mean * 0.15)))
                for _ in range(n):
                    seq += 1
                    self._one_case(street, day, seq)
            if seq:
                counters.append((self.district.code, day, seq))
            if len(self.w.rows["case"]) >= 20_000:
                self.w.flush()
            if self.progress:
                self.progress.advance(task)
        self.w.flush()
        with connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {CaseNumberCounter._meta.db_table} (district, day, last) VALUES (%s, %s, %s)",
                            counters)
        _reset_sequences([Case, CaseHistory, MaterialHandover, Certificate, Rating, FollowUp, CaseNumberCounter])
        return self.stats

    def change_some_incomes(self, share: float) -> int:
        """A share of the income-tested beneficiaries found new work this year: a wage record lifts their household
        above the standard, so the nightly re-check has real people to flag for review."""
        chosen = sorted(set(self.income_beneficiaries))
        chosen = self.rng.sample(chosen, max(1, int(len(chosen) * share))) if chosen else []
        writer = BulkWriter(IncomeRecord, ["id", "household_id", "resident_id", "year", "kind", "amount", "source"])
        rows = [(writer.take_id(), self.household_of[rid], rid, self.today.year - 1, "wage", 60_000, "社保缴费数据")
                for rid in chosen]
        writer.write(rows)
        _reset_sequences([IncomeRecord])
        return len(rows)

    def _one_case(self, street: _Street, day: datetime.date, seq: int) -> None:
        rng = self.rng
        item = rng.choices(self.items, cum_weights=self.item_cum_weights)[0]
        applicant_id, path = rng.choice(self._candidates(street, item))
        community, c_center, c_clerk = self.community_of[path[:12]]
        roll = rng.random()
        if item.online_allowed and rng.random() < 0.25:
            channel = "online"
        elif roll < 0.05:
            channel = "grid"
        elif roll < 0.08:
            channel = "proxy"
        else:
            channel = "window"
        # where it is taken in: mostly the resident's own station, sometimes the street center, rarely another
        # street's center (全区通办)
        where = rng.random()
        other = rng.choice(self.streets) if where > 0.97 else street
        if channel in ("online", "grid", "proxy") or where < 0.7 or item.approval_level == "community" and where < 0.8:
            node, center, clerk = community, c_center, c_clerk
        else:
            node, center, clerk = other.node, other.center, rng.choice(other.clerks)
        if channel == "grid" and street.grid_workers.get(path):
            clerk = street.grid_workers[path]
        case_id = self.w.case.take_id()
        number = f"{self.district.code}{day:%Y%m%d}{seq:05d}"
        history = []
        # in the center's hours, leaving room for an instant item to be concluded before it closes
        t = self._open_at(center.pk, day, margin=INSTANT_MINUTES[1], curve=channel == "window")
        created = t
        if channel == "online":
            created = t - datetime.timedelta(hours=rng.randrange(2, 40))
            history.append(("draft", "submit", "submitted", None, created, ""))
            before = "submitted"
        else:
            before = "draft"
        case = {"state": "", "review_level": node.level, "review_node": node.pk, "accepted_at": None,
                "due_date": None, "decided_at": None, "reason": "", "concluded_at": None, "paused_on": None,
                "paused": 0, "missing": "[]", "delivery": "pickup", "address": "", "ready_at": None,
                "delivered_at": None, "delivered_by": None, "mark": "", "invited": None,
                "first_contact": clerk, "applicant": applicant_id}
        self.stats.cases += 1
        if channel == "window" and rng.random() < 0.015:
            missing = rng.sample(REFUSE_MISSING, 1)
            history.append((before, "refuse", "refused", clerk, t, "材料不全，已出具一次性告知书"))
            case.update(state="refused", decided_at=t, missing=json.dumps([{"name": missing[0]}], ensure_ascii=False))
            return self._write(case_id, number, item, applicant_id, path, channel, node, center, clerk, created,
                               case, history)
        history.append((before, "accept", "accepted", clerk, t, ""))
        case.update(state="accepted", accepted_at=t, due_date=self._later(day, item.promised_days))
        if item.kind == "instant":
            done = t + datetime.timedelta(minutes=rng.randrange(*INSTANT_MINUTES))
            self._conclude(case, history, item, clerk, done, node, center, street, path, case_id, number)
            return self._write(case_id, number, item, applicant_id, path, channel, node, center, clerk, created,
                               case, history)
        # promised: hops up to the approval level, each with its hand-over
        decider = clerk
        hop_day = day
        level_index = LEVELS.index(node.level)
        target_index = LEVELS.index(item.approval_level)
        when = rng.random()
        # working days to a decision: mostly well within the promise, a few overdue — and of the cases due in the
        # last few working days, some are still open today, so that supervision always has red cases to show
        # (电子监察 without an overdue case would demonstrate nothing, and a small demo drew none)
        due = case["due_date"]
        stuck = due is not None and due < self.today <= self._later(due, 4) and rng.random() < 0.3
        if stuck:
            decide_after = item.promised_days + 5 + rng.randint(0, 3)
        elif when < 0.02:
            decide_after = item.promised_days + rng.randint(1, 4)
        else:
            decide_after = rng.randint(max(1, item.promised_days // 3), max(1, item.promised_days))
        supplemented = rng.random() < 0.04
        pause = rng.randint(1, 5) if supplemented else 0
        decide_day = self._later(day, decide_after + pause)
        last_actor = clerk
        desk = center.pk  # where the papers are: the accepting center, then the street's
        while level_index < target_index:
            hop_day = self._later(hop_day, 1)
            if hop_day >= self.today:
                break
            to_node = street.node if level_index == 0 else self.district
            hand_at = self._open_at(desk, hop_day, session="first", margin=60)
            receiver = street.approver if level_index == 0 else self.district_approver
            desk = street.center.pk
            received = self._open_at(desk, hop_day, session="last")
            if received <= hand_at:  # a day with one opening: signed for within the hour
                received = hand_at + datetime.timedelta(minutes=rng.randrange(1, 60))
            self.w.rows["handover"].append((self.w.handover.take_id(), case_id, case["review_node"], to_node.pk,
                                            last_actor, self._db_time(hand_at), self.paper[item.pk], receiver,
                                            self._db_time(received)))
            history.append((case["state"], "forward", "in_review", last_actor, hand_at, f"代办上报{to_node.name}"))
            case.update(state="in_review", review_level=to_node.level, review_node=to_node.pk)
            level_index += 1
            decider = receiver
            last_actor = receiver
            decide_day = max(decide_day, self._later(hop_day, 1))
        if supplemented:
            ask_day = max(self._later(hop_day, 1), self._later(day, max(1, decide_after // 2)))
            if ask_day < self.today:
                ask = self._open_at(desk, ask_day)
                history.append((case["state"], "request_supplement", "supplement_requested", decider, ask,
                                rng.choice(SUPPLEMENT_NOTES)))
                case.update(state="supplement_requested", paused_on=ask_day)
                back_day = self._later(ask_day, pause)
                if back_day >= self.today:
                    self.stats.supplemented += 1
                    self.stats.running += 1
                    return self._write(case_id, number, item, applicant_id, path, channel, node, center, clerk,
                                       created, case, history)
                back = self._open_at(center.pk, back_day)
                decide_day = max(decide_day, self._later(back_day, 1))
                history.append(("supplement_requested", "supply", "accepted", clerk, back, "已补正材料"))
                case.update(state="accepted", paused_on=None, paused=pause,
                            due_date=self._later(case["due_date"], pause))
                self.stats.supplemented += 1
        if level_index < target_index or decide_day >= self.today:
            self.stats.running += 1
            mark = sla_mark(case["state"], case["due_date"], today=self.today, yellow_limit=self.today)
            if mark == "red":
                case["mark"] = "red"
                self.stats.overdue += 1
            return self._write(case_id, number, item, applicant_id, path, channel, node, center, clerk, created,
                               case, history)
        decided = self._open_at(desk, decide_day, margin=CONCLUDE_MINUTES[1])
        if rng.random() < 0.05:
            history.append((case["state"], "reject", "rejected", decider, decided, rng.choice(REJECT_REASONS)))
            case.update(state="rejected", decided_at=decided, reason=history[-1][5])
            return self._write(case_id, number, item, applicant_id, path, channel, node, center, clerk, created,
                               case, history)
        if rng.random() < 0.005:
            history.append((case["state"], "withdraw", "withdrawn", clerk, decided, "申请人主动撤回"))
            case["state"] = "withdrawn"
            return self._write(case_id, number, item, applicant_id, path, channel, node, center, clerk, created,
                               case, history)
        history.append((case["state"], "approve", "approved", decider, decided, rng.choice(APPROVE_REASONS)))
        case.update(state="approved", decided_at=decided, reason=history[-1][5])
        concluded = decided + datetime.timedelta(minutes=rng.randrange(*CONCLUDE_MINUTES))
        self._conclude(case, history, item, decider, concluded, node, center, street, path, case_id, number)
        return self._write(case_id, number, item, applicant_id, path, channel, node, center, clerk, created, case,
                           history)

    def _query_code(self) -> str:
        """A fresh query code, never one this build already gave (50 bits: a year's 670,000 codes would collide
        about once in 5,000 builds, and the unique constraint would stop the load)."""
        while True:
            code = new_query_code()
            if code not in self.query_codes:
                self.query_codes.add(code)
                return code

    def _conclude(self, case, history, item, actor, at, node, center, street, path, case_id, number) -> None:
        rng = self.rng
        history.append((case["state"], "conclude", "concluded", actor, at, ""))
        if any(r["fact"] == "household_income_per_head_year" for r in item.eligibility_rules):
            self.income_beneficiaries.append(case["applicant"])
        case.update(state="concluded", concluded_at=at, ready_at=at)
        if item.certificate:
            self.w.rows["certificate"].append((self.w.certificate.take_id(), case_id, item.certificate, f"Z{number}",
                                               secrets.token_urlsafe(9), self._db_time(at), actor,
                                               self.node_names[case["review_node"]]))
            self.stats.certificates += 1
        roll = rng.random()
        done_day = at.date()
        if roll < 0.08:
            case.update(delivery="home", address="")
            out = self._later(done_day, 1)
            worker = street.grid_workers.get(path)
            if out < self.today and worker:
                delivered = self._at(out, rng.randrange(60, 480))
                history.append(("concluded", "deliver", "delivered", worker, delivered, "网格员送达本人签收"))
                case.update(state="delivered", delivered_at=delivered, delivered_by=worker)
        elif roll < 0.12:
            case.update(delivery="post", address="")
            out = self._later(done_day, 1)
            if out < self.today:
                delivered = self._at(out, rng.randrange(0, 120))
                history.append(("concluded", "deliver", "delivered", actor, delivered, "已交邮政寄出"))
                case.update(state="delivered", delivered_at=delivered, delivered_by=actor)
        rate_day = self._later(done_day, rng.randint(0, 2))
        if rate_day < self.today and rng.random() < 0.7:
            # at the window's pad when it is done, or later by the SMS link, at any waking hour
            later = rate_day != done_day
            when = self._at(rate_day, rng.randrange(0, 810)) if later else at
            self._rate(case, history, center, when, case_id, answerer=case["first_contact"],
                       source="sms" if later else None)
        elif (self.today - done_day).days > 3:
            case["invited"] = self._at(self._later(done_day, 3), 60)

    def _rate(self, case, history, center, at, case_id, *, answerer: int, source: str | None = None) -> None:
        rng = self.rng
        r = rng.random()
        overall = 5 if r < 0.80 else 4 if r < 0.94 else 3 if r < 0.98 else 2 if r < 0.995 else 1
        levels = [max(1, min(5, overall + rng.choice((0, 0, 0, -1, 1)))) for _ in range(3)]
        bad = overall <= 2
        rating_id = self.w.rating.take_id()
        at = max(at, history[-1][4] + datetime.timedelta(minutes=1))
        source = source or rng.choice(("pad", "pad", "sms"))
        self.w.rows["rating"].append((rating_id, case_id, None, source, overall, *levels,
                                      rng.choice(BAD_COMMENTS) if bad else "", center.pk, self._db_time(at)))
        # a rating is its own record: the case keeps its state and its history (issue #11, item 7)
        self.stats.ratings += 1
        if bad:
            self.stats.bad_ratings += 1
            due = self._later(at.date(), settings.DOORSTEP_FOLLOWUP_WORKING_DAYS)
            answer_day = self._later(at.date(), rng.randint(1, 6))
            if answer_day < self.today:
                answered = self._at(answer_day, 200)
                answer, by = rng.choice(ANSWERS), answerer
            else:
                answered, answer, by = None, "", None
                self.stats.follow_ups_open += 1
            self.w.rows["follow_up"].append((self.w.follow_up.take_id(), rating_id, center.org_node_id, due, answer,
                                             by, self._db_time(answered) if answered else None, self._db_time(at)))

    def _write(self, case_id, number, item, applicant_id, path, channel, node, center, clerk, created, case,
               history) -> None:
        adapt = self._db_time
        self.stats.by_state[case["state"]] += 1
        checks = self.checks_json[item.pk]
        self.w.rows["case"].append((
            case_id, number, item.pk, applicant_id, path, channel, case["state"], case["review_level"],
            case["review_node"], center.pk, clerk, adapt(created), adapt(case["accepted_at"]), case["due_date"],
            adapt(case["decided_at"]), case["reason"], adapt(case["concluded_at"]), self._query_code(),
            case["paused_on"], case["paused"], adapt(case["accepted_at"] or created) if checks != "[]" else None,
            checks, "{}", case["missing"], case["delivery"], case["address"], adapt(case["ready_at"]),
            adapt(case["delivered_at"]), case["delivered_by"], case["mark"], adapt(case["invited"])))
        rows = self.w.rows["history"]
        for before, action, after, actor, at, note in history:
            rows.append((self.w.history.take_id(), case_id, before, action, after, actor, adapt(at), note))


def build_case_history(*, district_code: str, per_street_month: int, seed: int, today: datetime.date,
                       progress=None) -> HistoryStats:
    """Write the demo year of cases. Precondition: the demo district, its staff, catalog and residents exist and
    there are no cases yet. Audit: one demo.history event with the counts. Side effects: rows in cases, history,
    hand-overs, certificates, ratings, follow-ups and the daily number counters; a few beneficiaries' new income
    records, and the eligibility re-check run once so its review list is not empty."""
    from doorstep.audit.services import audit_record

    with transaction.atomic():
        builder = HistoryBuilder(district_code=district_code, per_street_month=per_street_month, seed=seed,
                                 today=today, progress=progress)
        with deferred_indexes(Case, CaseHistory, MaterialHandover, Certificate, Rating, FollowUp):
            stats = builder.build()
        builder.change_some_incomes(share=0.03)
        audit_record(actor=None, actor_label="doorstep demo", action="demo.history",
                     summary={"cases": stats.cases, "running": stats.running, "overdue": stats.overdue,
                              "ratings": stats.ratings, "bad_ratings": stats.bad_ratings})
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    from doorstep.cases.services import eligibility_recheck

    stats.flagged = eligibility_recheck(today=today)["flagged"]  # last night's run, as it would have been
    return stats
