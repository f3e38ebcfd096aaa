"""The community's pages on the demo district's year (issue #15; "no page may cost seconds at any page number"): the
public wish wall and its stories, a volunteer's wishes near him, claims, activities and hours, the Xiyuan station's
review tabs, roster, activities and pairings, and an administrator's district-wide review and roster — whole requests
through Django's test client in this process (middleware, session, selectors, template), with the queries each makes.

Usage (a built demo district: `make run` or `doorstep demo --scale district`):
    .venv/bin/python bench/community_pages.py [--samples 20] [--out bench/results/community-pages-sqlite.md]
With DATABASE_URL set it measures PostgreSQL. Reads only.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from doorstep.accounts.models import User  # noqa: E402
from doorstep.wishes.models import Activity, HoursEntry, Volunteer, Wish  # noqa: E402

PAGES = {
    None: ["/wishes/", "/wishes/?tab=stories", "/wishes/?page=20"],
    "volunteer1": ["/wishes/near/", "/wishes/claims/", "/activities/", "/activities/hours/", "/volunteers/pairings/"],
    "clerk_c001004": ["/wishes/review/", "/wishes/review/?tab=closed&page=5", "/volunteers/roster/",
                      "/volunteers/roster/?page=3", "/activities/manage/", "/volunteers/pairings/"],
    "admin": ["/wishes/review/", "/volunteers/roster/"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    rows = []
    for username, urls in PAGES.items():
        client = Client(HTTP_HOST="127.0.0.1")
        if username:
            client.force_login(User.objects.get(username=username))
        for url in urls:
            client.get(url)  # warm
            times = []
            for _ in range(args.samples):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
            rows.append((username or "(anonymous)", url, response.status_code, percentile(times, 0.5),
                         percentile(times, 0.95), len(queries)))
    lines = [
        "# The community's pages on the demo district's year", "",
        f"Machine: {machine(connection.vendor)}. {args.samples} requests per page (after one to warm up).",
        f"Data: {Volunteer.objects.filter(state='active').count():,} active volunteers, {Wish.objects.count():,} "
        f"wishes, {Activity.objects.count():,} activities, {HoursEntry.objects.count():,} hours entries.", "",
        "| who | page | status | p50 ms | p95 ms | queries |", "|---|---|---|---|---|---|",
        *[f"| {who} | `{url}` | {status} | {p50:.1f} | {p95:.1f} | {n} |" for who, url, status, p50, p95, n in rows],
    ]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
