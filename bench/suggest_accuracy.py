"""The dispatch suggestion's accuracy and latency (issue #13 items 7 and 11), on the demo district's history.

Two test sets the model never saw:
1. a time-ordered split of the demo's dispatch decisions: trained on the older 90% (and the categories' cold start),
   tested on the newest 10%;
2. the hand-written texts of bench/data/suggest_handwritten.tsv (written independently of the demo generator: see
   bench/suggest_handwritten_readme.md) and the review's held-out texts of bench/data/suggest_review.tsv (written
   later, before the suggestion was changed, never tuned on: bench/data/suggest_review_readme.md), each with the
   model trained on every demo decision — as the site would be — and with the cold start alone.
Reports top-1 and top-3 department accuracy, top-1 category accuracy, and one suggestion's latency (p50, p95, max)
through the site's own path (incidents.suggest.service.suggest_for_text, after a warm-up), the training time and
the model's size. Targets: top-1 ≥ 90%, top-3 ≥ 97%, p95 ≤ 20 ms.

Usage (a built demo district in DOORSTEP_VAR_DIR or DATABASE_URL):
    .venv/bin/python bench/suggest_accuracy.py [--texts FILE ...] [--no-latency] [--out bench/results/suggest-accuracy.md]
--texts names the hand-written test files (tab-separated: text, department, category, voice; default both files
above); --no-latency measures accuracy only (while other work shares the machine).
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

django.setup()

from bench.common import machine, percentile, publish  # noqa: E402
from doorstep.incidents.suggest.model import Sample, Suggester, cold_start_samples  # noqa: E402
from doorstep.incidents.suggest.service import (  # noqa: E402
    category_rows,
    decision_samples,
    measure,
    suggest_for_text,
    suggestion_changed,
)

HANDWRITTEN = ROOT / "bench" / "data" / "suggest_handwritten.tsv"
REVIEW = ROOT / "bench" / "data" / "suggest_review.tsv"
TEXT_SETS = {HANDWRITTEN.name: "hand-written texts", REVIEW.name: "review's held-out texts"}


def handwritten(path: Path = HANDWRITTEN) -> list[Sample]:
    with Path(path).open(encoding="utf-8", newline="") as f:
        return [Sample(r["text"], r["department"], r["category"])
                for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def row(name: str, m: dict) -> str:
    return f"| {name} | {m['n']} | {m['top1']:.1%} | {m['top3']:.1%} | {m['category']:.1%} |"


def main() -> None:
    from django.db import connection

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="")
    parser.add_argument("--texts", nargs="+", type=Path, default=[HANDWRITTEN, REVIEW],
                        help="hand-written test files (text, department, category, voice; tab-separated)")
    parser.add_argument("--no-latency", action="store_true", help="accuracy only")
    args = parser.parse_args()
    cold = cold_start_samples(category_rows())
    samples = decision_samples()
    if len(samples) < 100:
        sys.exit("the database holds fewer than 100 dispatch decisions: build the demo district first")
    cut = int(len(samples) * 0.9)
    started = time.perf_counter()
    trial = Suggester.train(samples[:cut], cold_start=cold)
    train_seconds = time.perf_counter() - started
    split = measure(trial, samples[cut:])
    started = time.perf_counter()
    full = Suggester.train(samples, cold_start=cold)
    full_seconds = time.perf_counter() - started
    cold_model = Suggester.train([], cold_start=cold)
    text_rows = []
    for path in args.texts:
        name = TEXT_SETS.get(path.name, f"`{path.name}`")
        texts = handwritten(path)
        text_rows.append(row(f"{name} (trained on every demo decision)", measure(full, texts)))
        text_rows.append(row(f"{name} (cold start only, no decision)", measure(cold_model, texts)))
    if args.no_latency:
        times: list[float] = []
    else:
        times = latency(full, samples, cut, split, args.texts[0] if args.texts else HANDWRITTEN)
    engine = connection.vendor
    lines = [
        "# Dispatch suggestion: accuracy and latency (issue #13 items 7, 11)", "",
        f"Machine: {machine(engine)}", "",
        f"Decisions in the database: {len(samples)}; cold-start samples: {len(cold)}; "
        f"model: {full.info.get('model')}, {len(full.dumps()) / 2**20:.1f} MiB stored.", "",
        "| test set | n | department top-1 | department top-3 | category top-1 |", "|---|---|---|---|---|",
        row("demo, newest 10% (time-ordered split; trained on the older 90%)", split),
        *text_rows, "",
        f"Training: {train_seconds:.1f} s on {cut} decisions, {full_seconds:.1f} s on {len(samples)}.", "",
    ]
    if times:
        lines += [f"Latency of one suggestion through `suggest_for_text` over {len(times)} texts: "
                  f"p50 {percentile(times, 0.5):.2f} ms, p95 {percentile(times, 0.95):.2f} ms, max {max(times):.1f} ms "
                  "(target p95 ≤ 20 ms).", ""]
    lines.append("Targets: department top-1 ≥ 90%, top-3 ≥ 97% on reports the model never saw.")
    publish("\n".join(lines) + "\n", args.out)


def latency(full: Suggester, samples: list, cut: int, split: dict, texts_path: Path) -> list[float]:
    """One suggestion's time in ms through the site's path, with the full model installed as the newest."""
    from doorstep.incidents.models import SuggestionModel

    saved = SuggestionModel.objects.create(trained_at=django.utils.timezone.now(), samples=len(samples),
                                           measured=split, blob=full.dumps())
    try:
        suggestion_changed()
        texts = [s.text for s in handwritten(texts_path)] + [s.text for s in samples[cut:cut + 700]]
        for t in texts[:50]:
            suggest_for_text(t)
        times = []
        for t in texts:
            t0 = time.perf_counter()
            suggest_for_text(t)
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        saved.delete()
        suggestion_changed()
    return times


if __name__ == "__main__":
    main()
