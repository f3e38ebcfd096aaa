"""A waiting ticket's place in the queue and its wait as a range (issue #14 item 6: "my ticket, how many ahead, a
wait range"; item 7: the range's error measured on the demo's history, hall.figures.estimates).

The estimate is the classic M/M/c reading of a queue in front of you: the people ahead who will be called first,
times the center's mean service time over the last weeks, over the windows open to your ticket, plus half a service
for the person at the window. The range multiplies it by the 10th and 90th percentiles of actual ÷ estimated wait
measured on the center's history (WAIT_BAND until there is history to measure).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Avg, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from doorstep.hall.models import Ticket, WindowSession
from doorstep.hall.workflow import TicketState

# actual ÷ estimated wait, 10th and 90th percentile, before a center has history of its own (hall.figures.estimates
# measures it on the demo's year and bench/results/hall-wait-estimates.md records the figures)
WAIT_BAND = (0.5, 1.6)
HISTORY_DAYS = 28
DEFAULT_SERVICE_MINUTES = 10.0


@dataclass(frozen=True)
class QueuePlace:
    ahead: int  # waiting tickets that will be called before this one
    windows: int  # windows open now that may call it (at least 1 in the estimate)
    service_minutes: float  # the center's mean time at the window
    low_minutes: int
    high_minutes: int


def waiting_ahead_q(ticket: Ticket) -> Q:
    """The waiting tickets of the same center and day called before `ticket`: a lower rank, or the same rank and
    earlier in the queue (queued_at, then id)."""
    r, t = ticket.priority_rank, ticket.queued_at
    return (Q(center_id=ticket.center_id, day=ticket.day, state=TicketState.WAITING)
            & (Q(priority_rank__lt=r) | Q(priority_rank=r, queued_at__lt=t) | Q(priority_rank=r, queued_at=t,
                                                                                 id__lt=ticket.pk)))


def mean_service_minutes(center_id: int, *, today: datetime.date) -> float:
    """Mean minutes from start to finish of the center's served tickets in the last HISTORY_DAYS days."""
    since = today - datetime.timedelta(days=HISTORY_DAYS)
    spent = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    mean = (Ticket.objects.filter(center_id=center_id, day__gte=since, day__lte=today, state=TicketState.DONE,
                                  started_at__isnull=False).aggregate(m=Avg(spent))["m"])
    if not mean:
        return DEFAULT_SERVICE_MINUTES
    return max(mean.total_seconds() / 60, 1.0)


def open_windows_for(ticket: Ticket) -> int:
    """Windows of the ticket's center open and not paused that may call it (all-purpose, or dedicated to its
    group, or the window it was sent to)."""
    sessions = WindowSession.objects.filter(window__center_id=ticket.center_id, closed_at__isnull=True,
                                            paused_at__isnull=True)
    if ticket.target_window_id:
        return sessions.filter(window_id=ticket.target_window_id).count()
    return sessions.filter(Q(window__is_general=True) | Q(window__categories__code=ticket.pool)).distinct().count()


def wait_range(ahead: int, windows: int, service_minutes: float, band: tuple[float, float] = WAIT_BAND
               ) -> tuple[int, int]:
    """(low, high) minutes for `ahead` people in front, `windows` serving, `service_minutes` each."""
    estimate = (ahead + 0.5) * service_minutes / max(windows, 1)
    low, high = band
    return int(estimate * low), max(int(round(estimate * high + 0.49)), 1)


def queue_place(ticket: Ticket, *, now: datetime.datetime | None = None) -> QueuePlace | None:
    """Where a waiting ticket stands; None once it is called or ended."""
    if ticket.state != TicketState.WAITING:
        return None
    today = timezone.localdate(now or timezone.now())
    ahead = Ticket.objects.filter(waiting_ahead_q(ticket)).count()
    windows = open_windows_for(ticket)
    service = mean_service_minutes(ticket.center_id, today=today)
    from doorstep.hall.figures.estimates import band_for

    low, high = wait_range(ahead, windows, service, band_for(ticket.center_id) or WAIT_BAND)
    return QueuePlace(ahead, windows, service, low, high)


TOKEN_SALT = "doorstep.hall.ticket"


def ticket_token(ticket: Ticket) -> str:
    """The signed token of a ticket's public page (the QR code on the printed slip: number, place, wait range —
    nothing personal), so the page cannot be walked by guessing ids."""
    from django.core import signing

    return signing.dumps(ticket.pk, salt=TOKEN_SALT, compress=False)


def ticket_from_token(token: str) -> Ticket:
    """The ticket a token names; NotFound for a bad or altered token and a missing ticket alike."""
    from django.core import signing

    from doorstep.core.errors import NotFound

    try:
        pk = signing.loads(str(token)[:200], salt=TOKEN_SALT)
    except signing.BadSignature:
        raise NotFound() from None
    ticket = Ticket.objects.select_related("center", "window").filter(pk=pk).first()
    if ticket is None:
        raise NotFound()
    return ticket
