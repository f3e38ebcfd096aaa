"""The one-window page (综合受理) at district scale, with the demo's year of cases loaded: server time per step.

Usage: build the district demo first (`make run` does, or `doorstep demo --scale district`), then
    .venv/bin/python bench/window_page.py [--samples 200] [--out bench/results/window-sqlite.md]
With DATABASE_URL set it measures PostgreSQL. Each timing is one whole request through Django's test client in this
process (middleware, session, selectors, template) — the time the server spends, without the network. A clerk of a
street center walks the page as at the counter: find the resident by ID number (typed or read from the card), or
by name; search an item; open the item with its materials and shared-data checks. Target (issue 3): p95 ≤ 150 ms.
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
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

from doorstep.accounts.models import User  # noqa: E402
from doorstep.cases.models import Case  # noqa: E402
from doorstep.core.crypto import decrypt  # noqa: E402
from doorstep.registry.models import Resident  # noqa: E402

TARGET_MS = 150
ITEM_QUERIES = ["生育", "低保", "医保", "ylj", "居住证", "优待证", "残疾", "gaoling"]
ITEMS = ["WJ-C02", "MZ-C01", "SB-C04", "MZ-D01", "ZM-D01", "CL-D01"]



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--clerk", default="clerk_s01a")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    residents = Resident.objects.count()
    cases = Case.objects.count()
    if residents < 100_000 or cases < 100_000:
        sys.exit(f"{residents} residents, {cases} cases: build the district demo first (doorstep demo)")
    settings.DEBUG = True  # to count queries; templates are cached either way
    rng = random.Random(2)
    max_id = Resident.objects.order_by("-id").values_list("id", flat=True).first()
    picks = []
    while len(picks) < args.samples:
        r = Resident.objects.filter(id__gte=rng.randrange(max_id), path__startswith="430302").order_by("id").first()
        if r:
            picks.append(r)
    client = Client()
    client.force_login(User.objects.get(username=args.clerk))
    steps = {
        "① find by ID number": lambda r: ("/window/", {"q": decrypt(r.id_number_enc)}),
        "① find by name": lambda r: ("/window/", {"q": r.name}),
        "② search an item": lambda r: ("/window/", {"resident": r.pk, "item_q": rng.choice(ITEM_QUERIES)}),
        "③ open the item (materials, shared data)": lambda r: ("/window/", {"resident": r.pk,
                                                                             "item": rng.choice(ITEMS)}),
    }
    rows = []
    for label, make in steps.items():
        for r in picks[:10]:  # warm-up
            client.get(*make(r))
        times, queries = [], []
        for r in picks:
            url, params = make(r)
            reset_queries()
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
            queries.append(len(connection.queries))
            if response.status_code != 200:
                sys.exit(f"{label}: HTTP {response.status_code} for {params}")
        rows.append((label, percentile(times, 0.5), percentile(times, 0.95), max(times), max(queries)))
    worst = max(r[2] for r in rows)
    lines = [
        f"# The one-window page at district scale ({connection.vendor})",
        "",
        f"Machine: {machine(f'database {connection.vendor}')}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M')}; {args.samples} requests per step as {args.clerk}, "
        f"after 10 warm-up requests; server time in process (Django test client).",
        f"Data: {residents:,} residents, {cases:,} cases (the demo district with its year of cases).",
        "",
        "| step | p50 ms | p95 ms | max ms | queries |",
        "|---|---:|---:|---:|---:|",
        *[f"| {label} | {p50:.1f} | {p95:.1f} | {mx:.1f} | {q} |" for label, p50, p95, mx, q in rows],
        "",
        f"Worst p95 {worst:.1f} ms (target ≤ {TARGET_MS} ms: {'met' if worst <= TARGET_MS else 'NOT met'}).",
    ]
    text = "\n".join(lines) + "\n"
    publish(text, args.out)


if __name__ == "__main__":
    main()
