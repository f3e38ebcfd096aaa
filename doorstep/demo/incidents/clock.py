"""Working-time arithmetic for the demo year, as incidents.clock counts it, indexed once over the year's days."""

import datetime

from doorstep.incidents.clock import hours_of_day


class WorkClock:
    """Working-time arithmetic on naive local times, as incidents.clock counts it (the calendar app's working days,
    DOORSTEP_WORKING_HOURS), over a window of days indexed once: the demo asks it hundreds of thousands of times."""

    def __init__(self, calendar, first: datetime.date, last: datetime.date):
        self.spans = [((a.hour * 60 + a.minute) * 60 + a.second, (b.hour * 60 + b.minute) * 60 + b.second)
                      for a, b in hours_of_day().periods]
        self.per_day = sum(b - a for a, b in self.spans)
        self.first, self.last = first, last
        self.working: dict[datetime.date, bool] = {}
        self.rank: dict[datetime.date, int] = {}  # working days before the date, in the window
        self.workdays: list[datetime.date] = []
        self.midnight: dict[datetime.date, datetime.datetime] = {}
        day = first
        while day <= last:
            self.midnight[day] = datetime.datetime(day.year, day.month, day.day)
            self.rank[day] = len(self.workdays)
            works = calendar.is_working_day(day)
            self.working[day] = works
            if works:
                self.workdays.append(day)
            day += datetime.timedelta(days=1)

    def is_working_day(self, day: datetime.date) -> bool:
        return self.working[day]

    def _before(self, tod: int) -> int:
        total = 0
        for a, b in self.spans:
            if tod <= a:
                break
            total += min(tod, b) - a
        return total

    def _moment(self, seconds: int) -> int:
        """The time of day at which a working day has had `seconds` (0 < seconds <= a day) of work."""
        done = 0
        for a, b in self.spans:
            if seconds <= done + b - a:
                return a + seconds - done
            done += b - a
        raise ValueError(seconds)

    def nth_after(self, day: datetime.date, n: int) -> datetime.date:
        """The n-th (n >= 1) working day after `day`, the day itself not counted."""
        return self.workdays[self.rank[day + datetime.timedelta(days=1)] + n - 1]

    def _at(self, day: datetime.date, tod: int) -> datetime.datetime:
        return self.midnight[day] + datetime.timedelta(seconds=tod)

    def add(self, start: datetime.datetime, seconds: int) -> datetime.datetime:
        """`seconds` working seconds after start (incidents.clock.due in hours, to the second)."""
        day = start.date()
        tod = start.hour * 3600 + start.minute * 60 + start.second
        if self.working[day]:
            for a, b in self.spans:
                if tod < b:
                    moment = max(tod, a)
                    before = self._before(moment)
                    if seconds == 0:
                        return self._at(day, moment)
                    if seconds <= self.per_day - before:
                        return self._at(day, self._moment(before + seconds))
                    seconds -= self.per_day - before
                    break
        if seconds == 0:
            return self._at(self.nth_after(day, 1), self.spans[0][0])
        whole, rest = divmod(seconds - 1, self.per_day)
        return self._at(self.nth_after(day, whole + 1), self._moment(rest + 1))

    def due(self, start: datetime.datetime, value: int, unit: str) -> datetime.datetime:
        """incidents.clock.due: `value` working hours, or the end of the `value`-th working day after start's date."""
        if unit == "hours":
            return self.add(start, value * 3600)
        day = start.date()
        if value == 0:
            target = day if self.working[day] else self.nth_after(day, 1)
        else:
            target = self.nth_after(day, value)
        return self._at(target, self.spans[-1][1])

    def seconds(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Working seconds in [start, end) (incidents.clock.working_seconds; negative when end is earlier)."""
        if end < start:
            return -self.seconds(end, start)
        d1, d2 = start.date(), end.date()
        t1 = start.hour * 3600 + start.minute * 60 + start.second
        t2 = end.hour * 3600 + end.minute * 60 + end.second
        if d1 == d2:
            return self._before(t2) - self._before(t1) if self.working[d1] else 0
        total = self.per_day - self._before(t1) if self.working[d1] else 0
        total += self.per_day * (self.rank[d2] - self.rank[d1 + datetime.timedelta(days=1)])
        return total + (self._before(t2) if self.working[d2] else 0)

    def next_working_moment(self, t: datetime.datetime) -> datetime.datetime:
        return self.add(t, 0)
