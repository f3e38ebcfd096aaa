"""The dispatch suggestion from the cold start alone: trained on the category seed only (names, descriptions,
keywords of doorstep/incidents/data/categories.yaml), measured on the hand-written texts no model has seen
(bench/data/suggest_handwritten.tsv; how they were written: bench/suggest_handwritten_readme.md).

Usage:
    .venv/bin/python bench/suggest_cold.py [--scale 30000] [--out bench/results/suggest-cold.md]
Reports top-1 and top-3 department accuracy, top-1 category accuracy, by voice (resident, grid worker, phone), the
latency of one suggestion (p50/p95/max over every text, after a warm-up) and the training time. With --scale N it
also times training on N synthetic decisions (cold-start texts recombined with places, numbers and random
characters: their accuracy means nothing, only the time and the model's size do). Issue #13's targets (top-1 ≥ 90%,
top-3 ≥ 97%) are for the model trained on the demo's history; this is the baseline before any decision exists.
No database, no Django.
"""

import argparse
import csv
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile, publish  # noqa: E402
from doorstep.incidents.suggest import Sample, Suggester, cold_start_samples  # noqa: E402

SEED = ROOT / "doorstep" / "incidents" / "data" / "categories.yaml"
HANDWRITTEN = ROOT / "bench" / "data" / "suggest_handwritten.tsv"
TARGET_P95_MS = 20


def load_rows() -> list[dict]:
    with HANDWRITTEN.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def synthetic(cold: list[Sample], n: int) -> list[Sample]:
    rng = random.Random(1)
    places = ["雨湖路", "建设北路", "韶山西路", "基建营", "白石公园", "窑湾", "十八总", "昭潭", "万楼", "泗洲"]
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    out = []
    for _ in range(n):
        s = rng.choice(cold)
        noise = "".join(rng.choice(chars) for _ in range(rng.randint(0, 20)))
        out.append(Sample(f"{rng.choice(places)}{rng.randint(1, 300)}号 {s.text} {noise}", s.department, s.category))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=0, help="also time training on this many synthetic decisions")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    categories = yaml.safe_load(SEED.read_text(encoding="utf-8"))["categories"]
    cold = cold_start_samples(categories)
    rows = load_rows()

    start = time.perf_counter()
    model = Suggester.train([], cold_start=cold)
    train_s = time.perf_counter() - start
    size = len(model.dumps())

    for row in rows[:50]:  # warm-up
        model.suggest(row["text"])
    timings, hits = [], defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        start = time.perf_counter()
        s = model.suggest(row["text"])
        timings.append((time.perf_counter() - start) * 1000)
        for key in ("all", row["voice"]):
            h = hits[key]
            h[0] += 1
            h[1] += s.department == row["department"]
            h[2] += row["department"] in [r.label for r in s.top3]
            h[3] += s.category == row["category"]
    p95 = percentile(timings, 0.95)

    lines = [
        f"# Dispatch suggestion from the cold start alone, {len(rows)} hand-written texts",
        "",
        f"Machine: {machine()}, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"Model `{model.info['model']}`: {model.info['cold_start_samples']} cold-start samples from "
        f"{model.info['categories']} categories, {len(model.info['departments'])} departments, "
        f"{model.info['features']:,} features; trained in {train_s:.2f} s; stored {size / 1024:.0f} KiB.",
        "",
        "| texts | n | department top-1 | department top-3 | category top-1 |",
        "|---|---|---|---|---|",
    ]
    for key in ("all", "resident", "grid_worker", "phone"):
        n, top1, top3, cat = hits[key]
        if n:
            lines.append(f"| {key} | {n} | {top1 / n:.1%} | {top3 / n:.1%} | {cat / n:.1%} |")
    lines += [
        "",
        "| one suggestion | p50 ms | p95 ms | max ms | target p95 ms | met |",
        "|---|---|---|---|---|---|",
        f"| latency | {statistics.median(timings):.3f} | {p95:.3f} | {max(timings):.3f} | {TARGET_P95_MS} | "
        f"{'✓' if p95 <= TARGET_P95_MS else '✗'} |",
    ]
    if args.scale:
        samples = synthetic(cold, args.scale)
        start = time.perf_counter()
        big = Suggester.train(samples, cold_start=cold)
        big_s = time.perf_counter() - start
        lines += [
            "",
            f"Training on {args.scale:,} synthetic decisions plus the cold start: {big_s:.1f} s, "
            f"{big.info['features']:,} features, stored {len(big.dumps()) / 2**20:.1f} MiB.",
        ]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
