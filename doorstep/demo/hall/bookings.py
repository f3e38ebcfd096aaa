"""Appointments (预约) in the demo year: the slots of every center-day that has a booking, cut from its opening
hours as the hall cuts them (hall.services.slots.periods_on, the HallPolicy defaults), never holding more than their
capacity; bookings of window visits (arrived, with a Y ticket issued within the on-time window where the queue
allows), bookings cancelled before their time (their places given back) and bookings missed (爽约: the places stay
counted, as bookings_mark_no_show leaves them). The rules of the booking service hold: one active booking per person
per item per day, eight-digit codes never repeated, booked 1–7 days ahead within the release horizon, nobody missing
twice within the no-show window (so nobody is barred by the demo's own history)."""

import bisect
import datetime
import itertools
import math
import random

from doorstep.demo.hall.curves import between
from doorstep.hall.models import HallPolicy
from doorstep.hall.services.slots import periods_on

# days ahead a booking is made, with their weights (most book for the next day or two)
AHEAD_WEIGHTS = {1: 30, 2: 22, 3: 16, 4: 11, 5: 9, 6: 7, 7: 5}
AHEAD_DAYS = list(AHEAD_WEIGHTS)
AHEAD_CUMULATIVE = list(itertools.accumulate(AHEAD_WEIGHTS.values()))
CANCEL_REASONS = ["行程有变", "已在网上办理", "临时有事", "材料未备齐"]  # zh: what residents give as the reason
CANCEL_SHARE, NO_SHOW_SHARE = 0.09, 0.045  # per arrived booking: about 8% and 4% of all bookings


class DaySlots:
    """One center-day's slot periods (seconds after midnight) and the places taken in each."""

    def __init__(self, periods: list[tuple[int, int]], capacity: int):
        self.periods = periods
        self.starts = [start for start, _end in periods]
        self.capacity = capacity
        self.booked = [0] * len(periods)
        self.ids: list[int] = []

    def fits(self, i: int, need: int, *, free: bool = True) -> bool:
        """Whether `need` back-to-back periods from the i-th exist (and, with `free`, each has a place left)."""
        if need == 1:  # every item of the demo catalog: the quick answer
            return not free or self.booked[i] < self.capacity
        run = self.periods[i:i + need]
        if len(run) < need or any(a[1] != b[0] for a, b in zip(run, run[1:], strict=False)):
            return False
        return not free or all(self.booked[k] < self.capacity for k in range(i, i + need))

    def take(self, i: int, need: int) -> None:
        for k in range(i, i + need):
            self.booked[k] += 1


class Draft:
    """A booking being made."""

    __slots__ = ("id", "code", "center", "item", "applicant", "path", "day", "first", "n", "state", "created",
                 "changed", "channel", "booked_by", "ticket", "note")

    def __init__(self, *, code, center, item, applicant, path, day, first, n, state, created, channel, booked_by):
        self.code, self.center, self.item, self.applicant, self.path, self.day = code, center, item, applicant, path, day
        self.first, self.n, self.state, self.created, self.channel = first, n, state, created, channel
        self.booked_by = booked_by
        self.id = self.changed = self.ticket = self.note = None


class BookingBook:
    """Every booking of the year and the slots they hold, with the service's rules kept as they are made."""

    def __init__(self, rng: random.Random, reference, *, calendar):
        self.rng = rng
        self.ref = reference
        self.calendar = calendar
        self.policy = HallPolicy()  # no center has its own rules in the demo: the defaults
        self.days: dict[tuple[int, datetime.date], DaySlots] = {}
        self.drafts: list[Draft] = []
        self.codes: set[str] = set()
        self.active: set[tuple[int, int, datetime.date]] = set()
        self.last_no_show: dict[int, datetime.date] = {}

    def slots(self, center, day: datetime.date) -> DaySlots | None:
        key = (center.id, day)
        found = self.days.get(key)
        if found is None:
            periods = [(_secs(a), _secs(b)) for a, b in periods_on(center.obj, day, self.policy)]
            if not periods:
                return None
            found = self.days[key] = DaySlots(periods, self.policy.slot_capacity)
        return found

    def need(self, item: int) -> int:
        """Consecutive slots a booking of the item holds (hall.services.booking.slots_needed)."""
        return max(1, math.ceil(self.ref.items[item][2] / self.policy.slot_minutes))

    def code(self) -> str:
        while True:
            code = f"{self.rng.randrange(10 ** 8):08d}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    def on_time_range(self) -> tuple[int, int]:
        return self.policy.on_time_early_minutes * 60, self.policy.on_time_late_minutes * 60

    def arrival(self, center, day: datetime.date, ticket, *, lower: int, call: int, desired: int):
        """Book the slot a window visit arrived on time for, if one fits: the issue time must fall in the slot's
        on-time window and after `lower` (the queue's bound), and before the call. Returns (earliest, latest issue
        time) with the Draft on ticket.booking, or None (the person came without a booking)."""
        key = (ticket.applicant, ticket.item, day)
        if key in self.active:
            return None
        slots = self.slots(center, day)
        if slots is None:
            return None
        need = self.need(ticket.item)
        early, late = self.on_time_range()
        target = min(max(desired, lower), call - 10) + between(self.rng, 0, 1200)
        best = None
        first = bisect.bisect_left(slots.starts, lower - late)
        last = bisect.bisect_right(slots.starts, call - 10 + early)
        for i in range(first, last):
            start = slots.starts[i]
            lo, hi = max(lower, start - early), min(call - 10, start + late)
            if lo <= hi and slots.fits(i, need):
                distance = abs(start - target)
                if best is None or distance < best[0]:
                    best = (distance, i, lo, hi)
        if best is None:
            return None
        _distance, i, lo, hi = best
        slots.take(i, need)
        self.active.add(key)
        ticket.booking = self._draft(center, day, ticket.item, ticket.applicant, ticket.visit.path, i, need,
                                     state="arrived")
        ticket.booking.ticket = ticket
        return lo, hi

    def missed_and_cancelled(self, center, day: datetime.date, *, arrived: int, items: list[int]) -> None:
        """The day's cancelled and missed bookings, in proportion to those that came."""
        rng = self.rng
        if not center.residents or not items:
            return
        for state, share in (("cancelled", CANCEL_SHARE), ("no_show", NO_SHOW_SHARE)):
            for _ in range(_binomial(rng, arrived, share)):
                applicant = rng.choice(center.residents)
                item = rng.choice(items)
                slots = self.slots(center, day)
                if slots is None:
                    return
                need = self.need(item)
                if state == "no_show":
                    last = self.last_no_show.get(applicant)
                    if last is not None and (day - last).days <= self.policy.no_show_window_days:
                        continue
                    free = [i for i in range(len(slots.periods)) if slots.fits(i, need)]
                    if not free:
                        continue
                    i = rng.choice(free)
                    slots.take(i, need)
                    self.last_no_show[applicant] = day
                else:  # its places were given back when it was cancelled
                    runs = [i for i in range(len(slots.periods)) if slots.fits(i, need, free=False)]
                    if not runs:
                        continue
                    i = rng.choice(runs)
                self._draft(center, day, item, applicant, self.ref.path.get(applicant, center.node_code), i,
                            need, state=state)

    def _draft(self, center, day, item, applicant, path, first: int, need: int, *, state: str) -> Draft:
        rng = self.rng
        ref = self.ref
        account = ref.account.get(applicant)
        worker = ref.grid_worker.get(path)
        if account and rng.random() < 0.85:
            channel, booked_by = "resident", account
        elif worker and ref.age(applicant, day) >= 60 and rng.random() < 0.45:
            channel, booked_by = "grid", worker
        else:
            channel, booked_by = "staff", center.clerks[0]
        ahead = rng.choices(AHEAD_DAYS, cum_weights=AHEAD_CUMULATIVE)[0]
        made_on = day - datetime.timedelta(days=ahead)
        if channel != "resident":  # staff and grid workers book on working days, in office hours
            while ahead > 1 and not self.calendar.is_working_day(made_on):
                ahead -= 1
                made_on += datetime.timedelta(days=1)
            created = _at(made_on, between(rng, 9 * 3600, 17 * 3600))
        else:  # residents at any waking hour, after the morning's release on the last day released
            created = _at(made_on, between(rng, (8 if ahead == 7 else 7) * 3600, 23 * 3600))
        draft = Draft(code=self.code(), center=center, item=item, applicant=applicant, path=path, day=day,
                      first=first, n=need, state=state, created=created, channel=channel, booked_by=booked_by)
        self.drafts.append(draft)
        return draft


def _secs(moment: datetime.datetime) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _at(day: datetime.date, secs: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day) + datetime.timedelta(seconds=secs)


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)
