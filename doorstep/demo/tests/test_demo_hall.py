"""The demo's year of the service hall (issue #14, item 8) keeps the hall's rules and agrees with the case history:
every window case has exactly one ticket, at its center, served by its first contact, around its moment at the
window; no window holds two people at once; numbers run per center, day and prefix in issue order and the counters
agree; the queue called people in the order call-next would have; slots never hold more than their capacity and
count exactly the bookings holding them; people come mostly in the mornings and after the weekend; today's hall is
alive when the demo was built in opening hours; nothing is made for a day after today but bookings; and the
simulation is the same in every process for a seed."""

import datetime
import hashlib
import os
import subprocess
import sys
import zoneinfo
from collections import defaultdict

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from doorstep.audit.models import AuditEvent
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.models import Case
from doorstep.demo.hall import HallHistoryBuilder
from doorstep.demo.hall.curves import rest_days_before
from doorstep.demo.hall.today import build_live_hall
from doorstep.hall.models import Booking, HallPolicy, Slot, Ticket, TicketCounter, WindowSession
from doorstep.hall.services.slots import released_until

pytestmark = pytest.mark.django_db
DISTRICT = "430302"


def window_cases():
    return Case.objects.filter(channel="window", center__isnull=False, applicant_path__startswith=DISTRICT).filter(
        Q(accepted_at__isnull=False) | Q(state="refused"))


def history():
    return Ticket.objects.filter(center__org_node__code__startswith=DISTRICT, day__lt=timezone.localdate())


def test_every_window_case_has_exactly_one_ticket_at_its_center_served_by_its_first_contact():
    cases = window_cases().annotate(n=Count("tickets"))
    assert cases.count() > 3_000
    assert not cases.exclude(n=1).exists()
    linked = Ticket.objects.filter(case__isnull=False)
    assert not linked.exclude(center_id=F("case__center_id")).exists()
    assert not linked.exclude(served_by_id=F("case__first_contact_id")).exists()
    assert not linked.exclude(applicant_id=F("case__applicant_id")).exists()
    assert not linked.exclude(item_id=F("case__item_id")).exists()
    assert set(linked.values_list("state", flat=True).distinct()) == {"done"}
    rows = list(linked.filter(case__accepted_at__isnull=False).values_list(
        "day", "started_at", "finished_at", "case__accepted_at"))
    assert all(timezone.localdate(accepted) == day for day, _s, _f, accepted in rows)
    inside = sum(1 for _d, started, finished, accepted in rows if started <= accepted <= finished)
    assert inside >= 0.995 * len(rows)  # three people taken in within a minute at a two-window station: rare


def test_no_window_holds_two_tickets_at_once():
    spans = defaultdict(list)
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    for window, called, finished in Ticket.objects.filter(window__isnull=False).values_list(
            "window_id", "called_at", "finished_at"):
        spans[window].append((called, finished or far))
    assert spans
    for rows in spans.values():
        rows.sort()
        for (_a, end), (start, _b) in zip(rows, rows[1:], strict=False):
            assert end <= start


def test_numbers_run_in_issue_order_per_center_day_and_prefix_and_counters_agree():
    numbers = defaultdict(list)
    for center, day, prefix, seq, issued in Ticket.objects.values_list("center_id", "day", "prefix", "seq",
                                                                        "issued_at"):
        numbers[(center, day, prefix)].append((seq, issued))
    counters = {(c, d, p): last for c, d, p, last in TicketCounter.objects.values_list("center_id", "day", "prefix",
                                                                                       "last")}
    assert {p for _c, _d, p in numbers} == {"A", "Y"}
    for key, rows in numbers.items():
        rows.sort()
        assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
        assert all(a[1] <= b[1] for a, b in zip(rows, rows[1:], strict=False))
        assert counters[key] == len(rows)
    assert not TicketCounter.objects.filter(day__gt=timezone.localdate()).exists()
    assert not Ticket.objects.filter(day__gt=timezone.localdate()).exists()


def test_the_queue_called_people_as_call_next_would_and_most_waited_under_fifteen_minutes():
    days = defaultdict(list)
    for row in history().exclude(called_at__isnull=True).filter(transfers=0).values_list(
            "center_id", "day", "priority_rank", "issued_at", "called_at", "recalls"):
        days[row[:2]].append(row[2:])
    waits = []
    for rows in days.values():
        # the first call of a no-show is its last recall less the recalls (60 s, then 45 s apart)
        calls = sorted((called - datetime.timedelta(seconds=60 + 45 * (recalls - 1)) if recalls else called, rank,
                        issued) for rank, issued, called, recalls in rows)
        for k, (called, rank, issued) in enumerate(calls):
            waits.append((called - issued).total_seconds())
            assert issued <= called
            for _later_call, later_rank, later_issued in calls[k + 1:]:
                # nobody called past someone of the same or a higher class who had come before them
                waiting_then = later_issued < called
                assert not (waiting_then and (later_rank, later_issued) < (rank, issued))
    assert sum(1 for w in waits if w < 15 * 60) >= 0.8 * len(waits)


def test_slots_never_exceed_capacity_and_count_the_bookings_holding_them():
    slots = Slot.objects.annotate(holding=Count("bookings", filter=~Q(bookings__state="cancelled")))
    assert slots.count() > 1_000
    assert not slots.filter(booked__gt=F("capacity")).exists()
    assert not slots.exclude(booked=F("holding")).exists()
    days = Slot.objects.values_list("center_id", "day").annotate(n=Count("id"))
    assert len({n for _c, _d, n in days} - {14, 19, 6}) == 0  # whole days: weekday, staggered evening, Saturday
    bookings = Booking.objects.filter(center__org_node__code__startswith=DISTRICT)
    states = dict(bookings.values_list("state").annotate(n=Count("id")))
    total = sum(states.values())
    assert 0.04 <= states["cancelled"] / total <= 0.12 and 0.015 <= states["no_show"] / total <= 0.07
    arrived = bookings.filter(state="arrived")
    assert not arrived.filter(ticket__isnull=True).exists()
    assert not arrived.exclude(ticket__prefix="Y").exists()
    assert not bookings.exclude(state="arrived").filter(ticket__isnull=False).exists()
    assert not bookings.filter(created_at__gte=F("starts_at")).exists()
    policy = HallPolicy()  # no center of the demo has its own
    for created, day in bookings.values_list("created_at", "day"):
        assert day <= released_until(policy, created)
    share = arrived.count() / window_cases().count()
    assert 0.2 <= share <= 0.4
    assert sorted(bookings.values_list("code", flat=True).distinct()) == sorted(bookings.values_list("code",
                                                                                                     flat=True))


def test_people_come_mostly_in_the_morning_and_after_the_weekend_or_a_holiday():
    by_hour = defaultdict(int)
    by_day = defaultdict(int)
    for center, day, issued in history().values_list("center_id", "day", "issued_at"):
        by_hour[timezone.localtime(issued).hour] += 1
        by_day[(center, day)] += 1
    assert by_hour[9] + by_hour[10] > by_hour[15] + by_hour[16]
    calendar = work_calendar()
    busy, quiet = [], []
    for (_center, day), n in by_day.items():
        if not calendar.is_working_day(day):
            continue
        if rest_days_before(day, calendar.is_working_day) >= 2:
            busy.append(n)  # Mondays and the first day after a holiday
        elif day.weekday() in (2, 3):
            quiet.append(n)
    assert sum(busy) / len(busy) > sum(quiet) / len(quiet)


def test_windows_open_for_the_day_held_by_the_centers_clerks():
    sessions = WindowSession.objects.filter(closed_at__isnull=False)
    assert sessions.count() > 500
    assert not sessions.filter(closed_at__lte=F("opened_at")).exists()
    assert not sessions.exclude(user__org_node_id=F("window__center__org_node_id")).exists()
    assert not sessions.exclude(user__role="clerk").exists()


def test_bookings_for_today_and_the_coming_days_and_journey_ones_for_the_next_afternoon():
    today = timezone.localdate()
    booked = Booking.objects.filter(state="booked", day__gte=today)
    assert booked.count() >= 10
    assert not booked.filter(starts_at__lte=timezone.now()).exists()
    policy = HallPolicy()
    assert all(day <= released_until(policy, created) for day, created in booked.values_list("day", "created_at"))
    xie = booked.get(applicant__name="谢小波", applicant__path__startswith=DISTRICT)
    assert xie.center.org_node.code == f"{DISTRICT}001002" and xie.item.code == "WJ-C02"
    assert timezone.localtime(xie.starts_at).hour >= 15 and xie.day > today and xie.channel == "resident"
    assert xie.booked_by.username == "13800000001"


def test_todays_hall_is_alive_when_the_demo_was_built_in_opening_hours():
    event = AuditEvent.objects.filter(action="demo.hall").order_by("-id").first()
    assert event is not None
    if not event.summary.get("live_tickets"):
        pytest.skip("the centers were closed when the demo was built (the next test makes the live hall anyway)")
    _assert_live(timezone.localdate())


def test_a_live_hall_made_in_opening_hours_has_a_queue_in_motion():
    calendar = work_calendar()
    day = timezone.localdate()
    while not calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    now = datetime.datetime.combine(day, datetime.time(10, 17), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    Ticket.objects.filter(day=day).delete()
    TicketCounter.objects.filter(day=day).delete()
    WindowSession.objects.filter(closed_at__isnull=True).delete()
    builder = HallHistoryBuilder(district_code=DISTRICT, today=timezone.localdate(), seed=2026)
    builder.book.codes.update(Booking.objects.values_list("code", flat=True))
    tickets, _bookings = build_live_hall(builder, now=now)
    assert tickets >= 8
    _assert_live(day)


def _assert_live(day: datetime.date) -> None:
    live = Ticket.objects.filter(day=day)
    assert live.filter(state="waiting").count() >= 6  # three or more at each of the two centers
    assert live.filter(state="serving").count() == 2 and live.filter(state="called").count() == 1
    open_sessions = WindowSession.objects.filter(closed_at__isnull=True)
    assert open_sessions.count() == 3
    assert set(live.filter(state__in=("called", "serving")).values_list("window_id", flat=True)) <= set(
        open_sessions.values_list("window_id", flat=True))
    assert not open_sessions.exclude(user__org_node_id=F("window__center__org_node_id")).exists()
    assert not live.filter(center__org_node__code__in=(f"{DISTRICT}001001", f"{DISTRICT}001002")).exists()
    for center in live.values_list("center_id", flat=True).distinct():
        rows = list(live.filter(center_id=center).order_by("seq").values_list("issued_at", "called_at", "state"))
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)
        last_call = max(r[1] for r in rows if r[1] is not None)
        assert all(issued > last_call for issued, _c, state in rows if state == "waiting")


PIECE = """
import datetime, hashlib, os, random, sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
import django

django.setup()
from doorstep.demo.hall import curves
from doorstep.demo.hall.floor import Floor, Ticket, lognormal_seconds
from doorstep.demo.hall.queue import DayQueue, Priorities
from doorstep.demo.hall.reference import Rule, Visit

rng = random.Random(2026)
rules = Priorities([Rule(1, "elder70", "age", 1, 70), Rule(2, "disabled", "disabled", 1, None),
                    Rule(3, "pregnant", "declared", 1, None), Rule(5, "on_time", "on_time_booking", 2, None),
                    Rule(6, "standard", "standard", 3, None)])


class Ref:
    disabled = {3, 7}
    female = {2, 4, 6}

    def age(self, resident, day):
        return 20 + resident * 9


sampler = curves.MinuteSampler()
out = []
for day_index in range(40):
    spans = [(30600, 43200), (50400, 63000)]
    visits = sorted((Visit(k, rng.randrange(31000, 61000) // 60 * 60, 100 + k % 2, k % 9, "x", 1)
                     for k in range(rng.randrange(20, 60))), key=lambda v: (v.anchor, v.case_id))
    floor = Floor(rng, spans=spans, windows=[11, 12, 13, 14], clerks=[100, 101], base_windows=2)
    tickets = []
    for v in visits:
        t = Ticket("case", visit=v, applicant=v.applicant, item=1)
        t.wants_booking = rng.random() < 0.3
        floor.place_case(t, duration=lognormal_seconds(rng, 11, 0.4, 3, 40), clerk=v.clerk)
        tickets.append(t)
    for t in tickets:
        if rng.random() < 0.05:
            floor.place_transfer(t)
    for _ in range(8):
        t = Ticket("inquiry", applicant=None, item=None)
        t.arrival = sampler.draw(rng, ((510, 720), (840, 1050)), False)
        if floor.place_walk_in(t, duration=200):
            tickets.append(t)
    floor.freeze()
    queue = DayQueue(rng, floor, rules=rules, ref=Ref(), day=datetime.date(2026, 3, 2),
                     wait_mean=lambda s: curves.wait_mean_minutes(s // 60, 1.3),
                     book=lambda t, lower, call, desired: (max(lower, call - 900), call - 10))
    queue.run(tickets)
    tickets += queue.left_before_their_turn(tickets, 3, 3)
    out += [(t.kind, t.window, t.call, t.start, t.finish, t.issued, t.rank, t.prefix) for t in tickets]
print(len(out), hashlib.sha256(repr(out).encode()).hexdigest())
"""


def _run(hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", PIECE], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_hall_simulation_is_the_same_under_every_hash_seed():
    first, second = _run("1"), _run("2")
    assert first == second and int(first.split()[0]) > 1_000
    assert hashlib.sha256(first.encode()).hexdigest()  # a digest was printed, not an empty line
