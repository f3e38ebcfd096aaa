"""The pages issue #11 item 9 named besides the lists, at district scale: the home with its figures (待受理, 超期 …,
counted cold: the per-user cache emptied before every request) for seven roles, the public catalog (/services/) on
the first request of a fresh process and warm, and accepting a bundle (一件事, three cases at once) at a street window.

Usage: build the district demo first (`make run` does), then
    .venv/bin/python bench/workbench_pages.py [--samples 60] [--out bench/results/workbench-sqlite.md]
With DATABASE_URL set it measures PostgreSQL. Timings are whole requests through Django's test client in this process
(middleware, session, selectors, template): the server's time without the network. Bundle acceptances run inside a
transaction that is rolled back, so the demo keeps its figures. Target: p95 ≤ 300 ms server time for every page.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from doorstep.accounts.models import User  # noqa: E402
from doorstep.cases.models import Case  # noqa: E402
from doorstep.catalog.models import ItemBundle  # noqa: E402
from doorstep.core.crypto import decrypt  # noqa: E402
from doorstep.core.idempotency import FIELD, new_key  # noqa: E402
from doorstep.registry.models import Resident  # noqa: E402
from doorstep.registry.services import resident_lookup  # noqa: E402

TARGET_MS = 300
ROLES = ["leader", "leader_s01", "approver", "approver_s01", "clerk_s01a", "clerk_c001001", "supervisor_c001001"]
FIRST_HIT = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
import doorstep.wsgi  # what a gunicorn worker loads before its first request
from django.test import Client
client = Client()
started = time.perf_counter()
status = client.get("/services/").status_code
print(status, (time.perf_counter() - started) * 1000)
"""


def timed(client, method: str, url: str, data=None) -> tuple[float, int, int]:
    reset_queries()
    started = time.perf_counter()
    response = getattr(client, method)(url, data or {})
    return (time.perf_counter() - started) * 1000, len(connection.queries), response.status_code


def row(label: str, times: list[float], queries: list[int]) -> str:
    return (f"| {label} | {len(times)} | {percentile(times, 0.5):.1f} | {percentile(times, 0.95):.1f} | "
            f"{max(times):.1f} | {max(queries)} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    cases = Case.objects.count()
    if cases < 100_000:
        sys.exit(f"{cases} cases: build the district demo first (doorstep demo)")
    settings.DEBUG = True  # to count queries
    rows = []
    for username in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/")
        times, queries = [], []
        for _ in range(args.samples):
            cache.clear()  # every figure counted again: the worst case, once a minute per user
            ms, n, status = timed(client, "get", "/")
            assert status == 200, (username, status)
            times.append(ms)
            queries.append(n)
        rows.append(row(f"home with figures, cold — {username}", times, queries))
    firsts = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", FIRST_HIT.format(root=str(Path(__file__).resolve().parent.parent))],
                             capture_output=True, text=True, check=True, env=os.environ.copy()).stdout.split()
        assert out[0] == "200", out
        firsts.append(float(out[1]))
    rows.append(row("/services/ — first request of a fresh worker (doorstep.wsgi loaded)", firsts, [0]))
    public = Client()
    times, queries = [], []
    for _ in range(args.samples):
        ms, n, _ = timed(public, "get", "/services/")
        times.append(ms)
        queries.append(n)
    rows.append(row("/services/ — warm", times, queries))
    clerk = User.objects.get(username="clerk_s01a")
    desk = Client()
    desk.force_login(clerk)
    rng = random.Random(7)
    bundle = ItemBundle.objects.get(code="YJS-01")
    names = sorted({m.name for i in bundle.items.all() for m in i.materials.all()})
    old = list(Resident.objects.filter(path__startswith="430302001", birth_date__year__lte=1955).order_by("id")[:500])
    times, queries = [], []
    for resident in rng.sample(old, min(args.samples, len(old))):
        resident_lookup(actor=clerk, query=decrypt(resident.id_number_enc), channel="window")
        with transaction.atomic():
            ms, n, status = timed(desk, "post", "/window/accept-bundle/", {
                "resident": resident.pk, "bundle": bundle.code, "material": names, "consent": "1",
                "delivery": "pickup", FIELD: new_key()})
            transaction.set_rollback(True)
        if status == 302:
            times.append(ms)
            queries.append(n)
    rows.append(row(f"accept a bundle ({bundle.name}, {bundle.items.count()} cases) — clerk_s01a", times, queries))
    worst = max(float(r.split("|")[4]) for r in rows)
    report = "\n".join([
        "# Home figures, the public catalog and bundle acceptance at district scale (issue #11 item 9)", "",
        f"Machine: {machine(connection.vendor)}", f"Cases: {cases:,}", "",
        "| page | samples | p50 ms | p95 ms | max ms | queries |", "|---|---|---|---|---|---|", *rows, "",
        f"Worst p95: {worst:.1f} ms (target {TARGET_MS} ms).", ""])
    publish(report, args.out)


if __name__ == "__main__":
    main()
