"""A year of micro-wishes, their claims and history, and the pairings that grew from some of them.

Each wish is planned whole first — posted, reviewed within 1-3 working days, claimed within days, fulfilled within
one to three weeks, confirmed within days, with the turns real wishes take (rejected over the value limit or an
unverified household, expired and re-published or closed, cancelled, a claim given up, a fulfilment disputed) —
and then played through the state machine up to now: the moves after now have not happened yet, so the wishes of
the last weeks stand posted, published, claimed or fulfilled. The claims are then handed to volunteers in the order
they were made, each an active member of the community then (mostly) holding fewer than the cap of open claims."""

import datetime
import math
import random
from dataclasses import dataclass, field

from django.utils import timezone

from doorstep.demo.wishes import texts
from doorstep.demo.wishes.reference import Community, Person, WishesReference
from doorstep.demo.wishes.roster import VolunteerDraft
from doorstep.wishes.models import ClaimState, Kind, Offer, WishSource
from doorstep.wishes.services.common import mask_name
from doorstep.wishes.workflow import WishAction, WishState, release_to, wish_move

PUBLISH_DAYS = 30  # CommunityPolicy's defaults: the demo communities keep them
OPEN_CLAIMS_CAP = 3
VALUE_LIMIT = 500
PER_MONTH = {"xiyuan": (8, 12), "other": (2, 6)}
DING = ("丁雪琴", "坐轮椅去湘江边看看", "company", 0, 3,
        "丁奶奶常年坐轮椅，已经好几年没出过小区了。她想请几位志愿者推她去湘江风光带走一走，看看江边的变化。")
DING_EARLIER = ("轮椅维修", "service", 60, 1, "轮椅的刹车和轮胎坏了，推不动，想请人修一修。")


@dataclass
class Slot:
    """One claim (one place of the wish)."""

    index: int
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    state: str = ClaimState.ACTIVE
    volunteer: VolunteerDraft | None = None
    group_name: str = ""


@dataclass
class Move:
    action: str
    at: datetime.datetime
    actor: object = None  # a user id, ("slot", k) for a claimant, or None (the system)
    note: str = ""
    slot: int | None = None


@dataclass
class WishDraft:
    community: Community
    person: Person
    title: str
    description: str
    category: str
    value: int
    places: int
    source: str
    posted_by: int
    posted_at: datetime.datetime
    story_consent: bool
    confirmer: int
    plan: list[Move] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)  # (action, before, after, actor, at, note) as played
    state: str = ""
    claimed: int = 0
    reason: str = ""
    published_at: datetime.datetime | None = None
    expires_at: datetime.datetime | None = None
    republished: int = 0
    fulfilled_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    story: str = ""
    story_published_at: datetime.datetime | None = None
    number: str = ""
    seq: int = 0
    id: int | None = None


class WishYear:
    def __init__(self, ref: WishesReference, volunteers: list[VolunteerDraft], *, seed: int,
                 now: datetime.datetime, calendar):
        self.ref = ref
        self.rng = random.Random(f"{seed}:wishes:year")
        self.now = now
        self.today = now.date()
        self.tz = timezone.get_current_timezone()
        self.calendar = calendar
        self.volunteers = volunteers
        self.by_community: dict[int, list[VolunteerDraft]] = {}
        for v in volunteers:
            self.by_community.setdefault(v.community.id, []).append(v)
        self.wishes: list[WishDraft] = []
        self.used: set[int] = set()  # residents given a wish this year (一人一愿: one open wish each)
        self.ding: WishDraft | None = None

    # -- time ----------------------------------------------------------------------------------------------------
    def at(self, day: datetime.date, lo: float, hi: float) -> datetime.datetime:
        minutes = self.rng.randrange(int(lo * 60), int(hi * 60))
        return datetime.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.tz)

    def office(self, after: datetime.datetime, working_days: int) -> datetime.datetime:
        """A moment in office hours `working_days` working days after `after` (0: later that day if possible)."""
        day = self.calendar.add_working_days(after.date(), working_days) if working_days else after.date()
        moment = self.at(day, 9, 17.5)
        if moment <= after:
            moment = self.at(self.calendar.add_working_days(after.date(), 1), 9, 17.5)
        return moment

    def later(self, after: datetime.datetime, days: float, lo: float = 8, hi: float = 21) -> datetime.datetime:
        day = (after + datetime.timedelta(days=days)).date()
        moment = self.at(day, lo, hi)
        return moment if moment > after else after + datetime.timedelta(hours=self.rng.uniform(1, 5))

    # -- the year --------------------------------------------------------------------------------------------------
    def build(self, ding: Person | None) -> list[WishDraft]:
        start = self.today - datetime.timedelta(days=365)
        for community in self.ref.communities:
            low, high = PER_MONTH["xiyuan" if community.xiyuan else "other"]
            pools = self._pools(community, ding)
            for month in range(12):
                first = start + datetime.timedelta(days=round(month * 365 / 12))
                last = start + datetime.timedelta(days=round((month + 1) * 365 / 12))
                for _ in range(self.rng.randint(low, high)):
                    day = first + datetime.timedelta(days=self.rng.randrange((last - first).days))
                    wish = self._wish(community, pools, day)
                    if wish is not None and wish.posted_at < self.now:
                        self.wishes.append(wish)
            for _ in range(2 if community.xiyuan else 1):  # collected yesterday, waiting for the review
                wish = self._wish(community, pools, self.today - datetime.timedelta(days=1))
                if wish is not None:
                    wish.plan = wish.plan[:1]
                    self.wishes.append(wish)
            if community.xiyuan and ding is not None:
                self._ding(community, ding)
        self.wishes.sort(key=lambda w: (w.posted_at, w.community.code, w.person.id))
        for seq, wish in enumerate(self.wishes):
            wish.seq = seq
            self._play(wish)
        self._numbers()
        self._claimants()
        return self.wishes

    def _pools(self, community: Community, ding: Person | None) -> dict[str, list[Person]]:
        today = self.today
        people = [p for p in community.residents if ding is None or p.id != ding.id]
        return {
            "child": [p for p in people if p.age(today) < 14],
            "student": [p for p in people if 6 <= p.age(today) <= 22],
            "elder": [p for p in people if p.age(today) >= 70 or p.elderly_alone],
            "disabled": [p for p in people if p.disabled or p.age(today) >= 85],
            "any": [p for p in people if p.age(today) >= 18 and (p.low_income or p.disabled or p.age(today) >= 60)]
            or people,
        }

    def _pick(self, pool: list[Person]) -> Person | None:
        for _ in range(12):
            if not pool:
                return None
            person = pool[self.rng.randrange(len(pool))]
            if person.id not in self.used:
                return person
        return None

    def _wish(self, community: Community, pools, day: datetime.date) -> WishDraft | None:
        rng = self.rng
        over = rng.random() < 0.02
        template = rng.choice(texts.OVER_LIMIT_WISHES if over else texts.WISHES)
        while not texts.in_season(template[0], day.month):
            template = rng.choice(texts.WISHES)
        person = self._pick(pools[template[5]])
        if person is None:  # that pool is used up: any wish for anyone left
            template = rng.choice([t for t in texts.WISHES if t[5] == "any"])
            person = self._pick(pools["any"])
            if person is None:
                return None
        self.used.add(person.id)
        title, category, low, high, (p_low, p_high), _who, description = template
        value = round(rng.randint(low, high), -1) if high else 0
        places = rng.randint(p_low, p_high)
        governor = self.ref.governor[person.path]
        account = self.ref.account.get(person.household)
        draw = rng.random()
        if account and draw < 0.6:
            source, poster, posted_at = WishSource.RESIDENT, account, self.at(day, 7.5, 22)
        elif draw < 0.9:
            source, poster, posted_at = WishSource.VISIT, governor, self.at(day, 8.5, 18)
        else:
            source, poster, posted_at = WishSource.COMMUNITY, community.clerk, self.at(day, 9, 17.5)
        wish = WishDraft(community=community, person=person, title=title, description=description,
                         category=category, value=value, places=places, source=source, posted_by=poster,
                         posted_at=posted_at, story_consent=rng.random() < 0.35,
                         confirmer=account or governor)
        self._plan(wish, over=over)
        return wish

    def _ding(self, community: Community, ding: Person) -> None:
        """丁雪琴 (journey 15): her wheelchair mended half a year ago; her day out by the river published two
        days ago, unclaimed, for the journey to claim live."""
        governor = self.ref.governor[ding.path]
        title, category, value, places, description = DING_EARLIER
        posted = self.at(self.today - datetime.timedelta(days=170), 9, 11)
        earlier = WishDraft(community=community, person=ding, title=title, description=description,
                            category=category, value=value, places=places, source=WishSource.VISIT,
                            posted_by=governor, posted_at=posted, story_consent=True, confirmer=governor)
        self._plan(earlier, over=False, ordinary=True)
        self.wishes.append(earlier)
        _name, title, category, value, places, description = DING
        posted = self.office(self.now - datetime.timedelta(days=6), 1)  # on a visit last week
        published = min(self.office(posted, 1), self.now - datetime.timedelta(hours=2))
        wish = WishDraft(community=community, person=ding, title=title, description=description,
                         category=category, value=value, places=places, source=WishSource.VISIT,
                         posted_by=governor, posted_at=posted, story_consent=True, confirmer=governor)
        wish.plan = [Move(WishAction.POST, posted, governor), Move(WishAction.PUBLISH, published, community.clerk)]
        self.wishes.append(wish)
        self.ding = wish

    # -- one wish's course -----------------------------------------------------------------------------------------
    def _plan(self, w: WishDraft, *, over: bool, ordinary: bool = False) -> None:
        rng, clerk = self.rng, w.community.clerk
        plan = w.plan = [Move(WishAction.POST, w.posted_at, w.posted_by)]
        review = self.office(w.posted_at, rng.choice((1, 1, 2, 2, 3)))
        if over:
            plan.append(Move(WishAction.REJECT, review, clerk, texts.REJECT_OVER_LIMIT.format(value=w.value)))
            return
        draw = 1.0 if ordinary else rng.random()
        if draw < 0.025:
            plan.append(Move(WishAction.REJECT, review, clerk, rng.choice(texts.REJECT_NOT_VERIFIED)))
            return
        if draw < 0.035:
            plan.append(Move(WishAction.CANCEL, review, clerk, rng.choice(texts.CANCEL_REASONS)))
            return
        plan.append(Move(WishAction.PUBLISH, review, clerk))
        published = review
        draw = 1.0 if ordinary else rng.random()
        if draw < 0.07:  # nobody claims it in time
            expired = published + datetime.timedelta(days=PUBLISH_DAYS, minutes=rng.randint(1, 50))
            plan.append(Move(WishAction.EXPIRE, expired))
            if rng.random() < 0.4:
                plan.append(Move(WishAction.CLOSE, self.office(expired, rng.randint(1, 3)), clerk,
                                 rng.choice(texts.CLOSE_REASONS)))
                return
            published = self.office(expired, rng.randint(1, 4))
            plan.append(Move(WishAction.REPUBLISH, published, clerk))
            if rng.random() < 0.3:
                expired = published + datetime.timedelta(days=PUBLISH_DAYS, minutes=rng.randint(1, 50))
                plan += [Move(WishAction.EXPIRE, expired),
                         Move(WishAction.CLOSE, self.office(expired, rng.randint(1, 3)), clerk,
                              rng.choice(texts.CLOSE_REASONS))]
                return
        elif draw < 0.09:
            plan.append(Move(WishAction.CANCEL, self.office(published, rng.randint(2, 12)), clerk,
                             rng.choice(texts.CANCEL_REASONS)))
            return
        self._claims(w, published, ordinary=ordinary)

    def _claims(self, w: WishDraft, published: datetime.datetime, *, ordinary: bool) -> None:
        rng, plan = self.rng, w.plan
        wanted = w.places if w.places == 1 or rng.random() < 0.8 else w.places - 1
        first = self.later(published, min(rng.lognormvariate(math.log(4), 1.0), PUBLISH_DAYS - 6), 7, 22.5)
        claims: list[Move] = []
        moment = first
        for k in range(wanted):
            if k:
                moment = self.later(moment, rng.uniform(0.2, 4), 7, 22.5)
            claims.append(Move(WishAction.CLAIM, moment, ("slot", len(w.slots)), slot=len(w.slots)))
            w.slots.append(Slot(len(w.slots)))
            if rng.random() < 0.05 and not ordinary:  # given back; someone else takes the place
                slot = claims[-1].slot
                released = self.later(moment, rng.uniform(1, 5))
                claims.append(Move(WishAction.RELEASE, released, ("slot", slot), rng.choice(texts.RELEASE_REASONS),
                                   slot=slot))
                moment = self.later(released, rng.uniform(0.3, 3), 7, 22.5)
                claims.append(Move(WishAction.CLAIM, moment, ("slot", len(w.slots)), slot=len(w.slots)))
                w.slots.append(Slot(len(w.slots)))
        claims.sort(key=lambda m: m.at)
        plan += claims
        last = claims[-1].at
        if rng.random() < 0.012 and not ordinary:
            plan.append(Move(WishAction.CANCEL, self.office(last, rng.randint(1, 4)), w.community.clerk,
                             rng.choice(texts.CANCEL_REASONS)))
            return
        released = {m.slot for m in claims if m.action == WishAction.RELEASE}
        doer = next(s.index for s in w.slots if s.index not in released)
        fulfilled = self.later(last, min(max(rng.lognormvariate(math.log(8), 0.5), 2), 24), 8.5, 20)
        plan.append(Move(WishAction.FULFIL, fulfilled, ("slot", doer), rng.choice(texts.FULFIL_NOTES)))
        if rng.random() < 0.02 and not ordinary:
            disputed = self.later(fulfilled, rng.uniform(1, 3))
            plan.append(Move(WishAction.DISPUTE, disputed, w.confirmer, rng.choice(texts.DISPUTE_REASONS)))
            fulfilled = self.later(disputed, rng.uniform(2, 6), 8.5, 20)
            plan.append(Move(WishAction.FULFIL, fulfilled, ("slot", doer), rng.choice(texts.FULFIL_NOTES)))
        confirmed = self.later(fulfilled, rng.uniform(0.1, 4))
        plan.append(Move(WishAction.CONFIRM, confirmed, w.confirmer))
        if w.story_consent and rng.random() < 0.7:
            plan.append(Move(WishAction.PUBLISH_STORY, self.office(confirmed, rng.randint(1, 5)), w.community.clerk))

    def _play(self, w: WishDraft) -> None:
        """Apply the planned moves that are due (at or before now) as the services would; the rest never happen."""
        state = ""
        for move in w.plan:
            if move.at > self.now:
                break
            action = WishAction(move.action)
            if action == WishAction.POST:
                after = WishState.POSTED
            elif action == WishAction.RELEASE:
                wish_move(state, action)
                after = release_to(w.claimed - 1)
            else:
                after = wish_move(state, action)
            if action in (WishAction.PUBLISH, WishAction.REPUBLISH):
                w.published_at, w.expires_at = move.at, move.at + datetime.timedelta(days=PUBLISH_DAYS)
                w.republished += action == WishAction.REPUBLISH
                w.reason = ""
            elif action == WishAction.CLAIM:
                w.slots[move.slot].start = move.at
                w.claimed += 1
            elif action == WishAction.RELEASE:
                slot = w.slots[move.slot]
                slot.end, slot.state = move.at, ClaimState.RELEASED
                w.claimed -= 1
            elif action == WishAction.FULFIL:
                w.fulfilled_at = move.at
            elif action == WishAction.DISPUTE:
                w.fulfilled_at = None
            elif action == WishAction.CONFIRM:
                w.closed_at = move.at
                self._end_claims(w, ClaimState.FULFILLED, move.at)
            elif action in (WishAction.CANCEL, WishAction.CLOSE):
                self._end_claims(w, ClaimState.CANCELLED, move.at)
                w.claimed = 0
                w.reason = move.note
            elif action == WishAction.REJECT:
                w.reason = move.note
            elif action == WishAction.PUBLISH_STORY:
                w.story_published_at = move.at
            w.events.append((action, state, after, move.actor, move.at, move.note))
            state = after
        w.state = state
        w.slots = [s for s in w.slots if s.start is not None]

    @staticmethod
    def _end_claims(w: WishDraft, state: str, at: datetime.datetime) -> None:
        for slot in w.slots:
            if slot.start is not None and slot.state == ClaimState.ACTIVE:
                slot.state, slot.end = state, at

    def _numbers(self) -> None:
        """W + district + the posting day + the day's sequence, in posting order (core.daily_numbers)."""
        self.counters: dict[datetime.date, int] = {}
        for w in sorted(self.wishes, key=lambda w: (w.posted_at, w.seq)):
            day = timezone.localtime(w.posted_at, self.tz).date()
            self.counters[day] = self.counters.get(day, 0) + 1
            w.number = f"W{self.ref.district}{day:%Y%m%d}{self.counters[day]:05d}"

    # -- who claimed -----------------------------------------------------------------------------------------------
    def _claimants(self) -> None:
        slots = sorted(((s.start, w.seq, s.index, w, s) for w in self.wishes for s in w.slots),
                       key=lambda t: t[:3])
        everyone = [v for v in self.volunteers if v.confirmed_at is not None and v.state == "active"]
        for start, _seq, _k, wish, slot in slots:
            taken = {id(s.volunteer) for s in wish.slots if s.volunteer is not None and s is not slot}
            local = self.by_community.get(wish.community.id, []) if self.rng.random() < 0.9 else everyone
            chosen = (self._choose(local, start, slot, taken) or self._choose(everyone, start, slot, taken))
            if chosen is None:
                raise RuntimeError(f"no volunteer free to claim {wish.title} at {start}")
            slot.volunteer = chosen
            chosen.claims.append((slot.start, slot.end))
            if wish.places > 1:
                slot.group_name = (f"{chosen.employer}党员志愿服务队" if chosen.kind == Kind.PARTY_MEMBER
                                   else "社区志愿服务队")[:60]

    @staticmethod
    def actor(wish: WishDraft, actor):
        """The account behind a planned move: ("slot", k) is the volunteer who made claim k."""
        if isinstance(actor, tuple):
            return next(s.volunteer.user_id for s in wish.slots if s.index == actor[1])
        return actor

    def _choose(self, pool: list[VolunteerDraft], start, slot: Slot, taken: set) -> VolunteerDraft | None:
        fits = []
        for v in pool:
            if not v.active_on(start) or id(v) in taken:
                continue
            if slot.end is None and v.story:
                continue  # the story volunteers start the journeys with no claim open
            if sum(1 for s, e in v.claims if s <= start and (e is None or e > start)) >= OPEN_CLAIMS_CAP:
                continue
            fits.append(v)
        if not fits:
            return None
        return self.rng.choices(fits, weights=[v.weight for v in fits])[0]


def plan_pairings(year: WishYear, *, seed: int) -> list[dict]:
    """结对帮扶 grown from closed wishes: about fifteen in 西苑, one to three in every other community, each with a
    visit about every month since it began (what was done, now and then a need found)."""
    rng = random.Random(f"{seed}:wishes:pairings")
    now, today, tz = year.now, year.today, year.tz
    out = []
    for community in year.ref.communities:
        wanted = 15 if community.xiyuan else rng.randint(1, 3)
        closed = [w for w in year.wishes if w.community is community and w.state == WishState.CLOSED
                  and w.closed_at < now - datetime.timedelta(days=20)]
        # the elderly and the families in need first; members who offered to befriend a family (认交困难朋友) first
        closed.sort(key=lambda w: (not (w.person.elderly_alone or w.person.low_income or w.person.disabled),
                                   w.seq))
        households, pairs, made = set(), set(), 0
        for wish in closed:
            if made >= wanted:
                break
            if wish.person.household in households or rng.random() < 0.3:
                continue
            slots = sorted((s for s in wish.slots if s.state == ClaimState.FULFILLED),
                           key=lambda s: (Offer.PAIRING not in s.volunteer.offers, s.index))
            if not slots:
                continue
            volunteer = slots[0].volunteer
            if (id(volunteer), wish.person.household) in pairs:
                continue
            households.add(wish.person.household)
            pairs.add((id(volunteer), wish.person.household))
            made += 1
            started = year.later(wish.closed_at, rng.uniform(2, 15), 9, 18)
            ended = None
            if rng.random() < 0.1 and started < now - datetime.timedelta(days=90):
                ended = year.later(started, rng.uniform(60, (now - started).days - 5), 9, 18)
            visits, day = [], started.date()
            stop = (ended.date() if ended else today) - datetime.timedelta(days=1)
            while True:
                day = day + datetime.timedelta(days=30 + rng.randint(-6, 6))
                if day > stop:
                    break
                logged = datetime.datetime(day.year, day.month, day.day, rng.randint(18, 21), rng.randrange(60),
                                           tzinfo=tz)
                done = rng.choice(texts.PAIRING_DONE)
                while not texts.in_season(done, day.month):
                    done = rng.choice(texts.PAIRING_DONE)
                visits.append({"visited_on": day, "done": done,
                               "needs": rng.choice(texts.PAIRING_NEEDS) if rng.random() < 0.2 else "",
                               "logged_at": min(logged, now)})
            out.append({"community": community, "wish": wish, "volunteer": volunteer,
                        "household": wish.person.household, "path": wish.person.path,
                        "masked": mask_name(year.ref.heads.get(wish.person.household, wish.person.name)) + "家",
                        "started_at": started, "ended_at": ended,
                        "ended_reason": rng.choice(texts.PAIRING_END_REASONS) if ended else "",
                        "visits": visits})
    return out


def story_text(rng: random.Random, wish: WishDraft) -> str:
    claimant = next((s.volunteer for s in wish.slots if s.state == ClaimState.FULFILLED), None)
    member = f"志愿者{mask_name(claimant.name)}" if claimant else "志愿者"
    days = max(1, (wish.slots[0].start - wish.published_at).days + 1) if wish.slots and wish.published_at else 1
    stories = texts.STORIES + (texts.GOODS_STORIES if wish.category == "goods" else [])
    return rng.choice(stories).format(member=member, who=mask_name(wish.person.name), title=wish.title, days=days)
