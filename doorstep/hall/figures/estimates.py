"""How good is the wait shown to a resident? Replay the history: for every called ticket, rebuild what the queue
looked like when it was issued — the waiting tickets ahead of it in call order, the windows open, the center's mean
service time over the previous weeks — make the estimate hall.selectors.queue makes, and compare it with the wait it
really had (issue to first call).

Fitting and measuring are kept apart: the range's factors (the 10th and 90th percentile of actual ÷ estimate) are
fitted on the older two thirds of the history and measured on the newest third — the 80th-percentile absolute error
in minutes and the share of actual waits that fell inside the range shown. `wait_calibrate` stores the result per
center (WaitCalibration) for queue_place to use; `doorstep hall estimates` prints it; bench/results/hall-wait-
estimates.md records it for the demo.
"""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone

from doorstep.hall.models import Ticket, WaitCalibration, WindowSession
from doorstep.hall.selectors.queue import DEFAULT_SERVICE_MINUTES, HISTORY_DAYS
from doorstep.hall.workflow import TicketState

MIN_TICKETS = 200  # fewer called tickets than this at a center: its range comes from the district's


@dataclass(frozen=True)
class Replayed:
    center_id: int
    day: datetime.date
    estimate: float  # minutes, as shown at issue (before the band)
    actual: float  # minutes from issue to first call


@dataclass(frozen=True)
class Calibration:
    tickets: int
    low: float
    high: float
    p80_error_minutes: float
    coverage: float


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = q * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _service_means(rows) -> dict[tuple[int, datetime.date], float]:
    """(center, day) → the center's mean service minutes over the HISTORY_DAYS days before that day."""
    per_day: dict[int, dict[datetime.date, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    for r in rows:
        if r["state"] == TicketState.DONE and r["started_at"] and r["finished_at"]:
            cell = per_day[r["center_id"]][r["day"]]
            cell[0] += (r["finished_at"] - r["started_at"]).total_seconds() / 60
            cell[1] += 1
    means = {}
    for center, days in per_day.items():
        ordered = sorted(days)
        for day in {r["day"] for r in rows if r["center_id"] == center}:
            lo = bisect.bisect_left(ordered, day - datetime.timedelta(days=HISTORY_DAYS))
            hi = bisect.bisect_left(ordered, day)
            total = sum(days[d][0] for d in ordered[lo:hi])
            count = sum(days[d][1] for d in ordered[lo:hi])
            means[(center, day)] = total / count if count else DEFAULT_SERVICE_MINUTES
    return means


def _open_windows(center_ids, start, end) -> dict[tuple[int, datetime.date], list[tuple]]:
    sessions = defaultdict(list)
    for s in (WindowSession.objects.filter(window__center_id__in=center_ids, opened_at__date__gte=start,
                                          opened_at__date__lte=end + datetime.timedelta(days=1))
              .values("window__center_id", "opened_at", "closed_at")):
        day = timezone.localtime(s["opened_at"]).date()
        sessions[(s["window__center_id"], day)].append((s["opened_at"], s["closed_at"]))
    return sessions


def replay(center_ids, start: datetime.date, end: datetime.date) -> list[Replayed]:
    """The estimate each called ticket of `center_ids` issued from `start` to `end` would have been shown, and its
    real wait. Tickets are read once (values only); each center-day is swept in issue order keeping the tickets
    still waiting, so the cost is the tickets times the queue's length, not its square."""
    history_start = start - datetime.timedelta(days=HISTORY_DAYS)
    rows = list(Ticket.objects.filter(center_id__in=list(center_ids), day__gte=history_start, day__lte=end)
                .values("id", "center_id", "day", "priority_rank", "issued_at", "called_at", "started_at",
                        "finished_at", "state", "window_id").order_by("center_id", "day", "issued_at", "id"))
    means = _service_means(rows)
    sessions = _open_windows(center_ids, start, end)
    by_day = defaultdict(list)
    for r in rows:
        if r["day"] >= start:
            by_day[(r["center_id"], r["day"])].append(r)
    out = []
    for (center, day), tickets in sorted(by_day.items()):
        spans = sessions.get((center, day), [])
        serving = {r["id"] for r in tickets if r["called_at"]}
        # no sessions on record (an imported history): the windows that served that day
        fallback_windows = len({r["window_id"] for r in tickets if r["window_id"]}) or 1
        waiting: list[dict] = []
        for t in tickets:
            now = t["issued_at"]
            waiting = [u for u in waiting if (u["called_at"] is None or u["called_at"] > now)
                       and (u["finished_at"] is None or u["finished_at"] > now or u["called_at"] is not None)]
            if t["id"] in serving:
                key = (t["priority_rank"], t["issued_at"], t["id"])
                ahead = sum(1 for u in waiting if (u["priority_rank"], u["issued_at"], u["id"]) < key)
                windows = sum(1 for opened, closed in spans if opened <= now and (closed is None or closed > now))
                service = means.get((center, day), DEFAULT_SERVICE_MINUTES)
                estimate = (ahead + 0.5) * service / max(windows or fallback_windows, 1)
                actual = (t["called_at"] - now).total_seconds() / 60
                out.append(Replayed(center, day, estimate, max(actual, 0.0)))
            waiting.append(t)
    return out


def calibrate(replayed: list[Replayed]) -> Calibration | None:
    """Fit the band on the older two thirds (by day), measure on the newest third. None when too few tickets."""
    if len(replayed) < MIN_TICKETS:
        return None
    ordered = sorted(replayed, key=lambda r: r.day)
    cut = len(ordered) * 2 // 3
    fit, test = ordered[:cut], ordered[cut:]
    ratios = [r.actual / r.estimate for r in fit if r.estimate > 0]
    low, high = _quantile(ratios, 0.10), _quantile(ratios, 0.90)
    errors = [abs(r.actual - r.estimate) for r in test]
    inside = sum(1 for r in test if r.estimate * low <= r.actual <= r.estimate * high)
    return Calibration(len(replayed), round(low, 3), round(high, 3), round(_quantile(errors, 0.80), 2),
                       round(inside / len(test), 3))


def wait_calibrate(*, days: int = 90, today: datetime.date | None = None) -> list[WaitCalibration]:
    """Measure and store the calibration of every center with enough history, and of the district as a whole, over
    the last `days` days (huey, nightly). Result: the rows stored. No audit: figures, not decisions."""
    from doorstep.org.models import ServiceCenter

    today = today or timezone.localdate()
    start, end = today - datetime.timedelta(days=days), today - datetime.timedelta(days=1)
    centers = list(ServiceCenter.objects.filter(tickets__day__gte=start).distinct().values_list("pk", flat=True))
    everything = replay(centers, start, end)
    now = timezone.now()
    stored = []
    for center, items in [(None, everything)] + [(c, [r for r in everything if r.center_id == c]) for c in centers]:
        fitted = calibrate(items)
        if fitted:
            stored.append(WaitCalibration.objects.create(
                center_id=center, measured_at=now, first_day=start, last_day=end, tickets=fitted.tickets,
                low=fitted.low, high=fitted.high, p80_error_minutes=fitted.p80_error_minutes,
                coverage=fitted.coverage))
    return stored


def band_for(center_id: int) -> tuple[float, float] | None:
    """The newest measured (low, high) for a center, else the district's, else None. One query."""
    row = (WaitCalibration.objects.filter(Q(center_id=center_id) | Q(center__isnull=True))
           .order_by(F("center_id").asc(nulls_last=True), "-measured_at").values_list("low", "high").first())
    return tuple(row) if row else None
