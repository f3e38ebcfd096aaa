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
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")

import django  # noqa: E402

from bench.common import machine, percentile, publish  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.accept_api import db_version, tool, wait_for  # noqa: E402
from doorstep.incidents.models import Category, Incident, Open311Client  # noqa: E402
from doorstep.incidents.open311.clients import open311_client_create  # noqa: E402
from doorstep.org.models import OrgNode  # noqa: E402

CLIENTS = 32
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
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d status_errors=%%d socket_errors=%%d p50=%%d p95=%%d p99=%%d max=%%d\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
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
    env = {**os.environ, "DOORSTEP_DEBUG": "0"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "doorstep.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{args.port}", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{args.port}/open311/v2/discovery.json")
        script = workdir / "open311.lua"
        points = ",".join(f"{{{lat},{lon}}}" for lat, lon in grid_points())
        script.write_text(WRK_SCRIPT % {"key": key, "points": points, "category": CATEGORY,
                                         "run": uuid.uuid4().hex[:12]})
        wrk = tool("wrk")
        subprocess.run([wrk, "-t2", f"-c{CLIENTS}", "-d5s", "-s", str(script), f"http://127.0.0.1:{args.port}"],
                       check=True, capture_output=True)  # warm-up: workers connected, models and shapes loaded
        out = subprocess.run([wrk, "-t2", f"-c{CLIENTS}", f"-d{args.seconds}s", "--timeout", "10s", "-s",
                              str(script), f"http://127.0.0.1:{args.port}"], check=True, capture_output=True,
                             text=True).stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    fields = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    seconds = fields["duration_us"] / 1e6
    return {"tps": fields["requests"] / seconds, "requests": fields["requests"],
            "errors": fields["status_errors"] + fields["socket_errors"], "p50": fields["p50"] / 1000,
            "p95": fields["p95"] / 1000, "p99": fields["p99"] / 1000, "max": fields["max"] / 1000}


def run_raw(args, client: Open311Client, workdir: Path) -> dict:
    db = settings.DATABASES["default"]
    grid = OrgNode.objects.filter(level="grid", geometry__isnull=False).order_by("code").first()
    lat, lon = grid_points(1)[0]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_auditevent")
        cur.execute("CREATE TABLE bench_auditevent (LIKE audit_auditevent INCLUDING ALL)")
    sql = workdir / "open311_raw.sql"
    sql.write_text((ROOT / "bench" / "open311_raw.sql").read_text())
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    pgbench = tool("pgbench", "/usr/lib/postgresql/15/bin/pgbench")
    base = [pgbench, "-n", "-M", "prepared", "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
            "-U", db.get("USER") or "postgres", "-f", str(sql),
            "-D", f"digest={client.key_digest}", "-D", f"grid={grid.code}", "-D", f"gridid={grid.pk}",
            "-D", f"account={client.account_id}", "-D", f"category={Category.objects.get(code=CATEGORY).pk}",
            "-D", f"lat={lat}", "-D", f"lon={lon}"]
    subprocess.run([*base, "-c", str(CLIENTS), "-j", "2", "-T", "5", db["NAME"]], env=env, check=True,
                   capture_output=True)  # warm-up
    prefix = workdir / "pgb"
    out = subprocess.run([*base, "-c", str(CLIENTS), "-j", "2", "-T", str(args.seconds), "-l",
                          f"--log-prefix={prefix}", db["NAME"]], env=env, check=True, capture_output=True,
                         text=True).stdout
    latencies = []
    for log in workdir.glob("pgb.*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                latencies.append(int(parts[2]) / 1000)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return {"tps": tps, "requests": len(latencies), "errors": int(failed.group(1)) if failed else 0,
            "p50": percentile(latencies, 0.50), "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99), "max": max(latencies)}


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
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("this benchmark measures PostgreSQL: set DATABASE_URL")
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
        f"Run: {time.strftime('%Y-%m-%d %H:%M')}; {args.seconds} s each after a 5 s warm-up; gunicorn "
        f"{args.workers} sync workers; wrk -t2 -c{CLIENTS}; pgbench -c {CLIENTS} -j 2; the load generator shares "
        "the machine with the server and the database.",
        f"Data: {before:,} incidents before the run; {OrgNode.objects.filter(level='grid').count()} grids.", "",
        "| | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |", "|---|---:|---:|---:|---:|---:|---:|",
        f"| doorstep (POST /open311/v2/requests.json) | {ours['tps']:.0f} | {ours['p50']:.1f} | {ours['p95']:.1f} | "
        f"{ours['p99']:.1f} | {ours['max']:.1f} | {ours['errors']} |",
        f"| raw SQL (pgbench, bench/open311_raw.sql) | {raw['tps']:.0f} | {raw['p50']:.1f} | {raw['p95']:.1f} | "
        f"{raw['p99']:.1f} | {raw['max']:.1f} | {raw['errors']} |", "",
        f"doorstep reaches **{share:.0%}** of the raw-SQL throughput (target ≥ {TARGET_SHARE:.0%}: "
        f"{'met' if share >= TARGET_SHARE else 'NOT met'}). The doorstep run took in {made:,} reports, each with its "
        "number, history row, audit event and the command center's notifications; all were deleted after the run.",
    ]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
