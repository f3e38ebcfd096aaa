"""Waits and service times from the tickets on record, grouped by center, window, item or hour of day, against each
center's target (HallPolicy: wait_target_minutes, target_share — "80% served within 15 minutes").

Definitions (docs/hall.md): the wait of a ticket is from issue to its first call (Ticket.called_at); its service time
from the start of service to its finish; "within target" counts called tickets whose wait is at most the target.
Tickets never called (cancelled while waiting) count as arrivals but not in the waits. All figures are computed in
the database with one grouped query (no rows are read into Python), so a year of a district's tickets is one
aggregate per page.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import ExtractHour

from doorstep.hall.models import HallPolicy, Ticket
from doorstep.hall.workflow import TicketState

GROUPINGS = ("center", "window", "item", "hour")
DEFAULT_TARGET = (15, 80)  # HallPolicy's defaults: minutes, percent


@dataclass
class WaitRow:
    key: object  # the group's id (center, window, item) or hour of day
    label: str
    arrivals: int
    called: int
    within_target: int
    mean_wait_minutes: float | None
    mean_service_minutes: float | None
    served: int
    no_show: int
    target_minutes: int
    target_share: int  # percent

    @property
    def share_within(self) -> float | None:
        return self.within_target / self.called if self.called else None

    @property
    def meets_target(self) -> bool | None:
        share = self.share_within
        return None if share is None else share * 100 >= self.target_share


def _minutes(value) -> float | None:
    return round(value.total_seconds() / 60, 1) if value is not None else None


def wait_rows(tickets, *, group: str, target_minutes: int, target_share: int, labels: dict | None = None
              ) -> list[WaitRow]:
    """One WaitRow per group of `tickets` (a Ticket queryset already cut to the reader's scope and dates).
    `group` is one of GROUPINGS; ValueError otherwise (a programming error: views validate their input)."""
    if group not in GROUPINGS:
        raise ValueError(group)
    wait = ExpressionWrapper(F("called_at") - F("issued_at"), output_field=DurationField())
    service = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    target = datetime.timedelta(minutes=target_minutes)
    key = {"center": "center_id", "window": "window_id", "item": "item_id"}.get(group)
    qs = tickets.annotate(k=ExtractHour("issued_at")) if group == "hour" else tickets.annotate(k=F(key))
    rows = (qs.values("k").annotate(
        arrivals=Count("id"),
        called=Count("id", filter=Q(called_at__isnull=False)),
        within=Count("id", filter=Q(called_at__isnull=False, called_at__lte=F("issued_at") + target)),
        mean_wait=Avg(wait, filter=Q(called_at__isnull=False)),
        mean_service=Avg(service, filter=Q(state=TicketState.DONE, started_at__isnull=False)),
        served=Count("id", filter=Q(state=TicketState.DONE)),
        no_show=Count("id", filter=Q(state=TicketState.NO_SHOW)),
    ).order_by("k"))
    labels = labels or {}
    return [WaitRow(r["k"], labels.get(r["k"], f"{r['k']:02d}:00" if group == "hour" and r["k"] is not None
                                       else str(r["k"] or "—")),
                    r["arrivals"], r["called"], r["within"], _minutes(r["mean_wait"]), _minutes(r["mean_service"]),
                    r["served"], r["no_show"], target_minutes, target_share)
            for r in rows]


def target_of(center) -> tuple[int, int]:
    """(minutes, percent) of a center's target; the defaults for several centers at once or none."""
    if center is None:
        return DEFAULT_TARGET
    policy = HallPolicy.objects.filter(center=center).first()
    return (policy.wait_target_minutes, policy.target_share) if policy else DEFAULT_TARGET


def tickets_between(centers, start: datetime.date, end: datetime.date):
    """The tickets of `centers` (ids) issued from `start` to `end` inclusive (Beijing-time days)."""
    return Ticket.objects.filter(center_id__in=list(centers), day__gte=start, day__lte=end)
