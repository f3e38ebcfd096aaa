"""The booking release rush on PostgreSQL (issue #14 items 3 and 10): 2,000 residents try at once for 100 places
(25 slots × 4) the moment they are released; exactly 100 must be booked and the rest answered 已约满. Measured:
attempts per second through the booking service (hall.services.booking.booking_book, each attempt as a resident on
their own phone: their account, the item, the one-time notice read, a fresh idempotency key) next to the raw SQL
conditional update the service rests on (`UPDATE hall_slot SET booked = booked + 1 WHERE id = … AND booked <
capacity`), with the same number of worker processes in the same run. Target: ≥ 1,000 attempts/s through the service.

Usage (PostgreSQL with a demo district loaded and migrated):
    DATABASE_URL=postgres://… .venv/bin/python bench/hall_rush.py [--attempts 2000] [--processes 8]
        [--out bench/results/hall-rush-postgresql.md]
Rows the run writes (accounts, slots, bookings, keys) are deleted after; audit events stay (append-only).
"""

import argparse
import datetime
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.runner import db_version, require_postgresql  # noqa: E402

ITEM = "MZ-C01"
SLOTS, PER_SLOT = 25, 4
USER_PREFIX = "bench_rush_"


def _setup(attempts: int):
    from doorstep.accounts.models import User
    from doorstep.calendar.selectors import work_calendar
    from doorstep.hall.models import Booking, Slot
    from doorstep.hall.services.common import policy_for
    from doorstep.org.models import ServiceCenter
    from doorstep.registry.models import Resident

    _cleanup()
    center = ServiceCenter.objects.get(org_node__code="430302001002")
    day = timezone.localdate() + datetime.timedelta(days=2)
    while not work_calendar().is_working_day(day):
        day += datetime.timedelta(days=1)
    Booking.objects.filter(center=center, day=day).delete()
    Slot.objects.filter(center=center, day=day).delete()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 30)))
    minutes = policy_for(center).slot_minutes  # the slots as the center's policy makes them
    Slot.objects.bulk_create([Slot(center=center, day=day, pool="", capacity=PER_SLOT,
                                   starts_at=start + datetime.timedelta(minutes=minutes * i),
                                   ends_at=start + datetime.timedelta(minutes=minutes * (i + 1)))
                              for i in range(SLOTS)])
    people = list(Resident.objects.filter(status="active", account__isnull=True).order_by("id")
                  .values_list("id", flat=True)[:attempts])
    User.objects.bulk_create([User(username=f"{USER_PREFIX}{pk}", role="resident", resident_id=pk,
                                   password="!") for pk in people])
    starts = list(Slot.objects.filter(center=center, day=day).values_list("starts_at", flat=True))
    return center.pk, day, starts


def _cleanup():
    from doorstep.accounts.models import User
    from doorstep.core.models import IdempotencyKey
    from doorstep.hall.models import Booking, BookingEvent

    users = User.objects.filter(username__startswith=USER_PREFIX)
    bookings = Booking.objects.filter(booked_by__in=users)
    BookingEvent.objects.filter(booking__in=bookings).delete()
    bookings.delete()
    IdempotencyKey.objects.filter(actor_id__in=list(users.values_list("pk", flat=True))).delete()
    from doorstep.notifications.models import Notification

    Notification.objects.filter(user__in=users).delete()
    users.delete()


def _service_worker(args):
    worker, processes, center_id, picks, barrier = args
    from doorstep.accounts.models import User
    from doorstep.core.errors import Conflict
    from doorstep.core.idempotency import new_key
    from doorstep.hall.services.booking import SlotFull, booking_book

    mine = [(i, pk) for i, pk in enumerate(picks[1]) if i % processes == worker]
    users = {u.resident_id: u for u in User.objects.select_related("resident", "org_node")
             .filter(resident_id__in=[pk for _i, pk in mine])}
    barrier.wait()
    booked, full, other, times = 0, 0, 0, []
    for i, pk in mine:
        t0 = time.perf_counter()
        try:
            booking_book(actor=users[pk], center_id=center_id, item_code=ITEM, starts_at=picks[0][i],
                         notice_read=True, idempotency_key=new_key())
            booked += 1
        except SlotFull:
            full += 1
        except Conflict:
            other += 1
        times.append(time.perf_counter() - t0)
    connections.close_all()
    return booked, full, other, times, time.perf_counter()


def _raw_worker(args):
    worker, processes, slot_ids, attempts, barrier = args
    rng = random.Random(worker)
    barrier.wait()
    won, times = 0, []
    with connection.cursor() as cur:
        for _ in range(worker, attempts, processes):
            t0 = time.perf_counter()
            cur.execute("UPDATE hall_slot SET booked = booked + 1 WHERE id = %s AND booked < capacity",
                        [rng.choice(slot_ids)])
            won += cur.rowcount
            times.append(time.perf_counter() - t0)
    connections.close_all()
    return won, times, time.perf_counter()


def _run(worker_fn, jobs, processes):
    connections.close_all()  # never fork a live connection
    manager = multiprocessing.Manager()
    barrier = manager.Barrier(processes + 1)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pending = pool.map_async(worker_fn, [(*job, barrier) for job in jobs])
        barrier.wait()
        started = time.perf_counter()
        results = pending.get()
    return results, max(r[-1] for r in results) - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    require_postgresql()
    from doorstep.hall.models import Booking, Slot

    center_id, day, starts = _setup(args.attempts)
    rng = random.Random(2026)
    residents = list(__import__("doorstep.accounts.models", fromlist=["User"]).User.objects
                     .filter(username__startswith=USER_PREFIX).values_list("resident_id", flat=True))
    picks = ([rng.choice(starts) for _ in residents], residents)
    results, wall = _run(_service_worker, [(w, args.processes, center_id, picks) for w in range(args.processes)],
                         args.processes)
    booked = sum(r[0] for r in results)
    full = sum(r[1] for r in results)
    other = sum(r[2] for r in results)
    times = [t for r in results for t in r[3]]
    slots = list(Slot.objects.filter(center_id=center_id, day=day))
    over = sum(1 for s in slots if s.booked > s.capacity)
    stored = Booking.objects.filter(center_id=center_id, day=day, state="booked").count()
    # the raw conditional update on the same slots, emptied
    Slot.objects.filter(center_id=center_id, day=day).update(booked=0)
    slot_ids = [s.pk for s in slots]
    raw, raw_wall = _run(_raw_worker, [(w, args.processes, slot_ids, len(residents)) for w in range(args.processes)],
                         args.processes)
    raw_won = sum(r[0] for r in raw)
    raw_times = [t for r in raw for t in r[1]]
    service_rate, raw_rate = len(times) / wall, len(raw_times) / raw_wall
    report = f"""# The booking release rush on PostgreSQL (issue #14 items 3 and 10)

{machine(db_version())}
Run: {time.strftime('%Y-%m-%d %H:%M')}; {len(residents)} residents at once ({args.processes} worker processes, each
its own database connection, all released by one barrier) for {SLOTS * PER_SLOT} places ({SLOTS} slots × {PER_SLOT}).

| | attempts | booked | 已约满 | other refusals | oversold slots | attempts/s | p50 ms | p95 ms |
|---|---|---|---|---|---|---|---|---|
| through the service | {len(times)} | {booked} (rows: {stored}) | {full} | {other} | {over} | **{service_rate:.0f}** | {percentile(times, .5) * 1000:.1f} | {percentile(times, .95) * 1000:.1f} |
| raw SQL conditional update | {len(raw_times)} | {raw_won} | {len(raw_times) - raw_won} | 0 | 0 | {raw_rate:.0f} | {percentile(raw_times, .5) * 1000:.2f} | {percentile(raw_times, .95) * 1000:.2f} |

Service ÷ raw: {service_rate / raw_rate:.0%}. Target: ≥ 1,000 attempts/s through the service, 0 oversold.
"""
    Slot.objects.filter(center_id=center_id, day=day).delete()
    _cleanup()
    publish(report, args.out)


if __name__ == "__main__":
    main()
