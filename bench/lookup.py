"""Resident lookup at district scale through the selectors (the same code the pages and the API call).

Usage: build the district demo first (`make run` does, or `doorstep demo --scale district`), then
    .venv/bin/python bench/lookup.py [--samples 300] [--out bench/results/lookup-sqlite.md]
With DATABASE_URL set it measures PostgreSQL. Reports p50/p95/max per kind of query and the targets:
by ID number p95 ≤ 5 ms, by name or pinyin prefix p95 ≤ 50 ms. Each timing is one full selector call: the count
and the first page of 20 rows with their building and grid.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from doorstep.accounts.models import User  # noqa: E402
from doorstep.core.crypto import decrypt  # noqa: E402
from doorstep.registry.models import Resident  # noqa: E402
from doorstep.registry.selectors import resident_search_for_user  # noqa: E402

TARGETS_MS = {"id_number": 5, "phone": 5, "name": 50, "pinyin_full": 50, "pinyin_initials": 50}



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--user", default="admin", help="whose scope: admin (district), clerk_s01a, gw_001001003")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    total = Resident.objects.count()
    if total < 100_000:
        sys.exit(f"only {total} residents: build the district demo first (doorstep demo --scale district)")
    rng = random.Random(1)
    user = User.objects.select_related("org_node").get(username=args.user)
    max_id = Resident.objects.order_by("-id").values_list("id", flat=True).first()
    picks = []
    while len(picks) < args.samples:
        r = Resident.objects.filter(id__gte=rng.randrange(max_id)).exclude(phone_enc=None).order_by("id").first()
        if r:
            picks.append(r)
    queries = {
        "id_number": [decrypt(r.id_number_enc) for r in picks],
        "phone": [decrypt(r.phone_enc) for r in picks],
        "name": [r.name[:2] for r in picks],
        "pinyin_full": [r.name_pinyin[: max(4, len(r.name_pinyin) - 2)] for r in picks],
        "pinyin_initials": [r.name_initials for r in picks],
    }
    kinds = {"id_number": "auto", "phone": "auto", "name": "name", "pinyin_full": "pinyin", "pinyin_initials": "pinyin"}
    rows = []
    for label, qs in queries.items():
        for q in qs[:20]:  # warm caches
            resident_search_for_user(user, query=q, kind=kinds[label])
        timings, hits = [], []
        for q in qs:
            start = time.perf_counter()
            result = resident_search_for_user(user, query=q, kind=kinds[label])
            timings.append((time.perf_counter() - start) * 1000)
            hits.append(result.page.total)
        p95 = percentile(timings, 0.95)
        rows.append((label, len(qs), statistics.median(timings), p95, max(timings), statistics.mean(hits),
                     TARGETS_MS[label], "✓" if p95 <= TARGETS_MS[label] else "✗"))
    vendor = connection.vendor
    lines = [
        f"# Resident lookup, {vendor}, {total:,} residents, scope of `{args.user}`",
        "",
        f"Machine: {machine()}, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "| query | n | p50 ms | p95 ms | max ms | mean matches | target p95 ms | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.0f} | {r[6]} | {r[7]} |" for r in rows]
    text = "\n".join(lines) + "\n"
    publish(text, args.out)


if __name__ == "__main__":
    main()
