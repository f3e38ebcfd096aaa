"""From call to screen (issue #14 item 10: board latency ≤ 1 s): doorstep served by gunicorn, the display board open
in Chromium (Playwright), a clerk's calls made through the service in this process; for each call, the time from
its commit to the moment the board's page shows the number (the page polls its feed every 500 ms). Half the calls
come in pairs 200 ms apart, which must both show, in order.

Usage (a database with a demo district; SQLite or PostgreSQL):
    .venv/bin/python bench/hall_board.py [--calls 30] [--port 8093] [--out bench/results/hall-board.md]
Rows the run writes are deleted after; audit events stay (append-only).
"""

import argparse
import os
import signal
import subprocess
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

from bench.runner import wait_for  # noqa: E402

USERNAME = "bench_board_clerk"


def _setup():
    from doorstep.accounts.models import User
    from doorstep.hall.services.windows import window_open
    from doorstep.org.models import ServiceCenter, Window

    center = ServiceCenter.objects.select_related("org_node").get(org_node__code="430302001")
    User.objects.filter(username=USERNAME).delete()
    clerk = User.objects.create(username=USERNAME, role="clerk", org_node=center.org_node, password="!")
    window = Window.objects.create(center=center, number=99, name="压测窗口")
    window_open(actor=clerk, window_id=window.pk)
    return center, clerk, window


def _cleanup(center, clerk, window):
    from doorstep.hall.models import Ticket, TicketEvent, WindowSession

    WindowSession.objects.filter(window=window).delete()
    tickets = Ticket.objects.filter(issued_by=clerk)
    TicketEvent.objects.filter(ticket__in=tickets).delete()
    tickets.delete()
    window.delete()
    clerk.delete()


def _call_one(center, clerk, seen_wait):
    from doorstep.core.idempotency import new_key
    from doorstep.hall.services.arrival import ticket_walk_in
    from doorstep.hall.services.windows import ticket_call_next, ticket_finish, ticket_start

    ticket_walk_in(actor=clerk, center_id=center.pk, idempotency_key=new_key())
    called = ticket_call_next(actor=clerk)
    committed = time.time()
    ticket_start(actor=clerk)
    ticket_finish(actor=clerk)
    return called.number, committed


def _wait_text(page, *numbers: str, seconds: float = 10) -> None:
    """Poll the page's text from here (the site's CSP forbids the eval Playwright's wait_for_function needs)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        text = page.inner_text("body")
        if all(n in text for n in numbers):
            return
        time.sleep(0.01)
    raise TimeoutError(numbers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    center, clerk, window = _setup()
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "doorstep.wsgi:application", "--workers", "3",
                               "--bind", f"127.0.0.1:{args.port}", "--log-level", "warning"],
                              cwd=ROOT, env={**os.environ, "DOORSTEP_DEBUG": "0"}, start_new_session=True)
    singles, pairs, order_ok = [], [], 0
    try:
        wait_for(f"{base}/hall/board/{center.pk}/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.add_init_script("window.__spoken = [];"
                                 "window.speechSynthesis && (window.speechSynthesis.speak = "
                                 "u => window.__spoken.push(u.text));")
            page.goto(f"{base}/hall/board/{center.pk}/")
            if page.locator("[data-testid=voice-on]").count():
                page.click("[data-testid=voice-on]")  # the one click a browser needs before it may speak
            page.wait_for_timeout(1500)
            for i in range(args.calls):
                if i % 2 == 0:
                    number, committed = _call_one(center, clerk, None)
                    _wait_text(page, number)
                    singles.append(time.time() - committed)
                else:  # a pair 200 ms apart
                    first, t1 = _call_one(center, clerk, None)
                    time.sleep(0.2)
                    second, t2 = _call_one(center, clerk, None)
                    _wait_text(page, first, second)
                    pairs.append(time.time() - t2)
                    spoken = page.evaluate("window.__spoken")
                    idx = [next((k for k, s in enumerate(spoken) if n in s), -1) for n in (first, second)]
                    order_ok += int(-1 not in idx and idx[0] < idx[1])
                page.wait_for_timeout(700)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _cleanup(center, clerk, window)
    everything = singles + pairs
    report = f"""# From call to screen: the display board (issue #14 item 10)

{machine(connection.vendor)}
Run: {time.strftime('%Y-%m-%d %H:%M')}; gunicorn 3 sync workers; the board in Chromium (Playwright, 1920×1080)
polling its feed every 500 ms; {len(singles)} single calls and {len(pairs)} pairs of calls 200 ms apart, made through
the service; latency = from the call's commit to the number on the page (the second of a pair for pairs).

| calls | p50 s | p95 s | max s | pairs announced in order |
|---|---|---|---|---|
| {len(everything)} | {percentile(everything, .5):.2f} | **{percentile(everything, .95):.2f}** | {max(everything):.2f} | {order_ok}/{len(pairs)} |

Target: ≤ 1 s from call to screen.
"""
    publish(report, args.out)


if __name__ == "__main__":
    main()
