"""The conditions, one place for the figures and the records behind them: which records each count takes in a
period (by which timestamp), and which records count at all. docs/indicators.md says the same in words."""

from django.db.models import F, Q, QuerySet

from doorstep.core.paths import subtree_q
from doorstep.incidents.indicators.definitions import SATISFIED_LEVEL, Measure
from doorstep.incidents.models import Incident
from doorstep.incidents.workflow import OrderState, Resolution


def _counted() -> Q:
    """Incidents that count at all: not merged into another report (the one kept counts), not dismissed (不予立案,
    also when dismissed after registration or archived since)."""
    return Q(merged_into__isnull=True) & Q(dismiss_reason="")


def _in(field_name: str, start, end) -> Q:
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def _due_open(start, end, now, *, by_month: bool = False) -> Q:
    """The part of 应结案 not closed in the period: the handling deadline fell in the period (and has passed: a
    deadline still ahead is not due yet), and the incident was not closed by the period's end — still open, or
    closed later. Closed earlier, it counted when it was closed. By month, "the period's end" is the end of the
    deadline's month: the month of the closing (annotated _closed_b, past the last month when open) after the
    deadline's (_due_b)."""
    closed_later = Q(_closed_b__gt=F("_due_b")) if by_month else Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    return _in("handling_due", start, min(end, now)) & closed_later


def _incident_q(count: Measure, start, end, now) -> Q:
    closed = _in("closed_at", start, end)
    if count == Measure.REGISTERED:
        return _in("registered_at", start, end)
    if count == Measure.CLOSED:
        return closed
    if count == Measure.DUE:
        return closed | _due_open(start, end, now)
    if count == Measure.IN_TIME:
        return closed & Q(closed_in_time=True)
    if count == Measure.SOLVED:  # CLOSED_UNSOLVED (无法解决 / 不属实) never counts as solved
        return closed & Q(resolution=Resolution.SOLVED)
    if count == Measure.REWORKED:
        return closed & Q(rework_count__gte=1)
    if count == Measure.TIMED:
        return closed & Q(handling_seconds__isnull=False)
    raise ValueError(count)


def _order_q(count: Measure, start, end, now) -> Q:
    sent = _in("sent_at", start, end)
    unanswered = Q(accepted_at__isnull=True, returned_at__isnull=True)
    if count == Measure.ORDERS:
        return sent
    if count == Measure.RETURNED:
        return sent & Q(state=OrderState.RETURNED)
    if count == Measure.RESPONSE_DUE:
        # left out: withdrawn before any answer (cancelled: the lead returned the round, the incident was reopened)
        # and still waiting inside the response time
        return sent & ~(unanswered & (Q(state=OrderState.CANCELLED) | Q(response_due__gt=now)))
    if count == Measure.RESPONDED:
        return sent & (Q(accepted_at__lte=F("response_due")) | Q(returned_at__lte=F("response_due")))
    raise ValueError(count)


def _rating_q(count: Measure, start, end) -> Q:
    rated = _in("at", start, end)
    if count == Measure.RATED:
        return rated
    if count == Measure.SATISFIED:
        return rated & Q(level__gte=SATISFIED_LEVEL)
    raise ValueError(count)


def _scoped(model, scope: str, kind: str) -> QuerySet:
    prefix = "" if model is Incident else "incident__"
    qs = model.objects.filter(subtree_q(f"{prefix}path", scope))
    if kind:
        qs = qs.filter(**{f"{prefix}kind": kind})
    if model is Incident:
        qs = qs.filter(_counted())
    return qs.order_by()
