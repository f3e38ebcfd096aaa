"""The command center's queue and map with 5,000 open incidents, and the supervision sweep over 100,000 incidents
(issue #13 item 11: pages p95 ≤ 300 ms server time; the sweep ≤ 5 s).

Usage (a built demo district: `make run` or `doorstep demo --scale district`):
    .venv/bin/python bench/incidents_pages.py [--samples 30] [--out bench/results/incidents-pages-sqlite.md]
With DATABASE_URL set it measures PostgreSQL.

The demo's year holds about 35,000 reports of which a few hundred are open. Inside one transaction that is rolled
back at the end, the benchmark first tops the database up: copies of the demo's open incidents (with their running
orders, spread over the district's grids and their due times) until 5,000 are open, then copies of closed ones until
100,000 incidents exist. Pages are whole requests through Django's test client in this process (middleware, session,
selectors, template) for the district and a street dispatcher, a department and the district leader: the queue's
tabs, the overdue list, the department's orders, the map's GeoJSON and page, an incident's detail. The sweep is timed
twice: the first run marks and escalates what is due or overdue, the second finds it all done.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from doorstep.accounts.models import User  # noqa: E402
from doorstep.incidents.models import DispatchOrder, Incident  # noqa: E402
from doorstep.incidents.services.supervision import supervision_sweep  # noqa: E402
from doorstep.incidents.workflow import OPEN  # noqa: E402
from doorstep.org.models import OrgNode  # noqa: E402

TARGET_MS = 300
TARGET_SWEEP_S = 5
OPEN_TARGET = 5_000
TOTAL_TARGET = 100_000
PAGES = {
    "dispatcher": ["/incidents/center/", "/incidents/center/?tab=registered", "/incidents/center/?tab=handling",
                   "/incidents/center/?tab=handling&sort=due", "/incidents/center/?tab=handled",
                   "/incidents/center/overdue/", "/incidents/center/?tab=verified", "/incidents/center/?q=垃圾",
                   "/incidents/map.geojson", "/incidents/map.geojson?state=open", "/incidents/map/",
                   "/incidents/figures/"],
    "dispatcher_s01": ["/incidents/center/", "/incidents/center/?tab=handling", "/incidents/center/overdue/",
                       "/incidents/map.geojson"],
    "dept_cg": ["/incidents/orders/", "/incidents/orders/?tab=accepted", "/incidents/map.geojson"],
    "leader": ["/incidents/center/?tab=handling", "/incidents/map.geojson"],
}


def _copies(rows, count: int, rng: random.Random, grids: list[tuple[int, str]], prefix: str) -> list[Incident]:
    made = []
    for i in range(count):
        source = rows[i % len(rows)]
        copy = Incident(**{f.attname: getattr(source, f.attname) for f in Incident._meta.concrete_fields
                           if f.attname != "id"})
        grid_id, code = grids[rng.randrange(len(grids))]
        copy.number = f"{prefix}{i:010d}"
        copy.grid_id, copy.path, copy.merged_into_id = grid_id, code, None
        made.append(copy)
    return made


def top_up(rng: random.Random) -> dict:
    """Copies of open incidents (and their running orders) up to OPEN_TARGET open, then closed ones up to
    TOTAL_TARGET; inside the caller's transaction."""
    grids = list(OrgNode.objects.filter(level="grid").values_list("id", "code"))
    open_rows = list(Incident.objects.filter(state__in=list(OPEN)).exclude(state="merged"))
    need = max(0, OPEN_TARGET - len(open_rows))
    copies = Incident.objects.bulk_create(_copies(open_rows, need, rng, grids, "B"), batch_size=2000)
    orders = {}
    for order in DispatchOrder.objects.filter(incident__in=open_rows, state__in=["sent", "accepted", "done"]):
        orders.setdefault(order.incident_id, []).append(order)
    new_orders = []
    for i, copy in enumerate(copies):
        for order in orders.get(open_rows[i % len(open_rows)].pk, []):
            clone = DispatchOrder(**{f.attname: getattr(order, f.attname) for f in DispatchOrder._meta.concrete_fields
                                     if f.attname != "id"})
            clone.incident_id = copy.pk
            new_orders.append(clone)
    DispatchOrder.objects.bulk_create(new_orders, batch_size=2000)
    closed_rows = list(Incident.objects.filter(state="archived").order_by("id")[:5000])
    more = max(0, TOTAL_TARGET - Incident.objects.count())
    Incident.objects.bulk_create(_copies(closed_rows, more, rng, grids, "C"), batch_size=5000)
    return {"open": Incident.objects.filter(state__in=list(OPEN)).count(), "total": Incident.objects.count(),
            "running_orders": DispatchOrder.objects.filter(state__in=["sent", "accepted"]).count()}


def timed(client: Client, url: str) -> tuple[float, int, int]:
    reset_queries()
    started = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - started) * 1000, len(connection.queries), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if Incident.objects.count() < 10_000:
        sys.exit("build the district demo first (doorstep demo --scale district)")
    rng = random.Random(13)
    settings.DEBUG = True  # to count queries
    lines_pages, sweep = [], {}
    with transaction.atomic():
        started = time.perf_counter()
        sizes = top_up(rng)
        top_up_s = time.perf_counter() - started
        detail = Incident.objects.filter(state="handling").order_by("-id").values_list("pk", flat=True).first()
        for username, urls in PAGES.items():
            client = Client()
            client.force_login(User.objects.get(username=username))
            for url in urls + ([f"/incidents/{detail}/"] if username == "dispatcher" else []):
                timed(client, url)  # warm: the first request of a path loads its templates
                times, queries, statuses = [], [], set()
                for _ in range(args.samples):
                    ms, q, status = timed(client, url)
                    times.append(ms)
                    queries.append(q)
                    statuses.add(status)
                lines_pages.append((username, url, times, max(queries), statuses))
        for run in ("first", "second"):
            started = time.perf_counter()
            counts = supervision_sweep()
            sweep[run] = (time.perf_counter() - started, counts)
        transaction.set_rollback(True)
    worst = max(percentile(t, 0.95) for _u, _url, t, _q, _s in lines_pages)
    lines = [
        "# The command center's pages with 5,000 open incidents; the supervision sweep over 100,000 (issue #13 item 11)",
        "", f"Machine: {machine(connection.vendor)}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M')}; {args.samples} samples per page after one warm request; "
        "whole requests through Django's test client in this process (server time, no network).",
        f"Data: the district demo topped up in a rolled-back transaction ({top_up_s:.0f} s): {sizes['total']:,} "
        f"incidents, {sizes['open']:,} open, {sizes['running_orders']:,} running orders.", "",
        "| user | page | p50 ms | p95 ms | max ms | queries | status |", "|---|---|---:|---:|---:|---:|---|",
    ]
    for username, url, times, queries, statuses in lines_pages:
        lines.append(f"| {username} | `{url}` | {percentile(times, 0.5):.1f} | {percentile(times, 0.95):.1f} | "
                     f"{max(times):.1f} | {queries} | {','.join(map(str, sorted(statuses)))} |")
    lines += ["", f"Worst page p95: **{worst:.0f} ms** (target ≤ {TARGET_MS} ms: "
                  f"{'met' if worst <= TARGET_MS else 'NOT met'}).", "",
              "| supervision sweep | seconds | due soon | overdue | escalated |", "|---|---:|---:|---:|---:|"]
    for run, (seconds, counts) in sweep.items():
        lines.append(f"| {run} run | {seconds:.2f} | {counts['due_soon']} | {counts['overdue']} | "
                     f"{counts['escalated']} |")
    slowest = max(s for s, _c in sweep.values())
    lines += ["", f"Slowest sweep: **{slowest:.2f} s** over {sizes['total']:,} incidents (target ≤ {TARGET_SWEEP_S} s: "
                  f"{'met' if slowest <= TARGET_SWEEP_S else 'NOT met'})."]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
