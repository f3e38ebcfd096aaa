"""A year of incidents and residents' requests for the demo district (issue #13, item 9), so the command center's
queues, the departments' workspaces, the map, the indicators and the dispatch suggestion have real work in them.

Volume. About 35,000 reports over the 365 days before today at district scale (1,100 for the tests' small world):
grid workers' reports from patrols (~60%, 事件), residents' requests from their phones (~30%, 诉求; the residents who
file them get an account), phone calls typed in by the command center (~10%). More in summer for noise, waterlogging,
barbecues and storms, fewer over the Spring Festival, grid workers' reports on working days in working hours,
residents' at any waking hour, noise complaints at night.

Texts. Put together from incident_texts: each category's own ways of saying its problem, in a grid worker's terse
wording, a resident's (sometimes in Hunan dialect, sometimes with pinyin slips), or an operator's; with places,
shops, times, durations, quantities, what they ask for; short and long; a few mention two problems. A realistic share
are sent elsewhere than the category's lead department because of what they say (noise from a shop's loudspeaker is
城管's, a burst pipe in the stairwell 物业's) — these texts are the dispatch suggestion's training and test data.

The loop. Every report goes through the same table as the services (incidents.workflow): registered or dismissed or
merged, a meeting first for meeting-tier categories, dispatched (co-departments for a whistle), accepted or
returned, extensions asked and decided, handled (some late, some unsolvable or untrue), verified on site or sent
back as rework, closed, rated by the resident or followed up by phone, some reopened, archived after the reopen
window. Each report is simulated from its moment of report and cut at now: old ones are archived, recent ones stand
in every open state, and a few recent ones are held in each open state on purpose (queues are never empty, however
early in the day the demo is built). Overdue running orders carry the marks and escalations the supervision sweep
would have given them. Staff act in working time (clocks as incidents.clock counts them); urgent reports are taken
on at any hour.

Journey 12: Auntie Zhang's 低保 stops when her daughter's salary lifts the household above the standard (the
eligibility re-check flags her household); her grid worker records the follow-up help — a job lead for her son — as
a 民政 matter handled on the spot, verified, closed and followed up.

Written in bulk like the rest of the demo (one demo.incidents audit event, not one per step); numbers continue in
IncidentNumberCounter so today's next report takes the next number. No photos: the history says so ("photos": 0),
where the services would have asked for them. Under two seconds at the small scale, about 15 at district scale.
"""

import datetime
import itertools
import json
import math
import random
import string
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.calendar.selectors import work_calendar
from doorstep.core.bulk import deferred_indexes
from doorstep.core.crypto import blind_index, decrypt, encrypt
from doorstep.demo import incident_texts as words
from doorstep.demo.build import BulkWriter, _reset_sequences
from doorstep.demo.layout import DISTRICT_CODE
from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.incidents.clock import hours_of_day
from doorstep.incidents.models import (
    Category,
    DispatchDecision,
    DispatchOrder,
    Escalation,
    ExtensionRequest,
    Incident,
    IncidentHistory,
    IncidentNumberCounter,
    IncidentRating,
    Meeting,
    Verification,
)
from doorstep.incidents.workflow import TRANSITIONS, Action, State
from doorstep.org.models import Department, OrgNode
from doorstep.registry.models import Building, Resident

# reports a year, by demo scale (the district's 114,000 households give about 35,000: grid workers' patrols, the
# requests of the residents who use the app and the hotline's calls)
VOLUME = {"district": 35_000, "small": 1_100}
CHANNEL_SHARE = {"grid": 0.60, "resident": 0.30, "phone": 0.10}
# weekday factors (Monday … Sunday) by channel: grid workers patrol on working days, residents write any day
WEEKDAY = {"grid": (1.05, 1.0, 1.0, 1.0, 1.0, 0.3, 0.2), "resident": (1.05, 1.0, 1.0, 1.0, 1.05, 0.95, 0.9),
           "phone": (1.1, 1.0, 1.0, 1.0, 1.0, 0.8, 0.75)}
HOLIDAY = {"grid": 0.15, "resident": 0.6, "phone": 0.6}  # a statutory holiday (not a weekend) — fewer reports
SPRING_FESTIVAL = 0.35  # the Spring Festival week: the city empties
DUE_SOON_SECONDS = settings.DOORSTEP_INCIDENT_DUE_SOON_HOURS * 3600
# what the departments' co-orders (协办) are asked to do in a whistle
CO_PARTS = {"公安": "维护现场秩序，依法处置阻挠执法行为", "物业": "配合入户核查和现场管理", "水务": "排查地下供排水管线",
            "供电": "断电及电力设施排查", "应急": "消防安全检查和隐患排查", "城管": "拆除违建、清理现场",
            "市场监管": "核查经营资质", "交通": "道路围挡和交通疏导"}
# reports held in each open state on purpose, per street (however early the build runs, every queue has work)
HELD = [(State.REPORTED, 2), (State.REGISTERED, 2), (State.DISPATCHED, 2), (State.HANDLING, 2), ("overdue", 3),
        (State.HANDLED, 2), (State.VERIFIED, 2)]


@dataclass
class IncidentStats:
    incidents: int = 0
    decisions: int = 0
    ratings: int = 0
    accounts: int = 0
    by_state: dict = field(default_factory=lambda: defaultdict(int))
    by_channel: dict = field(default_factory=lambda: defaultdict(int))


_JSON = json.JSONEncoder(ensure_ascii=False)
# the loop's table as plain strings: (state, action) → the state after it
_TARGET = {(str(state), str(action)): str(t.target) for (state, action), t in TRANSITIONS.items()}
_ACTIONS = frozenset(str(a) for a in Action)  # one encoder: json.dumps with options makes one per call


def _flat_json(data: dict) -> str:
    """JSON of a history row's data (flat: codes, numbers, flags, lists of names — nothing to escape), several times
    quicker than the json module for a quarter of a million small objects."""
    parts = []
    for key, value in data.items():
        if value is True:
            text = "true"
        elif value is False:
            text = "false"
        elif value is None:
            text = "null"
        elif isinstance(value, str):
            text = '"' + value + '"'
        elif isinstance(value, int):
            text = str(value)
        else:
            text = _JSON.encode(value)
        parts.append(f'"{key}": {text}')
    return "{" + ", ".join(parts) + "}"


class _Stop(Exception):
    """The simulation of one report reached now, or the state it is held in."""


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


class TextMaker:
    """A report's text for a category, as a grid worker, a resident or a hotline operator would put it: a frame
    (the shape of the sentence) chosen first, then only the pieces it asks for."""

    # words that place a problem by themselves: a place in front of them is then mostly left out
    PLACED = ("门口", "小区", "楼", "路边", "路上", "马路", "市场", "学校", "公交站", "店", "家", "隔壁", "附近",
              "这一片", "单元", "河", "工地", "电梯", "阳台", "窗", "车库", "桥", "院子", "屋", "公厕", "路口")
    NIGHTLY = ("半夜", "凌晨", "晚上", "深夜", "夜里", "夜间", "早上", "中午", "周末")
    QUESTION = ("怎么", "什么", "吗", "多少", "能不能", "哪", "想问", "咨询", "如何", "是不是")
    HOMELY = ("小区", "楼道", "单元", "楼里", "楼上", "楼顶", "物业", "楼下")

    def __init__(self, rng: random.Random, keywords: dict[str, list[str]], names: dict[str, str]):
        self.rng = rng
        self.keywords = keywords
        self.names = names
        by_where = defaultdict(list)
        for code, entry in words.CATEGORY_WORDS.items():
            if code in names:
                by_where[entry["where"]].append((code, entry["w"]))
        self.by_where = {k: ([c for c, _ in v], [w for _, w in v]) for k, v in by_where.items()}
        self.frames = {key: [(frame, {name for _t, name, _f, _c in string.Formatter().parse(frame) if name})
                             for frame in frames] for key, frames in FRAMES.items()}

    def _fill(self, text: str, slots: "_Slots") -> str:
        return text.format_map(slots) if "{" in text else text

    def _slots(self, building) -> "_Slots":
        slots = _Slots(estate=building[5], estate_name=building[7])
        slots.rng = self.rng
        return slots

    def problem(self, code: str, channel: str, alt_words: list[str] | None) -> str:
        entry = words.CATEGORY_WORDS[code]
        rng = self.rng
        if alt_words:
            return rng.choice(alt_words)
        if channel == "grid" and entry["g"] and entry["where"] != "none" and rng.random() < 0.4:
            return rng.choice(entry["g"])
        if rng.random() < 0.06 and self.keywords.get(code):
            keyword = rng.choice(self.keywords[code])
            return rng.choice(("{k}的问题", "有{k}", "{k}，" + rng.choice(entry["p"]), "反映{k}")).replace(
                "{k}", keyword)
        return rng.choice(entry["p"])

    def make(self, code: str, channel: str, building, *, night: bool = False, alt_words=None,
             second: str | None = None) -> str:
        rng = self.rng
        entry = words.CATEGORY_WORDS[code]
        slots = self._slots(building)
        p = self._fill(self.problem(code, channel, alt_words), slots)
        kind = entry["where"]
        if alt_words and kind in ("street", "river") and any(w in p for w in self.HOMELY):
            kind = "home"
        service = kind == "none"
        frames = self.frames[(channel, service)]
        if channel == "grid" and kind == "home" and rng.random() < 0.5:
            frames = self.frames[("grid", "home")]  # a resident told the grid worker
        frame, names = rng.choice(frames)
        if service and "？" in frame and not any(w in p for w in self.QUESTION):
            frame, names = frames[-1]  # the last service frame is not a question
        placed = any(w in p for w in self.PLACED)
        pieces = {"P": p}
        for name in names:
            if name == "P":
                continue
            if name == "W":
                show = rng.random() < (0.3 if placed else 0.85)
                value = self._fill(rng.choice(words.WHERE[kind]), slots) if show and not service else ""
            elif name == "X":
                value = self._fill(rng.choice(entry["x"]), slots) if entry["x"] and rng.random() < 0.7 else ""
                if value and value in p:
                    value = ""
            elif name == "A":
                value = self._fill(rng.choice(entry["ask"]), slots) if entry["ask"] and rng.random() < 0.6 else \
                    rng.choice(words.ASK_PLAIN)
            elif name == "H":
                value = self._fill(rng.choice(words.WHERE["address"]), slots)
            elif name == "T":
                value = "" if any(w in p for w in self.NIGHTLY) else rng.choice(
                    words.WHEN_NIGHT if night else words.WHEN)
            elif name == "N":
                value = self.names.get(code, "")
            elif name == "K":
                value = rng.choice(self.keywords.get(code) or [self.names.get(code, "")])
            elif name == "S":
                value = rng.choice(words.SURNAMES) + rng.choice(words.TITLES)
            elif name == "EN":
                value = building[7]
            else:
                value = rng.choice(PIECES[name])
            pieces[name] = value
        text = frame.format_map(pieces)
        if second:
            other = words.CATEGORY_WORDS[second]
            other_slots = self._slots(building)
            where = self._fill(rng.choice(words.WHERE[other["where"]]), other_slots) \
                if other["where"] != "none" and rng.random() < 0.5 else ""
            text = text.rstrip("。！!") + "。" + rng.choice(words.ALSO) + where + \
                self._fill(rng.choice(other["p"]), other_slots) + "。"
        text = self._roughen(_tidy(text), channel)
        if len(text) < 6:  # intake asks for five characters at least; people add a word
            text = text.rstrip("。！!") + "，" + rng.choice(words.ASK_PLAIN)
        return text

    def _roughen(self, text: str, channel: str) -> str:
        """Hunan dialect, pinyin slips and careless punctuation, as people type on a phone."""
        rng = self.rng
        if channel == "resident" and rng.random() < 0.14:
            for plain, local in rng.sample(words.DIALECT, 4):
                if plain in text:
                    text = text.replace(plain, local, 1)
            if rng.random() < 0.4:
                text = text.rstrip("。！!") + rng.choice(words.DIALECT_TAILS)
        typo_share = {"resident": 0.10, "grid": 0.06, "phone": 0.02}[channel]
        if rng.random() < typo_share:
            found = [(a, b) for a, b in words.TYPOS if a in text]
            if found:
                a, b = rng.choice(found)
                text = text.replace(a, b, 1)
        if channel != "phone" and rng.random() < 0.18:
            style = rng.random()
            if style < 0.35:
                text = text.replace("，", " ")
            elif style < 0.6:
                text = text.replace("，", ",")
            elif style < 0.8:
                text = text.rstrip("。") + rng.choice(("！！", "！！！", "。。。", "?", "啊", "!!"))
            else:
                text = text.replace("。", "").replace("，", "")
        return text.strip() or text


PIECES = {"AF": words.ASK_FORMAL, "D": words.DURATION, "C": words.COMPLAIN, "O": words.OPENER, "TH": words.THANKS,
          "G": words.GRID_LEAD, "GT": words.GRID_TAIL, "L": words.PHONE_LEAD, "E": words.PHONE_TAIL}


GRID_FRAMES = [
    "{W}{P}。", "{W}{P}，{X}。", "{G}{W}{P}，{X}。{GT}", "{G}{W}{P}。{GT}", "{T}{W}{P}，{X}，{AF}。", "{W}：{P}",
    "【{N}】{W}{P}，{X}", "{P}，位置：{W}。", "{W}{P}，{AF}。", "{W}{P}", "{P}。{X}。", "{G}{P}，地点{W}。{GT}",
    "【{K}】{W}{P}", "{W}{P}，{X}，{GT}", "{EN}网格：{W}{P}", "{W}发现{P}，{X}。",
]
GRID_SERVICE_FRAMES = [
    "入户走访时居民反映：{P}。{X}，{AF}。", "居民{S}反映{P}，{X}。", "走访发现{EN}居民{P}，{AF}。",
    "{H}居民咨询：{P}。{AF}。",
]
RESIDENT_FRAMES = [
    "{O}{W}{P}，{X}，{A}{TH}", "{W}{P}{D}，{C}，{A}", "{P}！{X}！{A}", "{O}我住{H}，{P}，{X}，{A}", "{T}{W}{P}，{C}",
    "{W}{P}，有没有人管？{X}", "{O}{P}，{D}，{C}，{A}{TH}", "{A}：{W}{P}，{X}", "{W}{P}", "{P}，{X}",
    "{O}{H}{P}，{D}。{A}", "{T}{P}，{X}，{C}。{A}", "{W}{P}。{A}{TH}", "{O}{T}{W}{P}，{D}，{X}。{C}！",
    "{P}（{W}）{A}", "{H}{P}，{X}",
]
RESIDENT_SERVICE_FRAMES = [
    "{O}{P}？{A}{TH}", "{O}我是{EN}的居民，{P}，{X}，{A}", "{P}", "{O}{P}。{X}。{TH}", "请问{P}？",
    "{O}{P}，{C}，{A}",
]
PHONE_FRAMES = [
    "{L}{W}{P}，{X}。来电人诉求：{AF}。", "{L}{W}{P}，{D}，要求{AF}。{E}", "{S}来电称，{W}{P}，{X}，希望有关部门尽快处理。",
    "{L}{P}。地址：{W}。{E}", "{L}来电人住{H}，{P}，{C}。{E}", "{L}{T}{W}{P}，{X}。{E}", "{S}反映：{W}{P}{D}，{A}。",
    "{L}{W}{P}。{E}", "{L}{H}{P}，{X}，{AF}。",
]
PHONE_SERVICE_FRAMES = [
    "{L}{P}，{X}。{E}", "{S}来电咨询：{P}。{E}", "{L}来电人住{H}，{P}。请相关部门答复。", "{S}来电：{P}，{AF}。",
]
GRID_HOME_FRAMES = [
    "入户走访时居民反映：{W}{P}，{X}。", "{EN}居民反映{W}{P}，{AF}。", "居民{S}反映：{H}{P}。{GT}", "{H}住户反映{P}，{X}。",
    "走访中{H}居民反映{P}{D}，{AF}。", "{W}{P}（居民反映），{X}",
]
FRAMES = {("grid", False): GRID_FRAMES, ("grid", True): GRID_SERVICE_FRAMES, ("grid", "home"): GRID_HOME_FRAMES,
          ("resident", False): RESIDENT_FRAMES, ("resident", True): RESIDENT_SERVICE_FRAMES,
          ("phone", False): PHONE_FRAMES, ("phone", True): PHONE_SERVICE_FRAMES}


class _Slots(dict):
    """Slot values: the ones given, the others drawn from FILL when a phrase first asks for them."""

    rng: random.Random

    def __missing__(self, key):
        rng = self.rng
        if key == "road2":
            value = rng.choice([r for r in words.FILL["road"] if r != self.get("road")])
        elif key == "unit":
            value = rng.choice("一二三1234")
        elif key == "floor":
            value = str(rng.randint(1, 18))
        elif key == "plate":
            value = f"湘C{rng.choice(words.PLATE_LETTERS)}{rng.randrange(10000, 99999)}"
        else:
            value = rng.choice(words.FILL[key])
        self[key] = value
        return value


def _tidy(text: str) -> str:
    for a, b in (("？。", "？"), ("发现发现", "发现"), ("发现：发现", "发现："), ("，位置：。", "。"), ("。地址：。", "。"), ("，地点。", "。"), ("，地点", "，"), ("位置：。", ""),
                 ("，，", "，"), ("。，", "。"), ("，。", "。"), ("！，", "！"), ("？，", "？"), ("。。", "。"),
                 ("：，", "："), ("，！", "！"), ("()", ""), ("（）", ""), ("】，", "】"), ("  ", " ")):
        while a in text:
            text = text.replace(a, b)
    text = text.strip("，, ")
    if text.startswith(("。", "：")):
        text = text[1:]
    return text


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class _Head:
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
    duplicate_of: "_Head | None" = None
    hold: object = None
    number: str = ""
    life: "_Life | None" = None
    special: str = ""
    slow: bool = False  # held past its deadline (overdue, still being handled)
    son: str = ""


class _Life:
    """One report's way through the loop: its fields as they stand and the rows it writes."""

    def __init__(self, head: _Head, pk: int, now: datetime.datetime):
        self.head, self.pk, self.now = head, pk, now
        self.state = str(State.REPORTED)
        self.t = head.at
        self.f = {"category": None, "tier": "dispatch", "priority": "normal", "resolution": "", "merged_into": None,
                  "dismiss_reason": "", "registered_at": None, "dispatched_at": None, "accepted_at": None,
                  "handled_at": None, "handled_by": None, "verified_at": None, "closed_at": None, "archived_at": None,
                  "response_due": None, "handling_due": None, "closed_in_time": None, "handling_seconds": None,
                  "sla_mark": "", "return_count": 0, "rework_count": 0, "reopen_count": 0, "extension_count": 0}
        self.history: list[tuple] = []
        self.orders: list[dict] = []
        self.round = 0

    def at(self, moment: datetime.datetime) -> datetime.datetime:
        """The moment of the next step: never before the last one, never after now (then the simulation stops)."""
        if moment <= self.t:
            moment = self.t + datetime.timedelta(seconds=30)
        if moment > self.now and self.head.hold is not None:  # held: the steps up to its state happen, quickly
            moment = self.t + min(datetime.timedelta(minutes=20), (self.now - self.t) / 2)
        if moment > self.now:
            raise _Stop
        return moment

    def log(self, action: str, at: datetime.datetime, actor: int | None, *, note: str = "", order: dict | None = None,
            data: dict | None = None, target: State | None = None) -> None:
        before = self.state
        if target is None:
            target = _TARGET.get((before, action), before)  # meetings, parts and extensions keep the state
        self.history.append((before, action, target, actor, order["id"] if order else None, at, note[:500],
                             data or {}))
        self.state, self.t = target, at
        if self.head.hold == target and action in _ACTIONS:
            raise _Stop

    def active_orders(self) -> list[dict]:
        return [o for o in self.orders if o["state"] in ("sent", "accepted", "done")]

    def lead(self) -> dict | None:
        return next((o for o in self.active_orders() if o["role"] == "lead"), None)


class IncidentHistoryBuilder:
    """Generates and writes the year; deterministic for a seed (except ciphertexts)."""

    def __init__(self, *, today: datetime.date, seed: int, scale: str, progress=None, now=None):
        self.rng = random.Random(seed + 13)
        self.today = today
        self.scale = scale
        self.progress = progress
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local_now = timezone.localtime(now or timezone.now(), self.tz)
        self.now = local_now.replace(tzinfo=None, microsecond=0)
        self.utc_offset = datetime.datetime(today.year, 1, 1, tzinfo=self.tz).utcoffset()
        self.sqlite = connection.vendor == "sqlite"
        self.start = today - datetime.timedelta(days=365)
        self.clock = WorkClock(work_calendar(), self.start - datetime.timedelta(days=10),
                               today + datetime.timedelta(days=400))
        self.stats = IncidentStats()
        self._load()

    # -- reference data -------------------------------------------------------------------------------------------
    def _load(self) -> None:
        self.district = DISTRICT_CODE
        self.departments = {d["short_name"]: d for d in Department.objects.filter(short_name__isnull=False).values(
            "id", "short_name", "head_id")}
        dept_of_id = {d["id"]: d["short_name"] for d in self.departments.values()}
        self.categories = {}
        for c in Category.objects.filter(active=True).values(
                "id", "code", "name", "keywords", "lead_department_id", "priority", "response_limit",
                "response_unit", "handling_limit", "handling_unit", "default_tier", "verify_photo"):
            if c["code"] in words.CATEGORY_WORDS:
                c["lead"] = dept_of_id[c["lead_department_id"]]
                self.categories[c["code"]] = c
        users = User.objects.filter(is_active=True)
        self.dispatcher = users.get(username="dispatcher").pk
        self.password = users.filter(username="dispatcher").values_list("password", flat=True).first()
        self.street_dispatcher = {u: pk for u, pk in users.filter(role="dispatcher", username__startswith="dispatcher_s")
                                  .values_list("org_node__code", "id")}
        self.supervisor = {code: pk for code, pk in users.filter(role="supervisor").values_list("org_node__code", "id")}
        self.leaders = list(users.filter(role="leader", org_node__code=self.district).values_list("id", flat=True))
        self.governor, self.assistant = {}, {}
        for name, code, pk in users.filter(role="grid_worker").values_list("username", "org_node__code", "id"):
            (self.governor if name.startswith("gw_") else self.assistant)[code] = pk
        grids = dict(OrgNode.objects.filter(level="grid", code__startswith=self.district).values_list("id", "code"))
        self.buildings = [(b[0], b[1], grids[b[1]], b[2], b[3], b[4], b[5], b[6]) for b in Building.objects.filter(
            grid_id__in=grids, latitude__isnull=False).order_by("id").values_list(
            "id", "grid_id", "name", "address", "latitude", "longitude", "household_count")]
        # (id, grid_id, grid code, name, address, lat, lon, households) → the head's building tuple
        self.building_weights = [max(1, b[7]) for b in self.buildings]
        self.by_grid = defaultdict(list)
        for b in self.buildings:
            self.by_grid[b[2]].append(b)
        self.text = TextMaker(self.rng, {c: list(v["keywords"]) for c, v in self.categories.items()},
                              {c: v["name"] for c, v in self.categories.items()})
        self.department_id = {k: v["id"] for k, v in self.departments.items()}

    def _building(self, b) -> tuple:
        """(id, grid_id, path, lat, lon, name, address, estate) of a building row."""
        return (b[0], b[1], b[2], b[5], b[6], b[3], b[4], b[3].rstrip("栋").rstrip("0123456789") or b[3])

    def _people(self, resident_reports: int, calls: int) -> None:
        """The residents who write requests (an account each: they report from the app) and who call the hotline."""
        rows = list(Resident.objects.filter(path__startswith=self.district, status="active",
                                            phone_masked__startswith="1",
                                            birth_date__lte=self.today - datetime.timedelta(days=18 * 366))
                    .exclude(household__number__startswith=STORY_HOUSEHOLD_PREFIX)
                    .exclude(pk__in=User.objects.filter(resident__isnull=False).values("resident_id"))
                    .order_by("id").values_list("id", "household__building_id", "name"))
        by_building = {b[0]: b for b in self.buildings}
        rows = [r for r in rows if r[1] in by_building]
        rng = self.rng
        # a few hundred app users at district scale, each writing several requests a year: resident accounts are
        # named by their phone number (a known gap, docs/decisions.md), so the demo keeps them few
        pool_size = min(len(rows), max(20, resident_reports // 30))
        chosen = rng.sample(rows, pool_size) if rows else []
        self.callers = rng.sample(rows, min(len(rows), max(10, calls))) if rows else []
        phones = dict(Resident.objects.filter(pk__in=[r[0] for r in chosen + self.callers])
                      .values_list("id", "phone_enc"))
        self.caller_phones = {r[0]: phones[r[0]] for r in self.callers}
        taken = set(User.objects.values_list("username", flat=True))
        accounts = []
        for rid, _building, name in chosen:
            phone = decrypt(phones[rid])
            if phone in taken:
                continue
            taken.add(phone)
            accounts.append(User(username=phone, full_name=name, role="resident", resident_id=rid,
                                 password=self.password))
        User.objects.bulk_create(accounts, batch_size=1000)
        made = dict(User.objects.filter(username__in=[a.username for a in accounts]).values_list("resident_id", "id"))
        self.app_users = [(made[rid], rid, by_building[b]) for rid, b, _n in chosen if rid in made]
        self.stats.accounts = len(self.app_users)
        self.by_building = by_building

    # -- time -----------------------------------------------------------------------------------------------------
    def _db(self, value):
        """Naive local time → the parameter the database takes (UTC)."""
        if value is None:
            return None
        if self.sqlite:
            return (value - self.utc_offset).isoformat(" ")
        return (value - self.utc_offset).replace(tzinfo=datetime.UTC)

    def _work(self, t: datetime.datetime, low: float, high: float) -> datetime.datetime:
        """A moment in working time between low and high working minutes after t."""
        return self.clock.add(t, int(self.rng.uniform(low, high) * 60))

    def _waking(self, t: datetime.datetime, low_hours: float, high_hours: float) -> datetime.datetime:
        """A moment a resident is awake (07:00-22:30), between low and high hours after t."""
        moment = t + datetime.timedelta(seconds=int(self.rng.uniform(low_hours, high_hours) * 3600))
        if moment.hour < 7:
            moment = moment.replace(hour=7 + self.rng.randrange(3), minute=self.rng.randrange(60))
        elif moment.hour >= 22 and moment.minute > 30:
            moment = moment.replace(hour=21, minute=self.rng.randrange(60))
        return moment

    # -- the reports as they come in ------------------------------------------------------------------------------
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

    def heads(self) -> list[_Head]:
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
        heads: list[_Head] = []
        recent: dict[str, list[_Head]] = defaultdict(list)  # grid → its reports of the last three days
        for i, day in enumerate(days):
            todays: list[_Head] = []
            for channel, share in CHANNEL_SHARE.items():
                lam = total * share * factors[channel][i] / sum(factors[channel])
                for _ in range(_poisson(rng, lam)):
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

    def _head(self, channel, day, weights, grids, grid_cum, recent) -> _Head | None:
        """One report: when, what, where, who; its text. A few repeat a report made in the same grid in the last
        three days (a duplicate: the command center merges it)."""
        rng = self.rng
        codes, cum = weights[channel, day.month]
        code = rng.choices(codes, cum_weights=cum)[0]
        head = _Head(at=datetime.datetime(day.year, day.month, day.day), channel=channel, code=code, building=(),
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

    def _hold(self, heads: list[_Head]) -> None:
        """Hold a few recent reports of each street in each open state (see HELD)."""
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
                window = [h for h in mine if h.hold is None
                          and low <= (self.now - h.at).total_seconds() / 86400 < high
                          and (state != "overdue" or self.categories[h.code]["handling_unit"] == "hours"
                               or self.categories[h.code]["handling_limit"] <= 2)]
                for head in rng.sample(window, min(count, len(window))):
                    head.hold = State.HANDLING if state == "overdue" else state
                    head.slow = state == "overdue"

    # -- the loop -------------------------------------------------------------------------------------------------
    def _center(self, head: _Head) -> int:
        street = self.street_dispatcher.get(head.street)
        return street if street and self.rng.random() < 0.8 else self.dispatcher

    def _urgent(self, cat) -> bool:
        return cat["priority"] == "urgent"

    def _take_on(self, life: _Life, cat, after: datetime.datetime, low=3, high=90) -> datetime.datetime:
        """When the command center takes the next step: at once for urgent matters, else in working time."""
        if self._urgent(cat):
            return after + datetime.timedelta(minutes=self.rng.uniform(3, 25))
        return self._work(after, low, high)

    def simulate(self, head: _Head, pk: int) -> _Life:
        rng = self.rng
        life = _Life(head, pk, self.now)
        head.life = life
        cat = self.categories[head.code]
        channel = head.channel
        chosen = cat if channel == "grid" or rng.random() < (0.55 if channel == "resident" else 0.75) else None
        life.f["category"] = chosen["id"] if chosen else None
        life.f["tier"] = cat["default_tier"] if chosen else "dispatch"
        life.f["priority"] = cat["priority"] if chosen else "normal"
        life.history.append(("", "report", str(State.REPORTED), head.submitted_by, None, head.at, "",
                             {"channel": channel}))
        hold = head.hold
        try:
            if hold == State.REPORTED:
                raise _Stop
            front_line = cat["default_tier"] == "front_line"
            if head.special:
                self._special(life, head, cat)
                return life
            if channel == "grid" and hold is None and head.duplicate_of is None and (
                    (front_line and rng.random() < 0.85) or rng.random() < 0.05):
                self._on_spot(life, cat, rng.uniform(5, 90))
            else:
                if self._register(life, head, cat, hold):
                    return life
                if life.f["tier"] == "front_line":
                    self._on_spot(life, cat, rng.uniform(30, 240), working=True)
                else:
                    self._dispatch_round(life, head, cat, slow=head.slow)
            self._close_and_after(life, head, cat)
        except _Stop:
            pass
        return life

    def _register(self, life: _Life, head: _Head, cat, hold) -> bool:
        """立案, or the report ends here: dismissed or merged. True when it ended."""
        rng = self.rng
        center = self._center(head)
        at = life.at(self._take_on(life, cat, head.at))
        target = head.duplicate_of.life if head.duplicate_of is not None else None
        mergeable = target is not None and target.state not in (State.DISMISSED, State.MERGED) and (
            target.f["archived_at"] is None or target.f["archived_at"] > at)
        if mergeable and rng.random() < 0.9 and hold is None:
            if rng.random() < 0.3:  # taken on first, merged when the duplicate is noticed
                self._registered(life, cat, at, center)
                at = life.at(self._work(at, 5, 120))
            life.f["merged_into"] = target.pk
            life.log("merge", at, center, data={"into": head.duplicate_of.number, "moved": 0})
            return True
        dismiss = 0.01 if head.channel == "grid" else 0.045
        if hold is None and rng.random() < dismiss:
            if rng.random() < 0.3:
                self._registered(life, cat, at, center)
                at = life.at(self._work(at, 5, 240))
            reason = rng.choice(words.DISMISS_REASONS)
            life.f["dismiss_reason"] = reason
            life.log("dismiss", at, self.street_dispatcher.get(head.street, self.dispatcher), note=reason)
            archive = self.clock.next_working_moment(at + datetime.timedelta(days=rng.uniform(5, 40)))
            if archive <= self.now and rng.random() < 0.8:
                life.f["archived_at"] = life.at(archive)
                life.log("archive", life.f["archived_at"], self.dispatcher)
            return True
        self._registered(life, cat, at, center)
        return False

    def _registered(self, life: _Life, cat, at, center) -> None:
        tier = cat["default_tier"]
        if tier == "front_line" and life.head.channel != "grid" and self.rng.random() < 0.4:
            tier = "dispatch"  # a resident's report of a small matter, sent to the department
        if life.head.duplicate_of is not None and tier == "front_line":
            tier = "dispatch"
        life.f.update(category=cat["id"], tier=tier, priority=cat["priority"], registered_at=at)
        life.log("register", at, center, data={"category": cat["code"], "tier": tier})

    def _on_spot(self, life: _Life, cat, minutes: float, *, working: bool = False) -> None:
        """前端自处置 by the grid worker, then verified by the community's supervisor (rework comes back to them)."""
        rng = self.rng
        head = life.head
        worker = self.governor.get(head.building[2]) or head.submitted_by
        at = self._work(life.t, minutes * 0.5, minutes) if working else life.t + datetime.timedelta(minutes=minutes)
        at = life.at(at)
        note = self._fix_note(cat)
        life.f.update(tier="front_line", registered_at=life.f["registered_at"] or at, resolution="solved",
                      handled_at=at, handled_by=worker, closed_in_time=True,
                      handling_seconds=max(0, self.clock.seconds(head.at, at)))
        if life.f["category"] is None:
            life.f.update(category=cat["id"], priority=cat["priority"])
        life.log("handle_on_spot", at, worker, note=note, data={"resolution": "solved", "photos": 0})
        supervisor = self.supervisor.get(head.building[2][:12])
        for _ in range(2):
            at = life.at(self._work(at, 20, 420))
            if rng.random() < 0.04 and life.f["rework_count"] == 0:
                self._verification(life, supervisor, at, passed=False)
                at = life.at(self._work(at, 30, 300))
                life.f.update(resolution="solved", handled_at=at, handled_by=worker, closed_in_time=True,
                              handling_seconds=max(0, self.clock.seconds(head.at, at)))
                life.log("handle_on_spot", at, worker, note=self._fix_note(cat),
                         data={"resolution": "solved", "photos": 0})
                continue
            self._verification(life, supervisor, at, passed=True)
            return

    def _verification(self, life: _Life, verifier: int, at, *, passed: bool) -> None:
        rng = self.rng
        head = life.head
        vid = self.w["verification"].take_id()
        note = rng.choice(words.VERIFY_NOTES) if passed else rng.choice(words.REWORK_NOTES)
        self.rows["verification"].append((vid, life.pk, verifier, passed, note, self._db(at),
                                          round(head.building[3] + rng.gauss(0, 0.00004), 6),
                                          round(head.building[4] + rng.gauss(0, 0.00004), 6)))
        if passed:
            life.f["verified_at"] = at
            life.log("verify", at, verifier, note=note, data={"verification": vid, "photos": 0})
        else:
            life.f["rework_count"] += 1
            life.f["resolution"] = ""
            for order in life.orders:
                if order["role"] == "lead" and order["state"] == "done":
                    order.update(state="accepted", done_at=None)
            life.log("rework", at, verifier, note=note, data={"verification": vid, "photos": 0})

    def _dispatch_round(self, life: _Life, head: _Head, cat, *, slow: bool = False) -> None:
        """Meeting (meeting tier), dispatch, return and re-dispatch, acceptance, co-parts, extension, handling,
        verification and rework."""
        rng = self.rng
        center = self._center(head)
        if life.f["tier"] == "meeting" and not any(h[1] == "meeting" for h in life.history):
            held = life.at(self._work(life.t, 60, 1400))
            recorded = life.at(held + datetime.timedelta(minutes=rng.uniform(30, 180)))
            mid = self.w["meeting"].take_id()
            self.rows["meeting"].append((
                mid, life.pk, self._db(held), rng.choice(words.MEETING_PARTICIPANTS),
                rng.choice(words.MEETING_DECISIONS).format(days=cat["handling_limit"]), center, self._db(recorded)))
            life.log("meeting", recorded, center, data={"meeting": mid})
        lead = head.decided or cat["lead"]
        wrong = None
        if rng.random() < 0.03 and not slow:  # sent to the wrong department first: it returns the order
            wrong = rng.choice([d for d in words.CONFUSED_WITH.get(lead, ["城管"]) if d != lead] or ["城管"])
        elif not head.decided and rng.random() < 0.008:  # a dispatcher's own judgement, kept
            lead = rng.choice(words.CONFUSED_WITH.get(lead, ["城管"]))
        at = life.at(self._take_on(life, cat, life.t, 2, 60))
        if wrong:
            self._dispatch(life, cat, wrong, at, center, co=life.f["tier"] == "whistle")
            returned = life.at(self.clock.add(at, int(self._limit_seconds(cat, "response") * rng.uniform(0.2, 0.9))))
            order = life.lead()
            reason = rng.choice(words.RETURN_REASONS).format(right=lead)
            order.update(state="returned", returned_at=returned, return_reason=reason)
            for other in life.active_orders():
                other["state"] = "cancelled"
            life.f.update(return_count=life.f["return_count"] + 1, response_due=None, handling_due=None, sla_mark="")
            life.log("return", returned, self._head_of(wrong), note=reason, order=order)
            at = life.at(self._take_on(life, cat, returned, 5, 120))
        self._dispatch(life, cat, lead, at, center, co=life.f["tier"] == "whistle")
        order = life.lead()
        department = self._head_of(lead)
        late_accept = rng.random() < 0.1
        share = rng.uniform(1.1, 2.5) if late_accept else rng.uniform(0.05, 0.8)
        accepted = life.at(self.clock.add(at, int(self._limit_seconds(cat, "response") * share) + 60))
        order.update(state="accepted", accepted_at=accepted, accepted_by=department)
        life.f["accepted_at"] = life.f["accepted_at"] or accepted
        life.log("accept", accepted, department, order=order, data={"in_time": accepted <= order["response_due"]})
        handling = self.clock.seconds(order["sent_at"], order["due_at"])
        if slow:
            done = self.now + datetime.timedelta(days=30)
        elif rng.random() < 0.11:
            done = self.clock.add(order["due_at"], int(max(handling, 3600) * rng.uniform(0.1, 1.8)))
        else:
            done = self.clock.add(accepted, int(max(0, self.clock.seconds(accepted, order["due_at"]))
                                                * rng.uniform(0.1, 0.95)))
        for co in [o for o in life.active_orders() if o["role"] == "co"]:
            co_head = self._head_of(co["department"])
            co_at = life.at(self.clock.add(at, int(self._limit_seconds(cat, "response") * rng.uniform(0.1, 0.9))))
            co.update(state="accepted", accepted_at=co_at, accepted_by=co_head)
            life.log("part", co_at, co_head, order=co, data={"step": "accept", "photos": 0})
        if cat["handling_unit"] == "days" and rng.random() < 0.06 and not slow:
            done = self._extension(life, cat, order, department, accepted, done)
        for co in [o for o in life.active_orders() if o["role"] == "co"]:
            co_head = self._head_of(co["department"])
            co_done = life.at(self.clock.add(life.t, int(max(0, self.clock.seconds(life.t, done)) * rng.uniform(0.3, 0.9))))
            note = f"已完成：{co['part']}"
            co.update(state="done", done_at=co_done, done_by=co_head, note=note)
            life.log("part", co_done, co_head, note=note, order=co, data={"step": "done", "photos": 0})
        self._handle(life, head, cat, order, department, done)

    def _dispatch(self, life: _Life, cat, lead: str, at, center, *, co: bool) -> None:
        rng = self.rng
        life.round += 1
        response_due = self.clock.due(at, cat["response_limit"], cat["response_unit"])
        handling_due = self.clock.due(at, cat["handling_limit"], cat["handling_unit"])
        co_departments = []
        if co:
            options = [d for d in words.CATEGORY_WORDS[life.head.code]["co"] if d != lead] or \
                [d for d in ("公安", "城管") if d != lead]
            co_departments = options[:1] + [d for d in options[1:] if rng.random() < 0.4]
        for dept, role in [(lead, "lead")] + [(d, "co") for d in co_departments]:
            part = "" if role == "lead" else CO_PARTS.get(dept, "配合处置")
            life.orders.append({"id": self.w["order"].take_id(), "department": dept, "role": role, "part": part,
                                "state": "sent", "round": life.round, "sent_at": at, "sent_by": center,
                                "response_due": response_due, "due_at": handling_due, "accepted_at": None,
                                "accepted_by": None, "done_at": None, "done_by": None, "note": "",
                                "returned_at": None, "return_reason": "", "escalation_level": 0, "sla_mark": ""})
        life.f.update(category=cat["id"], priority=cat["priority"], dispatched_at=at, response_due=response_due,
                      handling_due=handling_due, sla_mark="")
        if co_departments and life.f["tier"] == "dispatch":
            life.f["tier"] = "whistle"
        self.rows["decision"].append((self.w["decision"].take_id(), life.pk, life.head.text,
                                      self.department_id[lead], cat["id"], "", "", None, False, center, self._db(at)))
        life.log("dispatch", at, center, order=life.orders[-1 - len(co_departments)],
                 data={"lead": lead, "co": co_departments, "category": cat["code"], "round": life.round})

    def _extension(self, life, cat, order, department, accepted, done) -> datetime.datetime:
        rng = self.rng
        requested = life.at(self.clock.add(accepted, int(max(0, self.clock.seconds(accepted, order["due_at"]))
                                                       * rng.uniform(0.3, 0.8))))
        value, unit = (rng.randint(2, 5), "days") if cat["handling_unit"] == "days" else (rng.randint(4, 16), "hours")
        reason = rng.choice(words.EXTENSION_REASONS)
        eid = self.w["extension"].take_id()
        rows = self.rows["extension"]
        rows.append((eid, order["id"], department, self._db(requested), value, unit, reason, "pending", None, None, "",
                     None))
        pending = len(rows) - 1
        life.log("extension_request", requested, department, note=reason, order=order, data={"value": value,
                                                                                             "unit": unit})
        chief = self.street_dispatcher.get(life.head.street, self.dispatcher)
        decided = life.at(self._work(requested, 20, 300))
        approve = rng.random() < 0.75
        note = "" if approve else rng.choice(words.EXTENSION_REFUSALS)
        new_due = self.clock.due(order["due_at"], value, unit) if approve else None
        rows[pending] = (eid, order["id"], department, self._db(requested), value, unit, reason,
                         "approved" if approve else "refused", chief, self._db(decided), note, self._db(new_due))
        if approve:
            order.update(due_at=new_due, sla_mark="")
            life.f.update(handling_due=new_due, sla_mark="", extension_count=life.f["extension_count"] + 1)
            done = self.clock.add(decided, int(max(0, self.clock.seconds(decided, new_due)) * rng.uniform(0.2, 0.95)))
        life.log("extension_decide", decided, chief, note=note, order=order,
                 data={"approved": approve, "extension": eid})
        return done

    def _handle(self, life: _Life, head: _Head, cat, order, department, done) -> None:
        rng = self.rng
        untrue = 0.07 if head.channel != "grid" else 0.02
        for attempt in range(3):
            done = life.at(done)
            roll = rng.random()
            resolution = "untrue" if roll < untrue else "unsolvable" if roll < untrue + 0.04 else "solved"
            if attempt:
                resolution = "solved"
            note = self._fix_note(cat, order["department"]) if resolution == "solved" else rng.choice(
                words.UNTRUE_NOTES if resolution == "untrue" else words.UNSOLVABLE_NOTES)
            order.update(state="done", done_at=done, done_by=department, note=note)
            in_time = life.f["handling_due"] is None or done <= life.f["handling_due"]
            life.f.update(resolution=resolution, handled_at=done, handled_by=department, closed_in_time=in_time,
                          handling_seconds=max(0, self.clock.seconds(life.f["dispatched_at"] or head.at, done)))
            life.log("handle", done, department, note=note, order=order,
                     data={"resolution": resolution, "photos": 0, "in_time": in_time})
            verifier = self._verifier(head)
            at = life.at(self._take_on(life, cat, done, 15, 600))
            if attempt == 0 and rng.random() < 0.05:
                self._verification(life, verifier, at, passed=False)
                done = self.clock.add(at, int(rng.uniform(0.1, 1.2) * max(self._limit_seconds(cat, "handling"), 3600)))
                continue
            self._verification(life, verifier, at, passed=True)
            return

    def _verifier(self, head: _Head) -> int:
        grid = head.building[2]
        if self.rng.random() < 0.45 and self.governor.get(grid):
            return self.governor[grid]
        return self.supervisor.get(grid[:12]) or self.governor.get(grid)

    def _close_and_after(self, life: _Life, head: _Head, cat) -> None:
        """结案, then the reporter's rating or the follow-up call, perhaps a reopening, and archiving."""
        rng = self.rng
        has_reporter = head.channel != "grid"
        for _round in range(3):
            center = self._center(head)
            closed = life.at(self._take_on(life, cat, life.t, 10, 300))
            solved = life.f["resolution"] == "solved"
            life.f["closed_at"] = closed
            life.log("close" if solved else "close_unsolved", closed, center,
                     data={"resolution": life.f["resolution"]})
            level = None
            if has_reporter:
                level = self._rate(life, head, closed, solved)
            reopen = (level is not None and level <= 2 and rng.random() < 0.45) or \
                (not has_reporter and rng.random() < 0.012)
            if reopen and life.f["reopen_count"] < 2:
                window = life.f["closed_at"] + datetime.timedelta(days=settings.DOORSTEP_INCIDENT_REOPEN_DAYS)
                when = life.t + datetime.timedelta(hours=rng.uniform(1, 72))
                if when < window:
                    self._reopen(life, head, when)
                    if life.f["tier"] == "front_line":
                        self._on_spot(life, cat, rng.uniform(60, 600), working=True)
                    else:
                        self._dispatch_round(life, head, cat)
                    continue
            break
        if has_reporter and life.state != State.REVIEWED:
            return  # a request is archived only once followed up
        after = life.f["closed_at"] + datetime.timedelta(days=settings.DOORSTEP_INCIDENT_REOPEN_DAYS
                                                         + rng.uniform(1, 25))
        archive = self.clock.add(self.clock.next_working_moment(after), rng.randrange(0, 3 * 3600))
        if archive <= self.now:
            life.f["archived_at"] = life.at(archive)
            life.log("archive", life.f["archived_at"], self.dispatcher)

    def _rate(self, life: _Life, head: _Head, closed, solved: bool) -> int | None:
        """The resident rates it in the app, or the center calls back (回访). Returns the level, None if neither."""
        rng = self.rng
        troubled = life.f["rework_count"] > 0 or life.f["closed_in_time"] is False or life.f["reopen_count"] > 0
        if not solved:
            levels = (30, 25, 25, 12, 8)
        elif troubled:
            levels = (45, 25, 15, 9, 6)
        else:
            levels = (80, 16, 2.5, 1, 0.5)
        level = rng.choices((5, 4, 3, 2, 1), weights=levels)[0]
        comment = rng.choice(words.RATING_GOOD if level >= 4 else words.RATING_MIDDLE if level == 3 else
                             words.RATING_BAD)
        solved_flag = solved if level >= 3 else solved and rng.random() < 0.4
        if head.channel == "resident" and rng.random() < 0.55:
            at = life.at(self._waking(closed, 0.5, 48))
            source, recorder, action = "self", head.reporter_user, "rate"
            data = {"level": level, "solved": solved_flag, "report": head.number}
        elif rng.random() < 0.88:
            at = life.at(self._work(closed, 60, 1200))
            source, recorder, action = "follow_up", self._center(head), "review"
            data = {"level": level, "solved": solved_flag}
        else:
            return None
        self.rows["rating"].append((self.w["rating"].take_id(), life.pk, life.pk, life.f["reopen_count"], level,
                                    solved_flag, comment, source, recorder, self._db(at)))
        life.log(action, at, recorder, note=comment, data=data)
        return level

    def _reopen(self, life: _Life, head: _Head, when) -> None:
        at = life.at(when)
        reason = self.rng.choice(words.REOPEN_REASONS)
        actor = head.reporter_user if head.channel == "resident" and self.rng.random() < 0.7 else (
            head.reporter_user if head.channel == "grid" else self._center(head))
        for order in life.active_orders():
            order["state"] = "cancelled"
        life.f.update(resolution="", reopen_count=life.f["reopen_count"] + 1, closed_at=None, verified_at=None,
                      response_due=None, handling_due=None, sla_mark="")
        life.log("reopen", at, actor, note=reason)

    def _head_of(self, department: str) -> int:
        return self.departments[department]["head_id"]

    def _limit_seconds(self, cat, kind: str) -> int:
        value, unit = cat[f"{kind}_limit"], cat[f"{kind}_unit"]
        return value * 3600 if unit == "hours" else value * self.clock.per_day

    def _fix_note(self, cat, department: str | None = None) -> str:
        rng = self.rng
        entry = words.CATEGORY_WORDS[cat["code"]]
        if department and department != cat["lead"]:
            note = rng.choice(words.DEPARTMENT_FIX.get(department, ["已处理完毕"]))
        elif entry["fix"]:
            slots = _Slots()
            slots.rng = rng
            note = self.text._fill(rng.choice(entry["fix"]), slots)
        else:
            note = "已处理完毕"
        return note + rng.choice(("", "", "。", "，已电话告知反映人。", "，现场已拍照。"))

    # -- journey 12 -----------------------------------------------------------------------------------------------
    def auntie_zhang(self) -> _Head | None:
        """Auntie Zhang's household: a mother of 45-72 with a grown son, whose 低保 stops — first among the
        households the eligibility re-check flagged (a daughter's new salary), then among 低保 beneficiaries, then
        among low-income households; her grid worker follows up."""
        from doorstep.cases.models import Case, EligibilityReview

        flagged = EligibilityReview.objects.filter(applicant_path__startswith=self.district).order_by("id")
        beneficiaries = Case.objects.filter(item__code="MZ-D01", state__in=["concluded", "delivered", "rated"],
                                            applicant_path__startswith=self.district).order_by("id")
        households = list(flagged.values_list("case__applicant__household_id", flat=True)[:200])
        households += list(beneficiaries.values_list("applicant__household_id", flat=True)[:300])
        households += list(Resident.objects.filter(path__startswith=self.district, is_low_income=True)
                           .exclude(household__number__startswith=STORY_HOUSEHOLD_PREFIX)
                           .order_by("id").values_list("household_id", flat=True)[:300])
        members = defaultdict(list)
        for row in Resident.objects.filter(household_id__in=set(households), status="active").values_list(
                "household_id", "id", "name", "gender", "birth_date", "household__building_id"):
            members[row[0]].append(row[1:])

        def age(born: datetime.date) -> int:
            return self.today.year - born.year - ((self.today.month, self.today.day) < (born.month, born.day))

        for surname in ("张", ""):  # the story's Auntie Zhang where the registry has one
            for household in dict.fromkeys(households):
                people = members.get(household, [])
                for auntie in [m for m in people if m[2] == "F" and 45 <= age(m[3]) <= 72 and
                               m[1].startswith(surname)]:
                    son = next((m for m in people if m[2] == "M" and 18 <= age(m[3]) <= 40
                                and age(auntie[3]) - age(m[3]) >= 18), None)
                    if son is not None and auntie[4] in self.by_building:
                        return self._zhang_head(auntie, son, self.by_building[auntie[4]])
        return None

    def _zhang_head(self, auntie, son, building) -> _Head | None:
        grid = building[2]
        worker = self.governor.get(grid)
        if worker is None:
            return None
        days = [d for d in self.clock.workdays if self.today - datetime.timedelta(days=14) <= d
                <= self.today - datetime.timedelta(days=9)]
        if not days:
            return None
        day = days[0]
        at = datetime.datetime(day.year, day.month, day.day, 9, 40)
        surname = auntie[1][0]
        son_name = son[1]
        text = (f"帮扶：{surname}阿姨（{auntie[1]}）家低保停发后，儿子求职。入户走访了解到，{surname}阿姨的女儿今年参加工作，"
                f"家庭人均收入超过了低保标准，低保将停发；儿子{son_name}失业在家大半年，家里一下子紧张了，"
                f"{surname}阿姨希望帮儿子找份工作，并问还有没有别的救助政策。")
        head = _Head(at=at, channel="grid", code="SQ0303", building=self._building(building), street=grid[:9],
                     reporter_user=worker, reporter_resident=auntie[0], submitted_by=worker, text=text,
                     special="zhang")
        head.son = son_name
        return head

    def _special(self, life: _Life, head: _Head, cat) -> None:
        """Journey 12: registered as a front-line 民政 matter, the grid worker follows it up (the job lead is the
        handling note), the supervisor checks with the family, the center closes it and calls back."""
        center = self.street_dispatcher.get(head.street, self.dispatcher)
        at = life.at(head.at + datetime.timedelta(minutes=35))
        life.f.update(category=cat["id"], tier="front_line", priority=cat["priority"], registered_at=at)
        life.log("register", at, center, data={"category": cat["code"], "tier": "front_line"})
        worker = head.reporter_user
        done = life.at(self.clock.add(at, 2 * self.clock.per_day + 3 * 3600))
        note = (f"已联系社区就业服务站和区人社局招聘会，推荐{head.son}到雨湖区物流园应聘仓库管理员（月薪约4500元，"
                "包午餐，联系人王经理），已陪同面试并录用，下周一上岗；另告知其家庭可申请临时救助过渡，申请材料已代为准备。")
        life.f.update(tier="front_line", resolution="solved", handled_at=done, handled_by=worker, closed_in_time=True,
                      handling_seconds=self.clock.seconds(head.at, done))
        life.log("handle_on_spot", done, worker, note=note, data={"resolution": "solved", "photos": 0})
        supervisor = self.supervisor.get(head.building[2][:12])
        verified = life.at(self.clock.add(done, 3 * 3600))
        vid = self.w["verification"].take_id()
        self.rows["verification"].append((vid, life.pk, supervisor, True, "电话和入户回访，已上岗，家庭情况稳定",
                                          self._db(verified), head.building[3], head.building[4]))
        life.f["verified_at"] = verified
        life.log("verify", verified, supervisor, note="电话和入户回访，已上岗，家庭情况稳定",
                 data={"verification": vid, "photos": 0})
        closed = life.at(self.clock.add(verified, 3600))
        life.f["closed_at"] = closed
        life.log("close", closed, center, data={"resolution": "solved"})
        called = life.at(self.clock.add(closed, self.clock.per_day))
        comment = "网格员很上心，儿子已经上班了，谢谢社区"
        self.rows["rating"].append((self.w["rating"].take_id(), life.pk, life.pk, 0, 5, True, comment, "follow_up",
                                    center, self._db(called)))
        life.log("review", called, center, note=comment, data={"level": 5, "solved": True})

    # -- writing --------------------------------------------------------------------------------------------------
    def _marks(self, life: _Life) -> None:
        """The supervision sweep's marks and escalations: for orders that ran past their deadline, and the marks of
        running orders now."""
        rng = self.rng
        for order in life.orders:
            if order["state"] in ("cancelled", "returned") and not order["accepted_at"]:
                continue
            running = order["state"] in ("sent", "accepted")
            end = self.now if running else (order["done_at"] or order["returned_at"] or self.now)
            due = order["due_at"]
            if end > due:
                level_at = [due + datetime.timedelta(minutes=rng.uniform(1, 15))]
                second = self.clock.add(due, 7 * 3600) + datetime.timedelta(minutes=rng.uniform(1, 15))
                if second < end:
                    level_at.append(second)
                for level, at in enumerate(level_at, start=1):
                    if at >= end:
                        break
                    notified = [self._head_of(order["department"])] if level == 1 else self.leaders
                    self.rows["escalation"].append((self.w["escalation"].take_id(), order["id"], level, self._db(at),
                                                    json.dumps(notified)))
                    order["escalation_level"] = level
                if order["escalation_level"]:
                    order["sla_mark"] = "overdue"
            elif running and self.clock.seconds(self.now, due) <= DUE_SOON_SECONDS:
                order["sla_mark"] = "due_soon"
        lead = life.lead()
        if lead is not None and life.state in (State.DISPATCHED, State.HANDLING, State.HANDLED, State.VERIFIED,
                                               State.CLOSED, State.CLOSED_UNSOLVED, State.REVIEWED,
                                               State.ARCHIVED):
            life.f["sla_mark"] = lead["sla_mark"]

    def write(self, life: _Life) -> None:
        head, f, db = life.head, life.f, self._db
        self._marks(life)
        caller_name, caller_phone, caller_index = "", None, ""
        if head.caller:
            caller_name, who = head.caller
            phone = who if isinstance(who, str) else self._caller_phone(who)
            caller_phone, caller_index = encrypt(phone), blind_index("phone", phone)
        b = head.building
        rng = self.rng
        address = b[6] + rng.choice(("", "东侧", "西侧", "门口", "楼道", "北面空地", "旁边路口", "1单元", "楼下", "南门"))
        self.rows["incident"].append((
            life.pk, head.number, "incident" if head.channel == "grid" else "request", head.channel, f["category"],
            head.text, address, round(b[3] + rng.gauss(0, 0.00004), 6), round(b[4] + rng.gauss(0, 0.00004), 6),
            b[1], b[2], b[0], head.submitted_by, head.reporter_user if head.channel != "phone" else None,
            head.reporter_resident, caller_name, caller_phone, caller_index, head.hide, str(life.state), f["tier"],
            f["priority"], f["resolution"], f["merged_into"], f["dismiss_reason"], db(head.at), db(f["registered_at"]),
            db(f["dispatched_at"]), db(f["accepted_at"]), db(f["handled_at"]), f["handled_by"], db(f["verified_at"]),
            db(f["closed_at"]), db(f["archived_at"]), db(f["response_due"]), db(f["handling_due"]),
            f["closed_in_time"], f["handling_seconds"], f["sla_mark"], f["return_count"], f["rework_count"],
            f["reopen_count"], f["extension_count"], "{}"))
        dept = self.department_id
        for o in life.orders:
            self.rows["order"].append((
                o["id"], life.pk, dept[o["department"]], o["role"], o["part"], o["state"], o["round"],
                db(o["sent_at"]), o["sent_by"], db(o["response_due"]), db(o["due_at"]), db(o["accepted_at"]),
                o["accepted_by"], db(o["done_at"]), o["done_by"], o["note"][:500], db(o["returned_at"]),
                o["return_reason"], o["escalation_level"], o["sla_mark"]))
        for before, action, after, actor, order, at, note, data in life.history:
            self.rows["history"].append((self.w["history"].take_id(), life.pk, before, action, after, actor,
                                         order, db(at), note, _flat_json(data) if data else "{}"))
        self.stats.incidents += 1
        self.stats.by_state[str(life.state)] += 1
        self.stats.by_channel[head.channel] += 1

    def _caller_phone(self, resident_id: int) -> str:
        return decrypt(self.caller_phones[resident_id])

    def build(self) -> IncidentStats:
        self.w = {
            "incident": BulkWriter(Incident, [
                "id", "number", "kind", "channel", "category_id", "description", "address", "latitude", "longitude",
                "grid_id", "path", "building_id", "submitted_by_id", "reporter_user_id", "reporter_resident_id",
                "caller_name", "caller_phone", "caller_phone_index", "hide_identity", "state", "tier", "priority",
                "resolution", "merged_into_id", "dismiss_reason", "reported_at", "registered_at", "dispatched_at",
                "accepted_at", "handled_at", "handled_by_id", "verified_at", "closed_at", "archived_at",
                "response_due", "handling_due", "closed_in_time", "handling_seconds", "sla_mark", "return_count",
                "rework_count", "reopen_count", "extension_count", "suggestion"]),
            "order": BulkWriter(DispatchOrder, [
                "id", "incident_id", "department_id", "role", "part", "state", "round", "sent_at", "sent_by_id",
                "response_due", "due_at", "accepted_at", "accepted_by_id", "done_at", "done_by_id", "note",
                "returned_at", "return_reason", "escalation_level", "sla_mark"]),
            "history": BulkWriter(IncidentHistory, ["id", "incident_id", "from_state", "action", "to_state",
                                                    "actor_id", "order_id", "at", "note", "data"]),
            "decision": BulkWriter(DispatchDecision, [
                "id", "incident_id", "text", "department_id", "category_id", "suggested_department",
                "suggested_category", "confidence", "accepted", "decided_by_id", "decided_at"]),
            "verification": BulkWriter(Verification, ["id", "incident_id", "verifier_id", "passed", "note", "at",
                                                      "latitude", "longitude"]),
            "meeting": BulkWriter(Meeting, ["id", "incident_id", "held_at", "participants", "decisions",
                                            "recorded_by_id", "recorded_at"]),
            "extension": BulkWriter(ExtensionRequest, [
                "id", "order_id", "requested_by_id", "requested_at", "value", "unit", "reason", "status",
                "decided_by_id", "decided_at", "decision_note", "new_due"]),
            "escalation": BulkWriter(Escalation, ["id", "order_id", "level", "at", "notified"]),
            "rating": BulkWriter(IncidentRating, ["id", "incident_id", "report_id", "round", "level", "solved",
                                                  "comment", "source", "recorded_by_id", "at"]),
        }
        self.rows = defaultdict(list)
        heads = self.heads()
        zhang = self.auntie_zhang()
        if zhang is not None:
            heads.append(zhang)
            heads.sort(key=lambda h: h.at)
            zhang.number = self._insert_number(heads, zhang)
        task = self.progress.add_task("一年事件与诉求", total=len(heads)) if self.progress else None
        for k, head in enumerate(heads):
            life = self.simulate(head, self.w["incident"].take_id())
            self.write(life)
            life.history = life.orders = None  # written; a later duplicate needs only its state and number
            if len(self.rows["history"]) >= 50_000:
                self.flush()
            if self.progress and k % 500 == 499:
                self.progress.advance(task, 500)
        self.flush()
        if self.progress:
            self.progress.update(task, completed=len(heads))
        counters = defaultdict(int)
        for head in heads:
            day = datetime.date(int(head.number[7:11]), int(head.number[11:13]), int(head.number[13:15]))
            counters[day] = max(counters[day], int(head.number[-5:]))
        with connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {IncidentNumberCounter._meta.db_table} (district, day, last) "
                            f"VALUES (%s, %s, %s)", [(self.district, d, n) for d, n in sorted(counters.items())])
        _reset_sequences([Incident, DispatchOrder, IncidentHistory, DispatchDecision, Verification, Meeting,
                          ExtensionRequest, Escalation, IncidentRating, IncidentNumberCounter])
        return self.stats

    def _insert_number(self, heads: list[_Head], head: _Head) -> str:
        """A number for a report added to a day already numbered: the day's next one."""
        day = head.at.date()
        last = max((int(h.number[-5:]) for h in heads if h.number and h.at.date() == day), default=0)
        return f"E{self.district}{day:%Y%m%d}{last + 1:05d}"

    def flush(self) -> None:
        for name in ("incident", "order", "history", "decision", "verification", "meeting", "extension",
                     "escalation", "rating"):
            rows = self.rows.pop(name, [])
            self.w[name].write(rows)
            if name == "decision":
                self.stats.decisions += len(rows)
            if name == "rating":
                self.stats.ratings += len(rows)


def build_incident_history(*, today: datetime.date, seed: int, scale: str, progress=None, now=None) -> int:
    """Write the demo year of incidents and requests. Precondition: the demo district with its departments,
    categories, staff, grids, buildings and residents; no incidents yet. Returns how many reports were written.
    Audit: one demo.incidents event with the counts. Side effects: incidents with their orders, history,
    verifications, meetings, extensions, escalations, ratings, dispatch decisions and daily number counters;
    accounts for the residents who wrote requests (they log in with the demo password)."""
    from doorstep.audit.services import audit_record

    tables = [m._meta.db_table for m in (Incident, DispatchOrder, IncidentHistory, DispatchDecision, Verification,
                                         Meeting, ExtensionRequest, Escalation, IncidentRating)]
    # SQLite checks each row's foreign keys as it goes in, which triples the cost of the load: check them once at
    # the end instead (as loaddata does; PostgreSQL defers them to the commit anyway)
    with connection.constraint_checks_disabled(), transaction.atomic():
        builder = IncidentHistoryBuilder(today=today, seed=seed, scale=scale, progress=progress, now=now)
        with deferred_indexes(Incident, DispatchOrder, IncidentHistory, DispatchDecision, Verification,
                              IncidentRating):
            stats = builder.build()
        connection.check_constraints(table_names=tables)
        audit_record(actor=None, actor_label="doorstep demo", action="demo.incidents",
                     summary={"incidents": stats.incidents, "decisions": stats.decisions, "ratings": stats.ratings,
                              "accounts": stats.accounts, "by_channel": dict(stats.by_channel)})
    return stats.incidents
