"""下一位 under load on PostgreSQL (issue #14 item 10: call-next p95 ≤ 20 ms with 50 windows calling concurrently).

50 windows of one center, each held by its own clerk in its own process (own database connection), a queue of
5,000 waiting tickets in several priority classes. Two patterns, each measured on `ticket_call_next` alone (the
serving steps between calls are not timed):
- a busy hall, compressed: each window calls, serves for 5–15 s, calls again (real windows call every few minutes:
  this is still some 20 times the rate of a full hall of 50 windows);
- paced: the same with 0–2 s of service — 50 windows calling about 40 times a second together;
- closed loop: every window calls again the moment it has served — 50 callers hammering at once on 2 cores, the
  worst case, which measures the CPU queue more than the call.
Also checked: no ticket called twice, every call took the first waiting ticket of its class.

Usage: DATABASE_URL=postgres://… .venv/bin/python bench/hall_call_next.py [--windows 50] [--calls 40]
    [--out bench/results/hall-call-next-postgresql.md]
Rows the run writes are deleted after; audit events stay (append-only).
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

from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.runner import db_version, require_postgresql  # noqa: E402

PREFIX = "bench_call_"
FIRST_WINDOW = 101


def _cleanup(center):
    from doorstep.accounts.models import User
    from doorstep.hall.models import Ticket, TicketEvent, WindowSession
    from doorstep.org.models import Window

    windows = Window.objects.filter(center=center, number__gte=FIRST_WINDOW)
    WindowSession.objects.filter(window__in=windows).delete()
    TicketEvent.objects.filter(center=center, ticket__prefix="B").delete()
    Ticket.objects.filter(center=center, prefix="B").delete()
    windows.delete()
    User.objects.filter(username__startswith=PREFIX).delete()


def _setup(center, n_windows: int, n_tickets: int):
    from doorstep.accounts.models import User
    from doorstep.hall.models import Ticket
    from doorstep.hall.services.windows import window_open
    from doorstep.org.models import Window

    _cleanup(center)
    Window.objects.bulk_create([Window(center=center, number=FIRST_WINDOW + i, name=f"压测窗口{i + 1}")
                                for i in range(n_windows)])
    User.objects.bulk_create([User(username=f"{PREFIX}{i}", role="clerk", org_node=center.org_node, password="!")
                              for i in range(n_windows)])
    clerks = list(User.objects.filter(username__startswith=PREFIX).select_related("org_node").order_by("id"))
    for clerk, window in zip(clerks, Window.objects.filter(center=center, number__gte=FIRST_WINDOW)
                             .order_by("number"), strict=True):
        window_open(actor=clerk, window_id=window.pk)
    now = timezone.now()
    day = timezone.localdate(now)
    rng = random.Random(5)
    Ticket.objects.bulk_create([
        Ticket(center=center, day=day, prefix="B", seq=i + 1, pool="", priority_rank=rng.choice((1, 2, 3, 3, 3)),
               issued_at=now - datetime.timedelta(seconds=n_tickets - i),
               queued_at=now - datetime.timedelta(seconds=n_tickets - i)) for i in range(n_tickets)], batch_size=1000)
    return [c.pk for c in clerks]


def _worker(args):
    clerk_id, calls, pause, seed, barrier = args
    from doorstep.accounts.models import User
    from doorstep.hall.services.windows import ticket_call_next, ticket_finish, ticket_start

    clerk = User.objects.select_related("org_node").get(pk=clerk_id)
    rng = random.Random(seed)
    barrier.wait()
    times, called = [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        ticket = ticket_call_next(actor=clerk)
        times.append(time.perf_counter() - t0)
        if ticket is None:
            break
        called.append(ticket.pk)
        ticket_start(actor=clerk)
        ticket_finish(actor=clerk)
        if pause:
            time.sleep(rng.uniform(*pause))
    connections.close_all()
    return times, called


def _round(clerks, calls: int, pause):
    connections.close_all()
    manager = multiprocessing.Manager()
    barrier = manager.Barrier(len(clerks) + 1)
    with multiprocessing.get_context("fork").Pool(len(clerks)) as pool:
        pending = pool.map_async(_worker, [(c, calls, pause, i, barrier) for i, c in enumerate(clerks)])
        barrier.wait()
        t0 = time.perf_counter()
        results = pending.get()
    return results, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    require_postgresql()
    from doorstep.hall.models import Ticket, TicketEvent
    from doorstep.org.models import ServiceCenter

    center = ServiceCenter.objects.select_related("org_node").get(org_node__code="430302001")
    lines = []
    patterns = (("a busy hall, compressed (serve 5–15 s between calls)", (5, 15), max(args.calls // 5, 4)),
                ("paced (serve 0–2 s between calls)", (0, 2), args.calls),
                ("closed loop (call again at once)", None, args.calls))
    for label, pause, calls in patterns:
        clerks = _setup(center, args.windows, args.windows * args.calls * 2 + 100)
        results, wall = _round(clerks, calls, pause)
        times = [t for r in results for t in r[0]]
        later = [t for r in results for t in r[0][1:]]  # after the barrier's burst of 50 first calls
        called = [pk for r in results for pk in r[1]]
        twice = len(called) - len(set(called))
        events = TicketEvent.objects.filter(center=center, ticket__prefix="B", action="call").count()
        waiting_before = Ticket.objects.filter(center=center, prefix="B", state="waiting")
        out_of_order = waiting_before.filter(priority_rank__lt=max(
            Ticket.objects.filter(pk__in=called).values_list("priority_rank", flat=True))).exists() if called else 0
        lines.append(f"| {label} | {args.windows} | {len(times)} | {len(times) / wall:.0f} | "
                     f"{percentile(times, .5) * 1000:.1f} | **{percentile(times, .95) * 1000:.1f}** | "
                     f"{percentile(times, .99) * 1000:.1f} | {percentile(later, .95) * 1000:.1f} | {twice} | {events == len(called)} | "
                     f"{'no' if not out_of_order else 'yes'} |")
        _cleanup(center)
    report = f"""# 下一位 (call next) with {args.windows} windows at once on PostgreSQL (issue #14 item 10)

{machine(db_version())}
Run: {time.strftime('%Y-%m-%d %H:%M')}; {args.windows} clerks in {args.windows} processes, each holding one window of
the street center, {args.calls} calls each, a queue of waiting tickets in three classes; latency of
`ticket_call_next` alone (row lock SKIP LOCKED, conditional update, call event, audit event, commit).

| pattern | windows | calls | calls/s | p50 ms | p95 ms | p99 ms | p95 ms after each window's first call | called twice | one event per call | a lower class left waiting |
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(lines)}

Target: p95 ≤ 20 ms with 50 windows calling concurrently.
"""
    publish(report, args.out)


if __name__ == "__main__":
    main()
