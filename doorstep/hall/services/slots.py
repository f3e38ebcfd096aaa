"""Appointment slots (预约时段): made from each center's opening hours (weekday, Saturday, 错时延时) on the
working-day calendar — none on a statutory holiday, Monday's hours on an adjusted workday (org.hours) — and released
a set number of days ahead at a set time of day (HallPolicy.release_days, release_time). Each period has a place
count for the general pool and one per item group with reserved capacity (GroupCapacity)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from doorstep.calendar.selectors import work_calendar
from doorstep.hall.models import GroupCapacity, HallPolicy, Slot
from doorstep.hall.services.common import local_day, policy_for
from doorstep.org.hours import hours_on


def released_until(policy: HallPolicy, now: datetime.datetime) -> datetime.date:
    """The last day whose slots are open for booking at `now`: today + release_days once today's release time has
    passed (Beijing time), the day before that until then."""
    local = timezone.localtime(now)
    ahead = policy.release_days if local.time() >= policy.release_time else policy.release_days - 1
    return local.date() + datetime.timedelta(days=max(ahead, 0))


def periods_on(center, day: datetime.date, policy: HallPolicy) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The slot periods of `day`: every `slot_minutes` from each opening, the last one ending by the closing."""
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = [(h.weekday, h.opens, h.closes) for h in center.opening_hours.all()]
    step = datetime.timedelta(minutes=policy.slot_minutes)
    periods = []
    for opens, closes in hours_on(day, rows, work_calendar()):
        start = datetime.datetime.combine(day, opens, tzinfo=zone)
        end = datetime.datetime.combine(day, closes, tzinfo=zone)
        while start + step <= end:
            periods.append((start, start + step))
            start += step
    return sorted(set(periods))


def slots_release(center, *, now: datetime.datetime | None = None) -> int:
    """Make the slots of every day from today through released_until that has none yet. Idempotent: days already
    made are skipped, and a row made at the same moment by another process is ignored by the unique (center,
    start, pool) constraint. Result: how many slots were made. No audit: slots are the center's published
    calendar, not a decision about anyone."""
    now = now or timezone.now()
    policy = policy_for(center)
    first, last = local_day(now), released_until(policy, now)
    made_days = set(Slot.objects.filter(center=center, day__gte=first, day__lte=last)
                    .values_list("day", flat=True).distinct())
    pools = [("", policy.slot_capacity)] + [
        (g.category.code, g.per_slot) for g in GroupCapacity.objects.filter(center=center).select_related("category")
        if g.per_slot > 0]
    rows = []
    day = first
    while day <= last:
        if day not in made_days:
            for start, end in periods_on(center, day, policy):
                rows += [Slot(center=center, day=day, starts_at=start, ends_at=end, pool=pool, capacity=capacity)
                         for pool, capacity in pools if capacity > 0]
        day += datetime.timedelta(days=1)
    Slot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


def slots_release_all(*, now: datetime.datetime | None = None) -> int:
    """slots_release for every center with opening hours (huey, every ten minutes: a center's release time is
    met within ten minutes; a booking page also releases its center's days when it is shown)."""
    from doorstep.org.models import ServiceCenter

    total = 0
    for center in ServiceCenter.objects.filter(opening_hours__isnull=False).distinct().prefetch_related(
            "opening_hours"):
        total += slots_release(center, now=now)
    return total
