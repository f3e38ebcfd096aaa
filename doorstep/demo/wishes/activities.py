"""A year of activities and service posts per community (西苑 weekly, the others two to four a month) and the next
few weeks' open for sign-up, with their sign-ups and the service-hours ledger. Hours are what the rules allow only:
a sign-up checked in at the place (from half an hour before the start) and confirmed by the coordinator (the
community's clerk), at most the activity's length, one ledger row each; some signed up and never came (absent),
some cancelled before the start; the last days' check-ins may still wait for the coordinator."""

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from doorstep.demo.wishes import texts
from doorstep.demo.wishes.reference import Community, WishesReference
from doorstep.demo.wishes.roster import VolunteerDraft
from doorstep.wishes.workflow import ACTIVE_SIGNUP_STATES, SignupState

CHECKIN_EARLY_MINUTES = 30  # CommunityPolicy's default
PER_MONTH = {"xiyuan": (4, 5), "other": (2, 4)}
UPCOMING = {"xiyuan": 4, "other": 2}


@dataclass
class SignupDraft:
    volunteer: VolunteerDraft
    state: str
    signed_up_at: datetime.datetime
    checked_in_at: datetime.datetime | None = None
    minutes: int | None = None
    confirmed_at: datetime.datetime | None = None


@dataclass
class ActivityDraft:
    community: Community
    kind: str
    title: str
    description: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    places: int
    token: str
    created_at: datetime.datetime
    cancelled: bool = False
    signups: list[SignupDraft] = field(default_factory=list)
    id: int | None = None

    @property
    def signed_up(self) -> int:
        return sum(1 for s in self.signups if s.state in ACTIVE_SIGNUP_STATES)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class ActivityYear:
    def __init__(self, ref: WishesReference, volunteers: list[VolunteerDraft], *, seed: int,
                 now: datetime.datetime):
        self.ref = ref
        self.rng = random.Random(f"{seed}:wishes:activities")
        self.now = now
        self.today = now.date()
        self.tz = timezone.get_current_timezone()
        self.by_community: dict[int, list[VolunteerDraft]] = {}
        for v in volunteers:
            if v.confirmed_at is not None and v.state == "active":
                self.by_community.setdefault(v.community.id, []).append(v)
        self.tokens: set[str] = set()

    def build(self) -> list[ActivityDraft]:
        out: list[ActivityDraft] = []
        start = self.today - datetime.timedelta(days=365)
        rng = self.rng
        for community in self.ref.communities:
            key = "xiyuan" if community.xiyuan else "other"
            for month in range(12):
                first = start + datetime.timedelta(days=round(month * 365 / 12))
                last = start + datetime.timedelta(days=round((month + 1) * 365 / 12))
                for _ in range(rng.randint(*PER_MONTH[key])):
                    out.append(self._activity(community, first, last))
            for _ in range(UPCOMING[key]):
                out.append(self._activity(community, self.today + datetime.timedelta(days=1),
                                          self.today + datetime.timedelta(days=21)))
        out = [a for a in out if a.created_at <= self.now]
        out.sort(key=lambda a: (a.starts_at, a.community.code, a.title))
        for activity in out:
            self._signups(activity)
        return out

    def _activity(self, community: Community, first: datetime.date, last: datetime.date) -> ActivityDraft:
        rng = self.rng
        day = first + datetime.timedelta(days=rng.randrange(max((last - first).days, 1)))
        template = rng.choice(texts.ACTIVITIES)
        while not texts.in_season(template[0], day.month):
            template = rng.choice(texts.ACTIVITIES)
        title, kind, place, minutes, times, weekend, (low, high), description = template
        for _ in range(7):  # the weekend activities on a Saturday or Sunday, the posts on weekdays
            if (day.weekday() >= 5) == weekend:
                break
            day += datetime.timedelta(days=1)
        hour, minute = (int(x) for x in rng.choice(times).split(":"))
        starts = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
        created = starts - datetime.timedelta(days=rng.randint(5, 14), hours=rng.randint(0, 6))
        created = created.replace(hour=rng.randint(9, 16), minute=rng.randrange(60))
        while True:
            token = f"{rng.getrandbits(128):032x}"
            if token not in self.tokens:
                self.tokens.add(token)
                break
        name = community.name
        return ActivityDraft(community=community, kind=kind, title=title, description=description,
                             place=place.format(community=name), starts_at=starts,
                             ends_at=starts + datetime.timedelta(minutes=minutes),
                             places=rng.randint(low, high), token=token, created_at=created,
                             cancelled=starts < self.now and rng.random() < 0.03)

    def _signups(self, a: ActivityDraft) -> None:
        rng, now = self.rng, self.now
        pool = [v for v in self.by_community.get(a.community.id, []) if v.confirmed_at < a.created_at]
        if not pool:
            return
        if a.starts_at > now:  # open for sign-up: filling up
            share = rng.uniform(0.2, 0.8)
        else:
            share = rng.uniform(0.6, 1.0)
        wanted = min(len(pool), max(1, round(a.places * share)))
        cancelling = rng.random() < 0.4
        chosen = self._weighted_sample(pool, wanted + (1 if cancelling else 0))
        last_call = min(a.starts_at - datetime.timedelta(hours=1), now)
        for k, v in enumerate(chosen):
            if last_call <= a.created_at:
                break
            signed = a.created_at + (last_call - a.created_at) * rng.random()
            s = SignupDraft(v, SignupState.SIGNED_UP, signed.replace(microsecond=0))
            a.signups.append(s)
            if a.cancelled or (cancelling and k == len(chosen) - 1):
                s.state = SignupState.CANCELLED
                continue
            if a.starts_at > now:
                continue
            if rng.random() < 0.08:
                s.state = SignupState.ABSENT
                continue
            checked = a.starts_at + datetime.timedelta(minutes=rng.randint(-CHECKIN_EARLY_MINUTES + 5, 10))
            if checked > now:
                continue
            s.state, s.checked_in_at = SignupState.CHECKED_IN, checked
            confirmed = a.ends_at + datetime.timedelta(minutes=rng.randint(20, 2 * 24 * 60))
            if confirmed > now:
                continue
            late = max(0, int((checked - a.starts_at).total_seconds() // 60))
            served = a.minutes - late
            if rng.random() < 0.2:  # left early: the coordinator confirms what was served
                served -= rng.choice((15, 30, 45, 60))
            s.state, s.minutes, s.confirmed_at = SignupState.CONFIRMED, max(served, 15), confirmed

    def _weighted_sample(self, pool: list[VolunteerDraft], n: int) -> list[VolunteerDraft]:
        pool, out = list(pool), []
        for _ in range(min(n, len(pool))):
            k = self.rng.choices(range(len(pool)), weights=[v.weight for v in pool])[0]
            out.append(pool.pop(k))
        return out
