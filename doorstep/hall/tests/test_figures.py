"""Hall figures (issue #14 item 7): waits and service times per group against the target, computed in the database;
the wait estimate replayed on history and calibrated on a held-out part; the page for each role, Excel, bad input."""

import datetime
import random

import pytest

from doorstep.hall.figures.estimates import calibrate, replay, wait_calibrate
from doorstep.hall.figures.waits import tickets_between, wait_rows
from doorstep.hall.models import Ticket, WaitCalibration, WindowSession
from doorstep.hall.selectors.queue import WAIT_BAND, queue_place
from doorstep.hall.tests.helpers import BEIJING, MONDAY, station, walk_in, windows

DAY = datetime.date(2026, 11, 2)  # a Monday, in the past


def _history(days: int = 20, per_day: int = 30, seed: int = 3) -> None:
    """A plain M/M/2 day after day at the station: arrivals 08:30–11:30, two windows, 6-minute services."""
    rng = random.Random(seed)
    center = station()
    Ticket.objects.filter(center=center).delete()  # the demo's own history: this test counts its own
    WindowSession.objects.filter(window__center=center).delete()
    first, second = windows()[:2]
    rows = []
    for d in range(days):
        day = DAY + datetime.timedelta(days=d)
        opening = datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=BEIJING)
        free = [opening, opening]
        t = opening
        for seq in range(1, per_day + 1):
            t += datetime.timedelta(minutes=rng.expovariate(1 / 6))
            w = 0 if free[0] <= free[1] else 1
            called = max(t, free[w])
            service = datetime.timedelta(minutes=rng.expovariate(1 / 6) + 1)
            free[w] = called + datetime.timedelta(minutes=1) + service
            rows.append(Ticket(center=center, day=day, prefix="A", seq=seq, pool="", priority_rank=3,
                               state="done", window=(first, second)[w], issued_at=t, queued_at=t, called_at=called,
                               started_at=called + datetime.timedelta(minutes=1),
                               finished_at=called + datetime.timedelta(minutes=1) + service))
    Ticket.objects.bulk_create(rows)
    # no window sessions on record: the replay counts the windows that served each day (two)


@pytest.mark.django_db
def test_wait_rows_count_within_target_in_the_database():
    _history(days=3)
    rows = wait_rows(tickets_between([station().pk], DAY, DAY + datetime.timedelta(days=2)), group="hour",
                     target_minutes=15, target_share=80)
    tickets = list(Ticket.objects.filter(center=station(), day__lte=DAY + datetime.timedelta(days=2)))
    within = sum(1 for t in tickets if t.called_at - t.issued_at <= datetime.timedelta(minutes=15))
    assert sum(r.arrivals for r in rows) == len(tickets) == 90
    assert sum(r.within_target for r in rows) == within
    assert {r.key for r in rows} <= set(range(8, 24))
    by_window = wait_rows(Ticket.objects.filter(center=station()), group="window", target_minutes=15,
                          target_share=80)
    assert {r.key for r in by_window} == {w.pk for w in windows()[:2]}
    with pytest.raises(ValueError):
        wait_rows(Ticket.objects.all(), group="nonsense", target_minutes=15, target_share=80)


@pytest.mark.django_db
def test_the_estimate_is_replayed_and_its_range_measured_on_held_out_days():
    _history(days=20)
    replayed = replay([station().pk], DAY, DAY + datetime.timedelta(days=19))
    assert len(replayed) == 600 and all(r.estimate > 0 for r in replayed)
    fitted = calibrate(replayed)
    assert fitted is not None and 0 <= fitted.low < 1 < fitted.high
    assert 0.6 <= fitted.coverage <= 1.0  # about 80% by construction, measured on days not fitted
    assert fitted.p80_error_minutes > 0
    stored = wait_calibrate(days=40, today=DAY + datetime.timedelta(days=20))
    assert {None, station().pk} <= {row.center_id for row in stored}  # and other centers of the demo's history
    assert WaitCalibration.objects.filter(center=station()).count() == 1


@pytest.mark.django_db
def test_queue_place_uses_the_measured_band():
    now = MONDAY
    for _ in range(4):
        last = walk_in(now=now)
    place = queue_place(last, now=now)
    assert place.ahead == 3 and place.low_minutes < place.high_minutes
    WaitCalibration.objects.create(center=station(), measured_at=now, first_day=DAY, last_day=DAY, tickets=500,
                                   low=0.9, high=1.1, p80_error_minutes=3, coverage=0.8)
    narrower = queue_place(last, now=now)
    assert narrower.high_minutes - narrower.low_minutes < place.high_minutes - place.low_minutes
    assert WAIT_BAND[0] < 0.9


@pytest.mark.django_db
def test_the_figures_page_for_each_role(client):
    from doorstep.conftest import user

    _history(days=3)
    client.force_login(user("clerk_c001002"))
    page = client.get("/hall/figures/", {"start": DAY.isoformat(), "end": (DAY + datetime.timedelta(days=2))
                                         .isoformat(), "by": "hour"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "hall-figures-row" in html and station().name in html
    xlsx = client.get("/hall/figures/", {"start": DAY.isoformat(), "end": DAY.isoformat(), "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    for bad in ({"start": "2026-13-01"}, {"start": "2026-12-01", "end": "2026-01-01"}, {"by": "x"},
                {"kind": "sunday"}, {"start": "2020-01-01", "end": "2026-01-01"}):
        assert client.get("/hall/figures/", bad).status_code == 400, bad
    assert client.get("/hall/figures/", {"center": "999999"}).status_code == 404
    client.force_login(user("leader"))
    assert client.get("/hall/figures/").status_code == 200
    client.force_login(user("gw_001002001"))
    assert client.get("/hall/figures/").status_code == 403
    client.force_login(user("clerk_c001001"))
    assert client.get("/hall/figures/", {"center": station().pk}).status_code == 404  # not their center
