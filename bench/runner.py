"""The load runner the PostgreSQL write benchmarks share (accept_api.py, open311_intake.py): doorstep served by
gunicorn under wrk, next to pgbench running the same writes as raw SQL, both with the same number of clients on the
same machine, each after a 5 s warm-up. A script supplies its wrk request script (Lua, without `done`: the runner
adds the one that reports), its pgbench SQL file and variables, and its own setup and clean-up.

Import it after django.setup(): pgbench connects with the settings' database."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.common import percentile

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 32
WARM_UP_SECONDS = 5
WRK_THREADS = 2
PGBENCH_JOBS = 2

# wrk's report, one line the runner parses: appended to every request script.
WRK_DONE = """function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d status_errors=%d socket_errors=%d p50=%d p95=%d p99=%d max=%d\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def add_arguments(parser, *, port: int) -> None:
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (3 measured best on 2 cores)")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--out", default="")


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        sys.exit("this benchmark measures PostgreSQL: set DATABASE_URL")


def db_version() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return f"PostgreSQL {cur.fetchone()[0]}"


def run_line(args) -> str:
    """How both runs were made, for the report."""
    return (f"Run: {time.strftime('%Y-%m-%d %H:%M')}; {args.seconds} s each after a {WARM_UP_SECONDS} s warm-up; "
            f"gunicorn {args.workers} sync workers; wrk -t{WRK_THREADS} -c{CLIENTS}; pgbench -c {CLIENTS} "
            f"-j {PGBENCH_JOBS}; the load generator shares the machine with the server and the database.")


def tool(name: str, *fallbacks: str) -> str:
    for candidate in (shutil.which(name), *fallbacks):
        if candidate and Path(candidate).exists():
            return candidate
    sys.exit(f"{name} not found: run `make bench-accept` (it installs wrk and the PostgreSQL client tools)")


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    sys.exit(f"server at {url} did not start")


def run_wrk(args, *, script: str, ready_path: str, workdir: Path, name: str = "load") -> dict:
    """Serve doorstep with gunicorn (args.workers on args.port), wait until `ready_path` answers, run wrk with
    `script` (Lua defining `request`; WRK_DONE is added) for a warm-up — workers connected, caches, models and shapes
    loaded — and then for args.seconds. Returns tps, requests, seconds, errors and p50/p95/p99/max in ms."""
    base_url = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "doorstep.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{args.port}", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "DOORSTEP_DEBUG": "0"}, start_new_session=True)
    try:
        wait_for(base_url + ready_path)
        lua = workdir / f"{name}.lua"
        lua.write_text(script + WRK_DONE)
        wrk = tool("wrk")
        subprocess.run([wrk, f"-t{WRK_THREADS}", f"-c{CLIENTS}", f"-d{WARM_UP_SECONDS}s", "-s", str(lua), base_url],
                       check=True, capture_output=True)
        out = subprocess.run([wrk, f"-t{WRK_THREADS}", f"-c{CLIENTS}", f"-d{args.seconds}s", "--timeout", "10s",
                              "-s", str(lua), base_url], check=True, capture_output=True, text=True).stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    fields = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    seconds = fields["duration_us"] / 1e6
    return {"tps": fields["requests"] / seconds, "requests": fields["requests"], "seconds": seconds,
            "errors": fields["status_errors"] + fields["socket_errors"], "p50": fields["p50"] / 1000,
            "p95": fields["p95"] / 1000, "p99": fields["p99"] / 1000, "max": fields["max"] / 1000}


def run_pgbench(args, *, sql: Path, variables: dict, workdir: Path) -> dict:
    """pgbench on the settings' database with `sql` (a copy in workdir) and `variables` (-D name=value), prepared
    statements, a warm-up and then args.seconds with every transaction's latency logged. Returns tps, requests,
    errors (failed transactions) and p50/p95/p99/max in ms."""
    db = settings.DATABASES["default"]
    script = workdir / sql.name
    script.write_text(sql.read_text())
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    pgbench = tool("pgbench", "/usr/lib/postgresql/15/bin/pgbench")
    base = [pgbench, "-n", "-M", "prepared", "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
            "-U", db.get("USER") or "postgres", "-f", str(script)]
    for key, value in variables.items():
        base += ["-D", f"{key}={value}"]
    load = ["-c", str(CLIENTS), "-j", str(PGBENCH_JOBS)]
    subprocess.run([*base, *load, "-T", str(WARM_UP_SECONDS), db["NAME"]], env=env, check=True, capture_output=True)
    prefix = workdir / "pgb"
    out = subprocess.run([*base, *load, "-T", str(args.seconds), "-l", f"--log-prefix={prefix}", db["NAME"]],
                         env=env, check=True, capture_output=True, text=True).stdout
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


def result_row(label: str, r: dict) -> str:
    """One row of the report's table: | label | tps | p50 | p95 | p99 | max | errors |."""
    return (f"| {label} | {r['tps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | "
            f"{r['errors']} |")
