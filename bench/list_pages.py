"""Paging the case ledger at district scale (issue #10, item 8): server time of the ledger page (HTML) and the API
list at page 1, at the last numbered page, at cursor pages sampled over the whole list, walking to the end and
back, on the last page (末页), with filters — and what the old deep page numbers cost now (a 400).

Usage: build the district demo first (`make run` does, or `doorstep demo --scale district --if-missing`), then
    .venv/bin/python bench/list_pages.py [--samples 20] [--users leader,clerk_s01a] [--out FILE]
With DATABASE_URL set it measures PostgreSQL. Each timing is one whole request through Django's test client in
this process (middleware, session or token, selectors, template or JSON) — the time the server spends, without the
network. The rate limiter is switched off for the walk (a benchmark is not everyday use) and measured on its own
in one row. Deep cursors are made from rows at random places in each sort's full order (read once per sort, not
timed). Target (issue #10, item 8): every list page and API page p95 ≤ 300 ms, at any depth.
`--allow-small` runs it on the small demo (to check the script, not to record figures).
"""

import argparse
import html
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

from doorstep.accounts.models import User  # noqa: E402
from doorstep.accounts.services import api_token_create  # noqa: E402
from doorstep.cases.models import Case  # noqa: E402
from doorstep.cases.selectors import LEDGER_SORTS, case_ledger_for_user  # noqa: E402
from doorstep.core.paging import cursor_after, end_cursor  # noqa: E402

TARGET_MS = 300
FILTERS = [{"state": "in_review"}, {"mark": "red"}, {"state": "rated"}, {"channel": "online"}]

# The other list pages, each as every user below who may open it (a 403/404 probe skips the rest): page 1, the
# last numbered page, and five "下一页" from there (cursor pages where the list has them).
OTHER_LISTS = [
    ("ledger, online, by item", "/cases/", {"channel": "online", "sort": "item"}),
    ("supervision", "/cases/supervision/", {}),
    ("supervision, red", "/cases/supervision/", {"mark": "red"}),
    ("supervision, yellow", "/cases/supervision/", {"mark": "yellow"}),
    ("approval queue", "/cases/queue/", {}),
    ("deliveries", "/cases/deliveries/", {}),
    ("deliveries, done", "/cases/deliveries/", {"done": "1"}),
    ("eligibility re-checks", "/cases/reviews/", {}),
    ("rating follow-ups", "/ratings/follow-ups/", {}),
    ("audit trail", "/audit/", {}),
    ("notifications", "/notifications/", {}),
    ("residents, surname 王", "/residents/", {"q": "王"}),
    ("residents, initials wj", "/residents/", {"q": "wj"}),
]
OTHER_USERS = "leader,leader_s01,clerk_s01a,approver_s01,approver,supervisor_c001001,admin"


class Meter:
    def __init__(self):
        self.times: dict[tuple, list[float]] = defaultdict(list)
        self.queries: dict[tuple, int] = defaultdict(int)
        self.statuses: dict[tuple, set] = defaultdict(set)

    def get(self, key: tuple, client: Client, url: str, params: dict, expect: int = 200):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url, params)
        self.times[key].append((time.perf_counter() - started) * 1000)
        self.queries[key] = max(self.queries[key], len(connection.queries))
        self.statuses[key].add(response.status_code)
        if response.status_code != expect:
            sys.exit(f"{key}: HTTP {response.status_code} (expected {expect}) for {params}: "
                     f"{response.content[:300]!r}")
        return response


def link_cursor(response, api: bool, which: str) -> str:
    """The cursor of the next or previous page: from the JSON, or from the page's 下一页 / 上一页 link."""
    if api:
        return response.json()[f"{which}_cursor"] or ""
    match = re.search(rf'href="\?([^"]*)" data-testid="{which}-page"', response.content.decode())
    if not match:
        return ""
    return parse_qs(html.unescape(match.group(1))).get("cursor", [""])[0]


def sample_rows(qs, n: int, rng: random.Random) -> list[dict]:
    """n rows at random places in the queryset's full order (one pass over its sort keys, not timed)."""
    fields = ("id", "due_date", "item_id", "state")
    rows = list(qs.values_list(*fields))
    picked = sorted(rng.sample(range(len(rows) - 1), min(n, len(rows) - 1)))
    return [dict(zip(fields, rows[i], strict=True)) for i in picked]


def measure_user(meter: Meter, username: str, samples: int, rng: random.Random) -> int:
    account = User.objects.select_related("org_node").get(username=username)
    page_client = Client()
    page_client.force_login(account)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(actor=None, user=account, name='bench')}")
    endpoints = [("HTML", page_client, "/cases/", False), ("API", api, "/api/v1/cases/", True)]
    size = settings.DOORSTEP_PAGE_SIZE
    total = case_ledger_for_user(account).count()
    for _, client, url, _api in endpoints:  # warm-up: templates, token, calendar, each sort's first use
        for sort in LEDGER_SORTS:
            client.get(url, {"sort": sort})
    for sort in LEDGER_SORTS:
        qs = case_ledger_for_user(account, sort=sort)
        rows = sample_rows(qs, samples, rng)
        cursors = [cursor_after(qs, row) for row in rows]
        for name, client, url, api_mode in endpoints:
            base = {"sort": sort}
            for _ in range(samples):
                meter.get((username, name, sort, "page 1"), client, url, base)
            last_numbered = min(settings.DOORSTEP_PAGE_MAX_PAGES, max(1, -(-total // size)))
            for _ in range(samples):
                meter.get((username, name, sort, f"page {last_numbered}"), client, url, {**base, "page": last_numbered})
            for cursor in cursors:
                response = meter.get((username, name, sort, "cursor, sampled deep"), client, url,
                                     {**base, "cursor": cursor})
                back = link_cursor(response, api_mode, "prev")
                if back:
                    meter.get((username, name, sort, "previous page (cursor)"), client, url, {**base, "cursor": back})
            # walk to the end by next_cursor from a few pages before it, then open 末页
            if len(rows) > 1:
                tail = case_ledger_for_user(account, sort=sort).reverse()[size * 5 - 1: size * 5]
                cursor = cursor_after(qs, tail[0]) if tail else ""
                while cursor:
                    response = meter.get((username, name, sort, "walk to the end"), client, url,
                                         {**base, "cursor": cursor})
                    cursor = link_cursor(response, api_mode, "next")
            for _ in range(max(3, samples // 4)):
                meter.get((username, name, sort, "last page (末页)"), client, url, {**base, "cursor": end_cursor(qs)})
            for deep in (33000, 100000):
                meter.get((username, name, sort, "page 33000 / 100000 (now 400)"), client, url,
                          {**base, "page": deep}, expect=400)
    newest = case_ledger_for_user(account).values_list("number", flat=True).first() or ""
    # a number prefix as people type it: one day's (14 digits), and a shorter one (refused with a hint: empty)
    for filters in [*FILTERS, {"q": newest[:14]}, {"q": newest[:10]}, {"q": newest[:14], "channel": "online"}]:
        qs = case_ledger_for_user(account, sort="due_date", **filters)
        rows = sample_rows(qs, samples, rng) if qs.exists() else []
        label = ",".join(f"{k}={v}" for k, v in filters.items())
        for name, client, url, _api in endpoints:
            base = {"sort": "due_date", **filters}
            for _ in range(max(3, samples // 2)):
                meter.get((username, name, f"due_date, {label}", "page 1"), client, url, base)
            for row in rows:
                meter.get((username, name, f"due_date, {label}", "cursor, sampled deep"), client, url,
                          {**base, "cursor": cursor_after(qs, row)})
    # the rate limiter's own cost: page 1 with it on (a limit nobody reaches)
    settings.RATELIMIT_ENABLE = True
    settings.DOORSTEP_RATE_LIST = "1000000/m"
    for name, client, url, _api in endpoints:
        for _ in range(samples):
            meter.get((username, name, "-id", "page 1, rate limiter on"), client, url, {})
    settings.RATELIMIT_ENABLE = False
    return total


def measure_other_lists(meter: Meter, usernames: list[str], samples: int) -> None:
    last = settings.DOORSTEP_PAGE_MAX_PAGES
    for username in usernames:
        account = User.objects.select_related("org_node").get(username=username)
        client = Client()
        client.force_login(account)
        for label, url, params in OTHER_LISTS:
            if client.get(url, params).status_code != 200:  # not this role's page (and the warm-up)
                continue
            key = ("other", username, label)
            for _ in range(samples):
                meter.get((*key, "page 1"), client, url, params)
            for _ in range(samples):
                response = meter.get((*key, f"page {last}"), client, url, {**params, "page": last})
            for _ in range(5):
                cursor = link_cursor(response, False, "next")
                if not cursor:
                    break
                response = meter.get((*key, "next pages (cursor)"), client, url, {**params, "cursor": cursor})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--users", default="leader,leader_s01,clerk_s01a")
    parser.add_argument("--other-users", default=OTHER_USERS, help="for the other list pages ('' to skip them)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", default="")
    parser.add_argument("--allow-small", action="store_true")
    args = parser.parse_args()
    cases = Case.objects.count()
    if cases < 100_000 and not args.allow_small:
        sys.exit(f"{cases} cases: build the district demo first (doorstep demo --scale district)")
    settings.DEBUG = True  # to count queries; templates are cached either way
    settings.RATELIMIT_ENABLE = False
    rng = random.Random(args.seed)
    meter = Meter()
    totals = {}
    started = time.time()
    for username in [u for u in args.users.split(",") if u]:
        totals[username] = measure_user(meter, username, args.samples, rng)
    other_users = [u for u in args.other_users.split(",") if u]
    measure_other_lists(meter, other_users, max(3, args.samples // 2))

    # by position, over every sort
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    ledger_keys = [k for k in meter.times if k[0] != "other"]
    other_keys = [k for k in meter.times if k[0] == "other"]
    for key in ledger_keys:
        username, endpoint, sort, position = key
        groups[(username, endpoint, position)].append(key)
    lines = [
        f"# Paging the case ledger at district scale ({connection.vendor})",
        "",
        f"Machine: {machine(f'database {connection.vendor}')}",
        f"Run: {time.strftime('%Y-%m-%d %H:%M')}, {time.time() - started:.0f} s; {args.samples} samples per sort "
        f"and position; page size {settings.DOORSTEP_PAGE_SIZE}, page numbers up to "
        f"{settings.DOORSTEP_PAGE_MAX_PAGES}; server time in process (Django test client).",
        f"Data: {cases:,} cases; in scope: " + ", ".join(f"{u} {n:,}" for u, n in totals.items()) + ".",
        "",
        "## Every sort of the ledger together (" + ", ".join(LEDGER_SORTS) + "), and the filtered ones",
        "",
        "| user | endpoint | position | requests | p50 ms | p95 ms | max ms | queries (max) | status |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    worst = 0.0
    for (username, endpoint, position), keys in groups.items():
        times = [t for k in keys for t in meter.times[k]]
        p95 = percentile(times, 0.95)
        statuses = sorted({s for k in keys for s in meter.statuses[k]})
        if statuses == [200]:
            worst = max(worst, p95)
        lines.append(f"| {username} | {endpoint} | {position} | {len(times)} | {percentile(times, 0.5):.1f} | "
                     f"{p95:.1f} | {max(times):.1f} | {max(meter.queries[k] for k in keys)} | "
                     f"{'/'.join(map(str, statuses))} |")
    lines += ["", "## The slowest sorts (p95 per user, endpoint, sort and position; top 12)", "",
              "| user | endpoint | sort | position | p95 ms | max ms |", "|---|---|---|---|---:|---:|"]
    ranked = sorted(ledger_keys, key=lambda k: -percentile(meter.times[k], 0.95))
    for key in ranked[:12]:
        lines.append(f"| {' | '.join(key)} | {percentile(meter.times[key], 0.95):.1f} | {max(meter.times[key]):.1f} |")
    if other_keys:
        lines += ["", "## The other list pages (HTML), as each user who may open them", "",
                  f"Users tried: {', '.join(other_users)}; a page a user may not open is left out.", "",
                  "| list | user | position | requests | p50 ms | p95 ms | max ms | queries (max) |",
                  "|---|---|---|---:|---:|---:|---:|---:|"]
        for key in other_keys:
            times = meter.times[key]
            worst = max(worst, percentile(times, 0.95))
            lines.append(f"| {key[2]} | {key[1]} | {key[3]} | {len(times)} | {percentile(times, 0.5):.1f} | "
                         f"{percentile(times, 0.95):.1f} | {max(times):.1f} | {meter.queries[key]} |")
    lines += ["", f"Worst p95 of a page that answered 200: {worst:.1f} ms (target ≤ {TARGET_MS} ms: "
                  f"{'met' if worst <= TARGET_MS else 'NOT met'})."]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
