"""The reports as they come in over the year: how many a day by channel (weekdays, holidays, the Spring Festival,
the season of each category), when in the day, what, where and who, their texts, the duplicates the command center
merges, and the recent ones held in each open state so that no queue is ever empty."""

import datetime
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from doorstep.demo import incident_texts as words
from doorstep.incidents.workflow import State

if TYPE_CHECKING:
    from doorstep.demo.incidents.loop import Life

# reports a year, by demo scale (the district's 114,000 households give about 35,000: grid workers' patrols, the
# requests of the residents who use the app and the hotline's calls)
VOLUME = {"district": 35_000, "small": 1_100}
CHANNEL_SHARE = {"grid": 0.60, "resident": 0.30, "phone": 0.10}
# weekday factors (Monday … Sunday) by channel: grid workers patrol on working days, residents write any day
WEEKDAY = {"grid": (1.05, 1.0, 1.0, 1.0, 1.0, 0.3, 0.2), "resident": (1.05, 1.0, 1.0, 1.0, 1.05, 0.95, 0.9),
           "phone": (1.1, 1.0, 1.0, 1.0, 1.0, 0.8, 0.75)}
HOLIDAY = {"grid": 0.15, "resident": 0.6, "phone": 0.6}  # a statutory holiday (not a weekend) — fewer reports
SPRING_FESTIVAL = 0.35  # the Spring Festival week: the city empties
# reports held in each open state on purpose, per street (however early the build runs, every queue has work), and
# one dismissed report left unarchived (the others are archived weeks after their dismissal, often every one of them)
HELD = [(State.REPORTED, 2), (State.REGISTERED, 2), (State.DISPATCHED, 2), (State.HANDLING, 2), ("overdue", 3),
        (State.HANDLED, 2), (State.VERIFIED, 2), (State.DISMISSED, 1)]


def poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class Head:
    """A report as it comes in (before the loop)."""

    at: datetime.datetime
    channel: str
    code: str
    building: tuple  # (id, grid_id, path, lat, lon, name, address, estate)
    street: str
    reporter_user: int | None = None
    reporter_resident: int | None = None
    submitted_by: int | None = None
    caller: tuple | None = None  # (name, the resident's id or a phone number)
    hide: bool = False
    decided: str = ""  # the department the text sends it to (a category's `alt`), "" for the lead
    text: str = ""
    duplicate_of: "Head | None" = None
    hold: object = None
    number: str = ""
    life: "Life | None" = None
    special: str = ""
    slow: bool = False  # held past its deadline (overdue, still being handled)
    son: str = ""


class Arrivals:
    """The reports of the year, in time order, numbered per day (IncidentHistoryBuilder's part)."""

    def _spring_festival(self) -> set[datetime.date]:
        """The long winter holiday: a run of 5+ non-working days in January or February."""
        days, run = set(), []
        day = self.start
        while day <= self.today:
            if not self.clock.is_working_day(day) and day.month in (1, 2):
                run.append(day)
            else:
                if len(run) >= 5:
                    days.update(run)
                run = []
            day += datetime.timedelta(days=1)
        return days

    def _day_factor(self, channel: str, day: datetime.date, festival: set) -> float:
        factor = WEEKDAY[channel][day.weekday()]
        if not self.clock.is_working_day(day) and day.weekday() < 5:
            factor = min(factor, HOLIDAY[channel]) if channel == "grid" else factor * HOLIDAY[channel]
        if day in festival:
            factor *= SPRING_FESTIVAL
        return factor

    def _category_weights(self) -> dict:
        """(channel, month) → (codes, cumulative weights)."""
        table = {}
        codes = sorted(self.categories)
        for channel in ("grid", "resident", "phone"):
            for month in range(1, 13):
                weights, total = [], 0.0
                for code in codes:
                    entry = words.CATEGORY_WORDS[code]
                    total += entry["w"] * words.SEASONS[entry["season"]][month - 1] * \
                        words.CHANNEL_PROPENSITY[entry["who"]][channel]
                    weights.append(total)
                table[channel, month] = (codes, weights)
        return table

    def _time_of_day(self, channel: str, day: datetime.date, night_share: float) -> datetime.datetime:
        rng = self.rng
        base = datetime.datetime(day.year, day.month, day.day)
        if channel == "grid":
            minute = rng.choice((rng.randint(8 * 60 + 30, 11 * 60 + 50), rng.randint(14 * 60, 17 * 60 + 20),
                                 rng.randint(7 * 60 + 40, 19 * 60)))
        elif night_share and rng.random() < night_share:
            minute = rng.randint(21 * 60 + 30, 25 * 60 + 30) % (24 * 60)
        else:  # residents and callers: all day, most in the morning and the evening
            minute = int(min(23 * 60 + 50, max(6 * 60 + 30, rng.choice((rng.gauss(10 * 60, 110),
                                                                         rng.gauss(15 * 60, 120),
                                                                         rng.gauss(20 * 60, 80))))))
        return base + datetime.timedelta(minutes=minute, seconds=rng.randrange(60))

    def heads(self) -> list[Head]:
        rng = self.rng
        total = VOLUME[self.scale] if self.scale in VOLUME else VOLUME["district"]
        festival = self._spring_festival()
        days = [self.start + datetime.timedelta(days=k) for k in range((self.today - self.start).days + 1)]
        factors = {ch: [self._day_factor(ch, d, festival) for d in days] for ch in CHANNEL_SHARE}
        self._people(int(total * CHANNEL_SHARE["resident"]), int(total * CHANNEL_SHARE["phone"] * 0.7))
        weights = self._category_weights()
        grids = sorted(self.by_grid)
        grid_households = [sum(b[7] for b in self.by_grid[g]) for g in grids]
        grid_cum = list(itertools.accumulate(grid_households))
        heads: list[Head] = []
        recent: dict[str, list[Head]] = defaultdict(list)  # grid → its reports of the last three days
        for i, day in enumerate(days):
            todays: list[Head] = []
            for channel, share in CHANNEL_SHARE.items():
                lam = total * share * factors[channel][i] / sum(factors[channel])
                for _ in range(poisson(rng, lam)):
                    head = self._head(channel, day, weights, grids, grid_cum, recent)
                    if head is not None and head.at < self.now - datetime.timedelta(minutes=5):
                        todays.append(head)
            todays.sort(key=lambda h: h.at)
            for seq, head in enumerate(todays, start=1):
                head.number = f"E{self.district}{day:%Y%m%d}{seq:05d}"
            heads += todays
            since = datetime.datetime(day.year, day.month, day.day) - datetime.timedelta(hours=48)
            for head in todays:
                recent[head.building[2]].append(head)
            for grid in list(recent):
                recent[grid] = [h for h in recent[grid] if h.at > since]
        self._hold(heads)
        return heads

    def _head(self, channel, day, weights, grids, grid_cum, recent) -> Head | None:
        """One report: when, what, where, who; its text. A few repeat a report made in the same grid in the last
        three days (a duplicate: the command center merges it)."""
        rng = self.rng
        codes, cum = weights[channel, day.month]
        code = rng.choices(codes, cum_weights=cum)[0]
        head = Head(at=datetime.datetime(day.year, day.month, day.day), channel=channel, code=code, building=(),
                     street="")
        b = None
        if channel == "resident":
            if not self.app_users:
                return None
            user, resident, b = self.app_users[int(len(self.app_users) * rng.random() ** 1.7)]
            head.reporter_user, head.reporter_resident, head.submitted_by = user, resident, user
            head.hide = rng.random() < 0.1
        elif channel == "phone":
            head.submitted_by = self.dispatcher
            if self.callers and rng.random() < 0.7:
                rid, building_id, name = rng.choice(self.callers)
                head.caller = (name, rid)
                if words.CATEGORY_WORDS[code]["where"] == "home":
                    b = self.by_building[building_id]
            else:
                name = rng.choice(words.SURNAMES) + rng.choice(("先生", "女士"))
                head.caller = (name, f"1{rng.choice('3578')}{rng.randrange(10**9):09d}")
        if b is None:
            b = rng.choice(self.by_grid[rng.choices(grids, cum_weights=grid_cum)[0]])
        duplicate = None
        if recent.get(b[2]) and rng.random() < (0.02 if channel == "grid" else 0.07):
            duplicate = rng.choice(recent[b[2]])
            code = head.code = duplicate.code
            b = self.by_building[duplicate.building[0]]
        entry = words.CATEGORY_WORDS[code]
        head.at = self._time_of_day(channel, day, entry["night"] if channel != "grid" else 0.0)
        if duplicate is not None and head.at <= duplicate.at + datetime.timedelta(minutes=10):
            duplicate = None
        head.building = self._building(b)
        head.street = b[2][:9]
        if channel == "grid":
            worker = self.governor.get(b[2])
            if self.assistant.get(b[2]) and rng.random() < 0.25:
                worker = self.assistant[b[2]]
            if worker is None:
                return None
            head.reporter_user = head.submitted_by = worker
        alt = None
        for dept, share, alt_words in entry["alt"]:
            if rng.random() < share * 0.9:
                alt = (dept, alt_words)
                break
        if alt:
            head.decided = alt[0]
        second = None
        if duplicate is None and rng.random() < (0.02 if channel == "grid" else 0.06):
            kind = entry["where"] if entry["where"] in self.text.by_where else "street"
            others, other_weights = self.text.by_where[kind]
            second = rng.choices(others, weights=other_weights)[0]
            if second == code:
                second = None
        head.text = self.text.make(code, channel, head.building, night=head.at.hour >= 21 or head.at.hour < 5,
                                   alt_words=alt[1] if alt else None, second=second)
        head.duplicate_of = duplicate
        return head

    def _hold(self, heads: list[Head]) -> None:
        """Hold a few recent reports of each street in each open state, and one dismissed (see HELD)."""
        rng = self.rng
        streets = sorted({h.street for h in heads})
        for street in streets:
            mine = [h for h in heads if h.street == street and h.duplicate_of is None and not h.decided
                    and self.categories[h.code]["default_tier"] in ("dispatch", "whistle")]
            for state, count in HELD:
                if state == State.REPORTED:
                    low, high = 0, 2
                elif state == "overdue":
                    low, high = 5, 14
                else:
                    low, high = 2, 8
                for reach in (high, 2 * high, 4 * high):  # a quiet week (a holiday) has too few: look further back
                    window = [h for h in mine if h.hold is None
                              and low <= (self.now - h.at).total_seconds() / 86400 < reach
                              and (state != "overdue" or self.categories[h.code]["handling_unit"] == "hours"
                                   or self.categories[h.code]["handling_limit"] <= 2)]
                    if len(window) >= count:
                        break
                for head in rng.sample(window, min(count, len(window))):
                    head.hold = State.HANDLING if state == "overdue" else state
                    head.slow = state == "overdue"
