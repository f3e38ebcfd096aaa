"""Working days under China's statutory calendar, as pure Python (no Django): weekends are rest days and weekdays
are working days, except the listed exceptions — statutory holidays (rest) and adjusted workdays 调休 (work).

A date in a year whose exceptions are unknown never raises: it falls back to the weekend rule and the caller can
ask `missing_years` to warn people loudly.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkCalendar:
    exceptions: dict[datetime.date, bool] = field(default_factory=dict)  # date -> is a working day
    known_years: frozenset[int] = frozenset()

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The date `days` working days after `start` (start itself not counted); 0 gives start."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        while days:
            current += datetime.timedelta(days=1)
            if self.is_working_day(current):
                days -= 1
        return current

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count, current = 0, start
        while current < end:
            current += datetime.timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += datetime.timedelta(days=1)
        return day

    def missing_years(self, years: Iterable[int]) -> list[int]:
        return sorted(y for y in set(years) if y not in self.known_years)
