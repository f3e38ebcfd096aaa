"""Calls started at the same moment from threads, for the race tests (two dispatchers, two reviewers, twenty replays
of one submission): each thread waits at one barrier, runs its call on its own database connection and closes it, so
the database (SQLite's serialized writers, PostgreSQL's row locks and unique indexes) has to settle the race.

Results and errors come back in the order the calls finished; a test asserts how many of each, never which."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(*calls: Callable[[], object]) -> tuple[list, list[Exception]]:
    """Run every call at once, one thread each; (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def work(fn):
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()  # a thread's own connection: left open, it outlives the test (PostgreSQL then
            # refuses to drop the test database)

    threads = [threading.Thread(target=work, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def run_concurrently(n: int, fn: Callable[[int], object]) -> tuple[list, list[Exception]]:
    """`fn(0)` … `fn(n - 1)` at once, one thread each; (results, errors)."""
    return at_once(*(lambda i=i: fn(i) for i in range(n)))
