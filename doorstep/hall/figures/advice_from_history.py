"""Staffing advice from a center's own record (issue #14 item 7): the mean arrivals per hour of day on recent days
of the same kind (weekdays or Saturdays), the mean service time, and the center's target → windows needed per hour
by Erlang C, checked by a simulation that adds abandonment and booked arrivals (hall.staffing), next to the windows
that were actually open; and pooled (all-purpose) against dedicated windows per item group."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.db.models.functions import ExtractHour

from doorstep.hall.models import Ticket, WindowSession
from doorstep.hall.staffing import (
    HourAdvice,
    ItemGroupDemand,
    PoolingComparison,
    advice_per_hour,
    pooled_versus_dedicated,
)
from doorstep.hall.workflow import TicketState

WEEKS = 8
PATIENCE_MINUTES = 45.0  # how long a resident waits before leaving, for the simulation (no abandonment on record)


@dataclass
class StaffingPlan:
    kind: str  # "weekday" or "saturday"
    days: int  # days of that kind with tickets in the period
    handle_minutes: float
    booked_share: float
    hours: list[HourAdvice]
    opened: dict[int, float]  # hour → mean windows open (sessions), for comparison
    pooling: PoolingComparison | None


def _days_of_kind(center, start: datetime.date, end: datetime.date, kind: str) -> list[datetime.date]:
    days = Ticket.objects.filter(center=center, day__gte=start, day__lte=end).values_list("day", flat=True).distinct()
    return sorted(d for d in days if (d.weekday() == 5) == (kind == "saturday") and d.weekday() != 6)


def staffing_plan(center, *, today: datetime.date, kind: str = "weekday", target_minutes: int = 15,
                  target_share: int = 80, simulate: bool = True) -> StaffingPlan | None:
    """The plan for `center` from the last WEEKS weeks of tickets of that kind of day; None without history."""
    start = today - datetime.timedelta(weeks=WEEKS)
    days = _days_of_kind(center, start, today - datetime.timedelta(days=1), kind)
    if not days:
        return None
    tickets = Ticket.objects.filter(center=center, day__in=days)
    per_hour = {r["h"]: r["n"] / len(days) for r in tickets.annotate(h=ExtractHour("issued_at")).values("h")
                .annotate(n=Count("id")).order_by("h")}
    spent = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    mean = tickets.filter(state=TicketState.DONE, started_at__isnull=False).aggregate(m=Avg(spent))["m"]
    handle = max(mean.total_seconds() / 60, 1.0) if mean else 10.0
    booked = tickets.filter(booking__isnull=False).count() / max(tickets.count(), 1)
    hours = advice_per_hour(arrivals_by_hour=per_hour, handle_minutes=handle, target_seconds=target_minutes * 60,
                            service_level=target_share / 100, simulate=simulate, patience_minutes=PATIENCE_MINUTES,
                            booked_share=round(booked, 2), simulated_residents=1500)
    return StaffingPlan(kind, len(days), round(handle, 1), round(booked, 2), hours, _opened(center, days),
                        _pooling(tickets, len(days), target_minutes, target_share))


def _opened(center, days: list[datetime.date]) -> dict[int, float]:
    """Mean windows open in each hour of day over `days` (from the window sessions)."""
    from django.utils import timezone

    counts: dict[int, float] = defaultdict(float)
    sessions = WindowSession.objects.filter(window__center=center, opened_at__date__gte=days[0],
                                            opened_at__date__lte=days[-1]).values_list("opened_at", "closed_at")
    wanted = set(days)
    for opened, closed in sessions:
        local_open = timezone.localtime(opened)
        if local_open.date() not in wanted or closed is None:
            continue
        local_close = timezone.localtime(closed)
        for hour in range(local_open.hour, local_close.hour + (1 if local_close.minute else 0)):
            counts[hour] += 1
    return {h: round(n / len(days), 1) for h, n in sorted(counts.items())}


def _pooling(tickets, days: int, target_minutes: int, target_share: int) -> PoolingComparison | None:
    """Pooled against dedicated windows at the busiest hour's rate, per item group (catalog category)."""
    spent = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    rows = (tickets.exclude(pool="").values("pool", "item__category__name").annotate(
        n=Count("id"), m=Avg(spent)).order_by("-n")[:8])
    busiest = (tickets.annotate(h=ExtractHour("issued_at")).values("h").annotate(n=Count("id")).order_by("-n")
               .first())
    total = tickets.count()
    if not rows or not busiest or not total:
        return None
    peak_share = busiest["n"] / total  # the busiest hour's share of the day's arrivals
    groups = [ItemGroupDemand(name=r["item__category__name"] or r["pool"],
                              arrivals_per_hour=round(r["n"] / days * peak_share * 1.0, 2),
                              handle_minutes=max(r["m"].total_seconds() / 60, 1.0) if r["m"] else 10.0)
              for r in rows if r["n"]]
    groups = [g for g in groups if g.arrivals_per_hour > 0]
    if not groups:
        return None
    return pooled_versus_dedicated(groups=groups, target_seconds=target_minutes * 60,
                                   service_level=target_share / 100)

