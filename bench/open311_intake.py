"""Open311 POST requests.json on PostgreSQL, 32 concurrent clients, next to the raw SQL of the same writes in the same
run (issue #13 item 11: doorstep ≥ 20% of the raw throughput).

Usage (PostgreSQL with a demo district loaded; `make bench-accept` installs wrk and pgbench if missing):
    DATABASE_URL=postgres://… .venv/bin/python bench/open311_intake.py [--seconds 30] [--workers 3]
        [--out bench/results/open311-intake-postgresql.md]

1. doorstep: gunicorn serving the real app; wrk with 32 connections POSTs form-encoded requests (api_key,
   service_code, lat/long inside a grid, a description different each time, first_name and phone; a fresh
   Idempotency-Key each). Every request is a full intake: the client's key, the category, the grid by
   point-in-polygon, the submission key claimed, the day's number counter (locked), the dispatch suggestion, the
   incident, its history row, the audit event, the command center told after commit, the spec's JSON answer.
2. raw SQL: pgbench with 32 clients runs bench/open311_raw.sql — the same reads and writes as plain statements,
   without Python, HTTP, the suggestion model or JSON.
Rows the runs write are deleted after; the raw run's audit rows go to a scratch copy of the audit table (the real
one is append-only) and its incidents use their own number prefix.
"""

import argparse
import os
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, publish  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.runner import (  # noqa: E402
    add_arguments,
    db_version,
    require_postgresql,
    result_row,
    run_line,
    run_pgbench,
    run_wrk,
)
from doorstep.incidents.models import Category, Incident, Open311Client  # noqa: E402
from doorstep.incidents.open311.clients import open311_client_create  # noqa: E402
from doorstep.org.models import OrgNode  # noqa: E402

TARGET_SHARE = 0.20
CATEGORY = "SJ0102"

WRK_SCRIPT = """
local key = "%(key)s"
local counter = 0
local threads = 0
local points = {%(points)s}
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  counter = counter + 1
  local p = points[(counter %% #points) + 1]
  local body = "api_key=" .. key .. "&service_code=%(category)s&lat=" .. p[1] .. "&long=" .. p[2] ..
    "&first_name=%%E7%%8E%%8B&phone=13800000000&description=" ..
    "%%E8%%B7%%AF%%E5%%8F%%A3%%E5%%9E%%83%%E5%%9C%%BE%%E6%%A1%%B6%%E6%%BB%%A1%%E4%%BA%%86+" .. tid .. "-" .. counter
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                   ["Idempotency-Key"] = string.format("bench-%(run)s-%%d-%%d", tid, counter)}
  return wrk.format("POST", "/open311/v2/requests.json", headers, body)
end
"""


def grid_points(n: int = 20) -> list[tuple[float, float]]:
    import shapely

    points = []
    for geometry in OrgNode.objects.filter(level="grid", geometry__isnull=False).order_by("code").values_list(
            "geometry", flat=True)[:n]:
        p = shapely.geometry.shape(geometry).representative_point()
        points.append((round(p.y, 6), round(p.x, 6)))
    return points


def run_doorstep(args, key: str, workdir: Path) -> dict:
    points = ",".join(f"{{{lat},{lon}}}" for lat, lon in grid_points())
    script = WRK_SCRIPT % {"key": key, "points": points, "category": CATEGORY, "run": uuid.uuid4().hex[:12]}
    return run_wrk(args, script=script, ready_path="/open311/v2/discovery.json", workdir=workdir, name="open311")


def run_raw(args, client: Open311Client, workdir: Path) -> dict:
    grid = OrgNode.objects.filter(level="grid", geometry__isnull=False).order_by("code").first()
    lat, lon = grid_points(1)[0]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_auditevent")
        cur.execute("CREATE TABLE bench_auditevent (LIKE audit_auditevent INCLUDING ALL)")
    return run_pgbench(args, sql=ROOT / "bench" / "open311_raw.sql", workdir=workdir, variables={
        "digest": client.key_digest, "grid": grid.code, "gridid": grid.pk, "account": client.account_id,
        "category": Category.objects.get(code=CATEGORY).pk, "lat": lat, "lon": lon})


def clean_up(client: Open311Client, before: int) -> None:
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_auditevent")
        cur.execute("DELETE FROM notifications_notification WHERE kind = 'incident.reported' AND created_at > "
                    "now() - interval '1 day' AND link IN (SELECT '/incidents/' || id || '/' FROM incidents_incident "
                    "WHERE submitted_by_id = %s)", [client.account_id])
        cur.execute("DELETE FROM incidents_incidenthistory WHERE incident_id IN (SELECT id FROM incidents_incident "
                    "WHERE submitted_by_id = %s)", [client.account_id])
        cur.execute("DELETE FROM incidents_incident WHERE submitted_by_id = %s", [client.account_id])
        cur.execute("DELETE FROM core_idempotencykey WHERE actor_id = %s", [client.account_id])
        cur.execute("DELETE FROM incidents_incidentnumbercounter WHERE district = '999999'")


def main() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser, port=8766)
    args = parser.parse_args()
    require_postgresql()
    if not Category.objects.filter(code=CATEGORY).exists():
        sys.exit("build a demo district first: doorstep demo")
    client, key = open311_client_create(actor=None, name=f"bench-{uuid.uuid4().hex[:8]}")
    before = Incident.objects.count()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ours = run_doorstep(args, key, Path(tmp))
            made = Incident.objects.filter(submitted_by_id=client.account_id).count()
            raw = run_raw(args, client, Path(tmp))
    finally:
        clean_up(client, before)
    share = ours["tps"] / raw["tps"]
    lines = [
        "# Open311 POST requests.json on PostgreSQL, 32 concurrent clients (issue #13 item 11)", "",
        f"Machine: {machine(db_version())}",
        run_line(args),
        f"Data: {before:,} incidents before the run; {OrgNode.objects.filter(level='grid').count()} grids.", "",
        "| | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |", "|---|---:|---:|---:|---:|---:|---:|",
        result_row("doorstep (POST /open311/v2/requests.json)", ours),
        result_row("raw SQL (pgbench, bench/open311_raw.sql)", raw), "",
        f"doorstep reaches **{share:.0%}** of the raw-SQL throughput (target ≥ {TARGET_SHARE:.0%}: "
        f"{'met' if share >= TARGET_SHARE else 'NOT met'}). The doorstep run took in {made:,} reports, each with its "
        "number, history row, audit event and the command center's notifications; all were deleted after the run.",
    ]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
