"""The hall's arrival curve for the demo year: when people come to a service hall, by half hour of the day and by
kind of day, and how long they wait at the busy times.

The shape is a demo assumption, drawn after the pattern issue #14 names (not measured data): mornings busiest, 9–11
at the peak, quieter afternoons, a small rise after work on the staggered evenings (错时延时), Saturday mornings busy
at the street centers that open then, Mondays busier than mid-week and the first working days after a holiday of
three days or more busiest of all. Pure Python (no Django), so the case history could draw its window times
from it too.
"""

import datetime
import math
import random

# relative arrival rate per half hour of the day, keyed by its first minute after midnight (08:30 → 510)
WEEKDAY_WEIGHTS = {
    510: 0.8, 540: 1.5, 570: 1.8, 600: 1.8, 630: 1.5, 660: 1.1, 690: 0.7,
    840: 0.8, 870: 1.0, 900: 1.0, 930: 0.9, 960: 0.8, 990: 0.6, 1020: 0.4,
    1050: 0.5, 1080: 0.6, 1110: 0.5, 1140: 0.35, 1170: 0.2,
}
SATURDAY_WEIGHTS = {540: 1.4, 570: 1.7, 600: 1.7, 630: 1.4, 660: 1.0, 690: 0.6}
OTHER_WEIGHT = 0.5  # a half hour the tables do not name (a center with unusual hours)

# the volume of a day against an ordinary one, by weekday (0 = Monday)
WEEKDAY_FACTORS = (1.3, 1.05, 0.95, 0.9, 0.85)
AFTER_HOLIDAY_FACTORS = (1.8, 1.3)  # the first and second working day after three or more days of rest
ADJUSTED_WORKDAY_FACTOR = 0.8  # a weekend day worked under 调休: people expect the hall to be shut
SATURDAY_SHARE = 0.35  # an open Saturday morning against an ordinary weekday's window visits
SATURDAY_WAIT_FACTOR = 1.4  # the people who come on a Saturday morning come together

# the mean wait (minutes) people would queue for at a half hour of weight 1 on an ordinary day; the queue itself
# caps it (nobody waits while a window stands idle), so it shows at the busy times only
BASE_WAIT_MINUTES = 4.5


def half_hour_weight(minute: int, *, saturday: bool = False) -> float:
    """The arrival weight of the half hour holding `minute` (minutes after local midnight)."""
    table = SATURDAY_WEIGHTS if saturday else WEEKDAY_WEIGHTS
    return table.get(minute - minute % 30, OTHER_WEIGHT)


def rest_days_before(day, is_working_day) -> int:
    """How many days of rest (weekend or holiday) come right before `day`; `is_working_day(date) -> bool`."""
    count, before = 0, day - datetime.timedelta(days=1)
    while count < 15 and not is_working_day(before):
        count += 1
        before -= datetime.timedelta(days=1)
    return count


def day_factor(day, is_working_day) -> float:
    """How busy a working day is against an ordinary one: after a holiday, Monday, mid-week, Friday, 调休."""
    if day.weekday() >= 5:
        return ADJUSTED_WORKDAY_FACTOR
    rest = rest_days_before(day, is_working_day)
    if rest >= 3:
        return AFTER_HOLIDAY_FACTORS[0]
    previous = day - datetime.timedelta(days=1)
    while not is_working_day(previous):
        previous -= datetime.timedelta(days=1)
    if rest == 0 and rest_days_before(previous, is_working_day) >= 3:
        return AFTER_HOLIDAY_FACTORS[1]
    return WEEKDAY_FACTORS[day.weekday()]


def wait_mean_minutes(minute: int, factor: float, *, saturday: bool = False) -> float:
    """The mean wait people are ready for at `minute` on a day of `factor` (longer at the peaks)."""
    return BASE_WAIT_MINUTES * half_hour_weight(minute, saturday=saturday) * factor


class MinuteSampler:
    """Draws arrival minutes over a day's open spans following the curve (cumulative weights per minute, made once
    per distinct set of spans)."""

    def __init__(self):
        self._tables: dict[tuple, tuple[list[int], list[float], float]] = {}

    def table(self, spans: tuple[tuple[int, int], ...], saturday: bool) -> tuple[list[int], list[float], float]:
        key = (spans, saturday)
        found = self._tables.get(key)
        if found is None:
            minutes, cumulative, total = [], [], 0.0
            for start, end in spans:
                for minute in range(start, end):
                    total += half_hour_weight(minute, saturday=saturday)
                    minutes.append(minute)
                    cumulative.append(total)
            found = self._tables[key] = (minutes, cumulative, total)
        return found

    def weight(self, spans: tuple[tuple[int, int], ...], saturday: bool) -> float:
        """The day's total arrival weight (how many arrivals its hours take, against another day's)."""
        return self.table(spans, saturday)[2]

    def draw(self, rng: random.Random, spans: tuple[tuple[int, int], ...], saturday: bool) -> int:
        """A moment (seconds after local midnight) drawn from the curve."""
        minutes, cumulative, _total = self.table(spans, saturday)
        minute = rng.choices(minutes, cum_weights=cumulative)[0]
        return minute * 60 + rng.randrange(60)


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high): randrange's result for this purpose at a fraction of its cost (the year
    draws a few million of them)."""
    return low + int(rng.random() * (high - low))


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's method for small means, the normal approximation above 30)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
