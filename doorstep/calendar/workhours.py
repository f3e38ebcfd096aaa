"""Working-hours arithmetic on China's statutory calendar, as pure Python (no Django): the clocks of an incident's
response and handling limits (issue #13).

The limits of the grid's closed loop are written in 工作时 (working hours) and 工作日 (working days), as the
digitized city management standards set them (GB/T 30428.2 管理部件和事件 and GB/T 30428.8 立案、处置和结案 list
each kind of event's 处置时限 as "2工作时", "5工作日" …) and as the 12345 hotlines count their 办理时限: only the
hours of a working day count; weekends and statutory holidays do not; a Saturday or Sunday the State Council's
yearly notice makes a working day (调休上班) counts like any other working day. Which days work is the
`WorkCalendar`'s (doorstep.calendar.workdays); which hours of such a day work is a `WorkingHours` (a setting).

Times are counted on the wall clock of the zone the caller passes (Asia/Shanghai): a working period from 08:30 to
12:00 is 3.5 working hours on every working day. (In a zone with daylight saving time, a period containing the
moment the clocks change would count its wall-clock length; China has had no such change since 1991.) Arithmetic
is in whole microseconds, so fractional hours (0.5, 1/3) come out exact to the microsecond.

A day's working periods are half-open, [08:30, 12:00): 12:00 itself is not working time, and the next working
moment after it is 14:00.
"""

import bisect
import datetime
import numbers
import re
import weakref
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from doorstep.calendar.workdays import WorkCalendar

MICROSECONDS_PER_SECOND = 1_000_000
MICROSECONDS_PER_HOUR = 3600 * MICROSECONDS_PER_SECOND
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _micros_of(t: datetime.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * MICROSECONDS_PER_SECOND + t.microsecond


@dataclass(frozen=True)
class WorkingHours:
    """The working periods of a working day, in the day's local wall-clock time, e.g.
    ((08:30, 12:00), (14:00, 17:30)) for 7 working hours a day. Each period is half-open [start, end); periods are
    in order, none is empty, none overlaps the next (one may end where the next starts). ValueError otherwise."""

    periods: tuple[tuple[datetime.time, datetime.time], ...]
    # the periods as (start, end) microseconds since midnight, and per period the working microseconds before it
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _before: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        periods = tuple(tuple(p) for p in self.periods)
        if not periods:
            raise ValueError("working hours need at least one period")
        spans = []
        for period in periods:
            if len(period) != 2 or not all(isinstance(t, datetime.time) for t in period):
                raise ValueError(f"a working period is a (start, end) pair of times, not {period!r}")
            start, end = period
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working periods are wall-clock times, without a time zone")
            if _micros_of(start) >= _micros_of(end):
                raise ValueError(f"a working period must end after it starts: {start:%H:%M}-{end:%H:%M}")
            if spans and _micros_of(start) < spans[-1][1]:
                raise ValueError(f"working periods must be in order and must not overlap: {start:%H:%M}")
            spans.append((_micros_of(start), _micros_of(end)))
        before, total = [], 0
        for start, end in spans:
            before.append(total)
            total += end - start
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "_spans", tuple(spans))
        object.__setattr__(self, "_before", tuple(before))

    @classmethod
    def parse(cls, text: str) -> "WorkingHours":
        """WorkingHours from "08:30-12:00,14:00-17:30" (24-hour HH:MM, periods separated by commas); ValueError on
        any other text or on periods that are out of order, empty or overlapping."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("working hours text is empty")
        periods = []
        for part in text.split(","):
            match = _PERIOD.match(part)
            if not match:
                raise ValueError(f"not a working period (HH:MM-HH:MM): {part.strip()!r}")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                periods.append((datetime.time(h1, m1), datetime.time(h2, m2)))
            except ValueError as error:
                raise ValueError(f"not a time of day in {part.strip()!r}: {error}") from None
        return cls(tuple(periods))

    @property
    def seconds_per_day(self) -> int:
        """Working seconds in one working day (25,200 for 08:30-12:00 and 14:00-17:30)."""
        return self._micros_per_day // MICROSECONDS_PER_SECOND

    @property
    def _micros_per_day(self) -> int:
        return self._before[-1] + self._spans[-1][1] - self._spans[-1][0]

    def _micros_before(self, tod: int) -> int:
        """Working microseconds of a working day in [00:00, tod), tod in microseconds since midnight."""
        total = 0
        for start, end in self._spans:
            if tod <= start:
                break
            total += min(tod, end) - start
        return total

    def _at_or_after(self, tod: int) -> int | None:
        """The first working moment at or after `tod` on a working day (microseconds since midnight); None when the
        day's working time is over."""
        for start, end in self._spans:
            if tod < end:
                return max(tod, start)
        return None

    def _moment_after(self, micros: int) -> int:
        """The time of day (microseconds since midnight) at which a working day has had `micros` working
        microseconds, 0 < micros <= a day's total: a period's end when it is used up exactly."""
        for (start, end), before in zip(self._spans, self._before, strict=True):
            if micros <= before + end - start:
                return start + micros - before
        raise ValueError("more working time than a working day holds")


class _DayIndex:
    """Counting a calendar's working days in O(log n): weekdays by arithmetic, corrected by the calendar's
    exceptions (a holiday on a weekday is one fewer, a 调休 Saturday one more) through a prefix sum over them."""

    def __init__(self, calendar: WorkCalendar):
        self.size = len(calendar.exceptions)
        changes = sorted((day, works) for day, works in calendar.exceptions.items() if works != (day.weekday() < 5))
        self.days = [day for day, _ in changes]
        self.prefix = [0]
        for _, works in changes:
            self.prefix.append(self.prefix[-1] + (1 if works else -1))

    def count(self, first: datetime.date, stop: datetime.date) -> int:
        """Working days in [first, stop), stop >= first."""
        span = (stop - first).days
        weeks, rest = divmod(span, 7)
        weekday = first.weekday()
        weekdays = weeks * 5 + sum(1 for i in range(rest) if (weekday + i) % 7 < 5)
        lo = bisect.bisect_left(self.days, first)
        hi = bisect.bisect_left(self.days, stop)
        return weekdays + self.prefix[hi] - self.prefix[lo]


# One index per calendar object, dropped with it. WorkCalendar holds a dict, so it cannot be a dictionary key; the
# index is kept by id() next to a weak reference that proves the id still names the same calendar. A calendar is
# built once and not changed (work_calendar() makes a new one); a changed number of exceptions rebuilds the index.
_INDEXES: dict[int, tuple[weakref.ref, _DayIndex]] = {}


def _index(calendar: WorkCalendar) -> _DayIndex:
    key = id(calendar)
    found = _INDEXES.get(key)
    if found is not None and found[0]() is calendar and found[1].size == len(calendar.exceptions):
        return found[1]
    index = _DayIndex(calendar)
    _INDEXES[key] = (weakref.ref(calendar, lambda _ref, key=key: _INDEXES.pop(key, None)), index)
    return index


def _working_days_in(calendar: WorkCalendar, first: datetime.date, stop: datetime.date) -> int:
    return _index(calendar).count(first, stop) if stop > first else 0


_STEP_DAYS = 20


def _nth_working_day_after(calendar: WorkCalendar, day: datetime.date, n: int) -> datetime.date:
    """The date n >= 1 working days after `day` (day not counted): WorkCalendar.add_working_days, by search."""
    if n <= _STEP_DAYS:  # a few days: stepping is quicker than searching
        return calendar.add_working_days(day, n)
    after = day + datetime.timedelta(days=1)
    width = n + n // 2 + 14
    while _working_days_in(calendar, after, after + datetime.timedelta(days=width)) < n:
        width *= 2  # ends: past the last exception every weekday works
    lo, hi = 1, width  # the answer is after + (k - 1) for the smallest k with n working days in [after, after + k)
    while lo < hi:
        mid = (lo + hi) // 2
        if _working_days_in(calendar, after, after + datetime.timedelta(days=mid)) >= n:
            hi = mid
        else:
            lo = mid + 1
    return after + datetime.timedelta(days=lo - 1)


def _local(moment: datetime.datetime, tz: datetime.tzinfo, name: str) -> tuple[datetime.date, int]:
    if not isinstance(moment, datetime.datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    local = moment.astimezone(tz)
    return local.date(), _micros_of(local.time())


def _aware(day: datetime.date, tod: int, tz: datetime.tzinfo) -> datetime.datetime:
    return (datetime.datetime.combine(day, datetime.time.min) + datetime.timedelta(microseconds=tod)).replace(
        tzinfo=tz)


def _micros_of_hours(hours: int | float | Fraction | Decimal) -> int:
    if isinstance(hours, bool) or not isinstance(hours, numbers.Rational | float | Decimal):
        raise ValueError(f"working hours must be a number, not {hours!r}")
    try:
        micros = round(Fraction(hours) * MICROSECONDS_PER_HOUR)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"working hours must be a finite number, not {hours!r}") from None
    if micros < 0:
        raise ValueError("working hours must not be negative")
    return micros


def add_working_hours(start: datetime.datetime, hours: int | float | Fraction | Decimal, *, calendar: WorkCalendar,
                      hours_of_day: WorkingHours, tz: datetime.tzinfo) -> datetime.datetime:
    """The moment at which `hours` working hours have passed since `start` (aware; returned aware in `tz`).

    A start outside working time (a night, the lunch break, a weekend, a holiday) counts from the next working
    moment; 0 hours gives that moment (the start itself when it is working time). When the hours run out exactly at
    the end of a period the answer is that end (12:00, not 14:00). `hours` may be fractional; it is rounded to the
    microsecond. ValueError for a naive start or negative, infinite or non-numeric hours.
    """
    remaining = _micros_of_hours(hours)
    day, tod = _local(start, tz, "start")
    per_day = hours_of_day._micros_per_day
    if calendar.is_working_day(day):
        moment = hours_of_day._at_or_after(tod)
        if moment is not None:
            if remaining == 0:
                return _aware(day, moment, tz)
            left_today = per_day - hours_of_day._micros_before(moment)
            if remaining <= left_today:
                return _aware(day, hours_of_day._moment_after(hours_of_day._micros_before(moment) + remaining), tz)
            remaining -= left_today
    # `day` is used up (or never worked): the rest falls on later working days, the last holding 0 < rest <= a day
    if remaining == 0:
        return _aware(_nth_working_day_after(calendar, day, 1), hours_of_day._spans[0][0], tz)
    whole_days, rest = divmod(remaining - 1, per_day)
    target = _nth_working_day_after(calendar, day, whole_days + 1)
    return _aware(target, hours_of_day._moment_after(rest + 1), tz)


def _working_micros_between(start: datetime.datetime, end: datetime.datetime, *, calendar: WorkCalendar,
                            hours_of_day: WorkingHours, tz: datetime.tzinfo) -> int:
    first_day, first_tod = _local(start, tz, "start")
    last_day, last_tod = _local(end, tz, "end")
    if end < start:
        return -_working_micros_between(end, start, calendar=calendar, hours_of_day=hours_of_day, tz=tz)
    per_day = hours_of_day._micros_per_day
    if first_day == last_day:
        if not calendar.is_working_day(first_day):
            return 0
        return hours_of_day._micros_before(last_tod) - hours_of_day._micros_before(first_tod)
    total = 0
    if calendar.is_working_day(first_day):
        total += per_day - hours_of_day._micros_before(first_tod)
    total += per_day * _working_days_in(calendar, first_day + datetime.timedelta(days=1), last_day)
    if calendar.is_working_day(last_day):
        total += hours_of_day._micros_before(last_tod)
    return total


def working_seconds_between(start: datetime.datetime, end: datetime.datetime, *, calendar: WorkCalendar,
                            hours_of_day: WorkingHours, tz: datetime.tzinfo) -> int:
    """Working seconds in [start, end) (both aware), truncated toward zero to a whole second; the negative of
    [end, start) when end is before start, so f(a, b) == -f(b, a). Counts whole days in O(log n) of the calendar's
    exceptions, so a span of a year costs no more than a span of a day. ValueError for a naive datetime."""
    micros = _working_micros_between(start, end, calendar=calendar, hours_of_day=hours_of_day, tz=tz)
    seconds = abs(micros) // MICROSECONDS_PER_SECOND
    return seconds if micros >= 0 else -seconds


def deadline_in_working_days(start: datetime.datetime, days: int, *, calendar: WorkCalendar,
                             hours_of_day: WorkingHours, tz: datetime.tzinfo) -> datetime.datetime:
    """The end of the working day (the end of its last period, aware in `tz`) `days` working days after the date of
    `start` in `tz`, the start's date not counted — as WorkCalendar.add_working_days counts the one window's
    promised days: an incident reported on Wednesday with 1 working day is due Thursday at 17:30 (Friday 17:30 when
    Thursday is a holiday). 0 days: the end of the start's own day when it is a working day (even when that hour is
    past), else the end of the next working day. ValueError for a naive start or negative or non-whole days."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"working days must be a whole number, not negative: {days!r}")
    day, _ = _local(start, tz, "start")
    target = calendar.next_working_day(day) if days == 0 else _nth_working_day_after(calendar, day, days)
    return _aware(target, hours_of_day._spans[-1][1], tz)


UNITS = ("hours", "days")


def deadline(start: datetime.datetime, value: int | float | Fraction | Decimal, unit: str, *, calendar: WorkCalendar,
             hours_of_day: WorkingHours, tz: datetime.tzinfo) -> datetime.datetime:
    """A limit's deadline from `start`: `value` 工作时 (unit "hours", add_working_hours) or 工作日 (unit "days",
    deadline_in_working_days; value must be whole). ValueError for another unit or a value the unit refuses."""
    if unit == "hours":
        return add_working_hours(start, value, calendar=calendar, hours_of_day=hours_of_day, tz=tz)
    if unit == "days":
        whole = ((isinstance(value, float) and value.is_integer())
                 or (isinstance(value, Fraction) and value.denominator == 1)
                 or (isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()))
        if whole:
            value = int(value)
        return deadline_in_working_days(start, value, calendar=calendar, hours_of_day=hours_of_day, tz=tz)
    raise ValueError(f"a limit's unit is one of {UNITS}, not {unit!r}")
