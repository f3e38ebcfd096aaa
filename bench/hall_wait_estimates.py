"""How good the wait shown to residents is, on the demo's year (issue #14 item 7: "wait estimates as a range whose
80th-percentile error is measured on the demo's history"). Replays every called ticket of the last N days (what the
queue looked like at its issue → the estimate the ticket page would have shown), fits the range on the older two
thirds and measures on the newest third, per center and for the district (hall.figures.estimates).

Usage: .venv/bin/python bench/hall_wait_estimates.py [--days 90] [--out bench/results/hall-wait-estimates.md]
(any database with the demo district; it stores nothing)."""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    from doorstep.hall.figures.estimates import calibrate, replay
    from doorstep.hall.selectors.queue import WAIT_BAND
    from doorstep.org.models import ServiceCenter

    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=args.days), today - datetime.timedelta(days=1)
    centers = {c.pk: c.name for c in ServiceCenter.objects.filter(tickets__day__gte=start).distinct()}
    t0 = time.perf_counter()
    everything = replay(list(centers), start, end)
    seconds = time.perf_counter() - t0
    rows = []
    for key, label in [(None, "全区 (district)")] + sorted(centers.items(), key=lambda kv: kv[1]):
        items = everything if key is None else [r for r in everything if r.center_id == key]
        fitted = calibrate(items)
        if fitted is None:
            rows.append(f"| {label} | {len(items)} | too few | | | | |")
            continue
        test = sorted(items, key=lambda r: r.day)[len(items) * 2 // 3:]
        fixed = sum(1 for r in test if r.estimate * WAIT_BAND[0] <= r.actual <= r.estimate * WAIT_BAND[1]) / len(test)
        actual80 = percentile([r.actual for r in test], 0.8)
        rows.append(f"| {label} | {fitted.tickets} | {fitted.low:.2f}–{fitted.high:.2f} | **{fitted.p80_error_minutes}** "
                    f"| {actual80:.1f} | {fitted.coverage:.0%} | {fixed:.0%} |")
    report = f"""# Wait estimates measured on the demo's history (issue #14 item 7)

{machine(connection.vendor)}
Run: {time.strftime('%Y-%m-%d %H:%M')}; {len(everything)} called tickets from {start} to {end} replayed in
{seconds:.1f} s. For each: (people ahead in call order + ½) × the center's mean service time over the 28 days before
÷ windows open when it was issued, against its real wait (issue to first call). Range factors fitted on the older two
thirds, every other column measured on the newest third.

| scope | tickets | range factors (p10–p90 of actual ÷ estimate) | 80th-percentile error, minutes | 80th-percentile wait, minutes | actual inside the fitted range | inside the fixed range {WAIT_BAND[0]}–{WAIT_BAND[1]} |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}
"""
    publish(report, args.out)


if __name__ == "__main__":
    main()
