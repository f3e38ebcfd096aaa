"""The build entry: the rosters, 丁雪琴 of 西苑 (journey 15), the year of wishes with their claims and history, the
pairings with their visits, the activities with their sign-ups and hours — planned in Python from seeded generators,
then written in bulk in one transaction with one audit event."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from doorstep.calendar.selectors import work_calendar
from doorstep.core.crypto import blind_index, encrypt
from doorstep.core.phones import mask_phone
from doorstep.demo.wishes.activities import ActivityDraft, ActivityYear
from doorstep.demo.wishes.reference import Community, Person, WishesReference
from doorstep.demo.wishes.roster import RosterMaker, VolunteerDraft
from doorstep.demo.wishes.wishes import WishYear, plan_pairings, story_text
from doorstep.wishes.models import (
    Activity,
    HoursEntry,
    Pairing,
    PairingVisit,
    Signup,
    Volunteer,
    VolunteerCounter,
    Wish,
    WishClaim,
    WishEvent,
    WishNumberCounter,
)
from doorstep.wishes.services.common import mask_name
from doorstep.wishes.workflow import SignupState

DING_NAME = "丁雪琴"
BATCH = 1000


@dataclass
class WishesStats:
    volunteers: int = 0
    xiyuan_members: int = 0
    wishes: int = 0
    claims: int = 0
    wish_events: int = 0
    pairings: int = 0
    visits: int = 0
    activities: int = 0
    signups: int = 0
    hours_entries: int = 0
    hours: int = 0


def _ding(community: Community | None, seed: int) -> Person | None:
    """丁雪琴, a resident of 西苑 in a wheelchair: the resident of that name, or an elderly woman of a 西苑 household
    with no account and no case, booking, ticket or report (nothing else names her) renamed, her name keys
    rewritten."""
    from doorstep.registry.models import Resident
    from doorstep.registry.namekeys import residents_rekey

    if community is None:
        return None
    row = Resident.objects.filter(path__startswith=community.code, name=DING_NAME, status="active").order_by(
        "id").first()
    if row is None:
        born_by = timezone.localdate() - datetime.timedelta(days=72 * 366)
        quiet = (Resident.objects.filter(path__startswith=community.code, status="active", gender="F",
                                         birth_date__lte=born_by,
                                         account__isnull=True, cases__isnull=True, bundles__isnull=True,
                                         bookings__isnull=True, tickets__isnull=True, incidents__isnull=True)
                 .order_by("id").values_list("id", flat=True))
        known = {p.id for p in community.residents}  # not a story family's
        ids = [pk for pk in quiet if pk in known]
        if ids:
            row = Resident.objects.get(pk=random.Random(f"{seed}:wishes:ding").choice(ids))
            row.name = DING_NAME
            row.is_disabled = True
            row.save(update_fields=["name", "is_disabled"])
            residents_rekey([row])
        else:  # the year's history reached every elderly woman of 西苑 (it follows the build's date): she moves in
            row = _ding_registered(community)
            community.residents.append(Person(row.pk, row.household_id, row.path, row.name, row.gender,
                                              row.birth_date, row.relation, False, True, False))
    person = next((p for p in community.residents if p.id == row.pk), None)
    if person is None:
        return None
    person.name, person.disabled = DING_NAME, True
    return person


def _ding_registered(community: Community):
    """丁雪琴 registered as the mother (父母) in the first household of 西苑, through the registry's own write path, with
    an ID number of a woman born in 湘潭县 in 1948 that no one else holds."""
    from doorstep.core.crypto import blind_index
    from doorstep.core.idnumbers import complete_id_number
    from doorstep.registry.models import Household, Resident
    from doorstep.registry.services import resident_register

    household = Household.objects.filter(pk=min(p.household for p in community.residents)).first()
    taken = set(Resident.objects.filter(birth_date=datetime.date(1948, 3, 12)).values_list("id_number_index",
                                                                                              flat=True))
    for sequence in range(2, 999, 2):  # an even 17th digit: a woman
        # 湘潭县 (430321): the district's own code was created after 1948, and an ID number carries the birth place's
        # code as it stood then (stdnum.cn.ric checks it)
        number = complete_id_number(f"43032119480312{sequence:03d}")
        if blind_index("id", number) not in taken:
            return resident_register(actor=None, household=household, name=DING_NAME, gender="F",
                                     birth_date=datetime.date(1948, 3, 12), id_number=number,
                                     relation="parent", is_disabled=True)
    raise RuntimeError("no free ID number for the demo's 丁雪琴")


@dataclass
class CommunityYear:
    volunteers: list[VolunteerDraft]
    year: WishYear
    pairings: list[dict]
    activities: list[ActivityDraft]


def plan_community_year(ref: WishesReference, *, ding: Person | None, seed: int,
                        now: datetime.datetime) -> CommunityYear:
    """Everything the year holds, planned from the seed and what `ref` read; nothing written."""
    volunteers = RosterMaker(ref, seed=seed, now=now).make()
    year = WishYear(ref, volunteers, seed=seed, now=now, calendar=work_calendar())
    year.build(ding)
    return CommunityYear(volunteers, year, plan_pairings(year, seed=seed),
                         ActivityYear(ref, volunteers, seed=seed, now=now).build())


class WishesWriter:
    def __init__(self, ref: WishesReference, *, seed: int, now: datetime.datetime):
        self.ref = ref
        self.seed = seed
        self.now = now
        self.stats = WishesStats()

    def volunteers(self, drafts: list[VolunteerDraft]) -> None:
        User = get_user_model()
        ref = self.ref
        fresh = [d for d in drafts if not d.username]
        User.objects.bulk_create([User(username=d.phone, full_name=d.name, role="volunteer", password=ref.password,
                                       date_joined=d.applied_at) for d in fresh], batch_size=BATCH)
        ids = dict(User.objects.filter(username__in=[d.phone for d in fresh]).values_list("username", "id"))
        for d in drafts:
            d.user_id = ref.story_users[d.username] if d.username else ids[d.phone]
        rows = [Volunteer(user_id=d.user_id, community_id=d.community.id, number=d.number, kind=d.kind, name=d.name,
                          employer=d.employer, position=d.position, skills=d.skills, offers=d.offers,
                          availability=d.availability, phone_enc=encrypt(d.phone),
                          phone_index=blind_index("phone", d.phone), phone_masked=mask_phone(d.phone),
                          state=d.state, state_reason=d.reason, applied_at=d.applied_at,
                          confirmed_at=d.confirmed_at if d.number else None,
                          confirmed_by_id=d.community.clerk if d.number else None) for d in drafts]
        Volunteer.objects.bulk_create(rows, batch_size=BATCH)
        for d, row in zip(drafts, rows, strict=True):
            d.id = row.pk
        last: dict[int, int] = {}
        for d in drafts:
            if d.number:
                last[d.community.id] = max(last.get(d.community.id, 0), int(d.number[-4:]))
        VolunteerCounter.objects.bulk_create([VolunteerCounter(community_id=c, last=n) for c, n in last.items()])
        self.stats.volunteers = sum(1 for d in drafts if d.state == "active")
        self.stats.xiyuan_members = sum(1 for d in drafts if d.state == "active" and d.community.xiyuan
                                        and d.kind == "party_member")

    def wishes(self, year: WishYear) -> None:
        rng = random.Random(f"{self.seed}:wishes:stories")
        rows = []
        for w in year.wishes:
            story = story_text(rng, w) if w.story_published_at else ""
            rows.append(Wish(number=w.number, community_id=w.community.id, path=w.person.path,
                             household_id=w.person.household, beneficiary_id=w.person.id,
                             beneficiary_masked=mask_name(w.person.name), title=w.title, description=w.description,
                             category=w.category, value_yuan=w.value, places=w.places, claimed=w.claimed,
                             source=w.source, state=w.state, state_reason=w.reason, posted_by_id=w.posted_by,
                             posted_at=w.posted_at, published_at=w.published_at, expires_at=w.expires_at,
                             republished=w.republished, fulfilled_at=w.fulfilled_at, closed_at=w.closed_at,
                             story_consent=w.story_consent, story=story,
                             story_published_at=w.story_published_at))
        Wish.objects.bulk_create(rows, batch_size=BATCH)
        claims, events = [], []
        for w, row in zip(year.wishes, rows, strict=True):
            w.id = row.pk
            claims += [WishClaim(wish_id=row.pk, volunteer_id=s.volunteer.id, group_name=s.group_name, state=s.state,
                                 claimed_at=s.start, ended_at=s.end) for s in w.slots]
            events += [WishEvent(wish_id=row.pk, action=action, from_state=before, to_state=after,
                                 actor_id=year.actor(w, actor), at=at, note=note)
                       for action, before, after, actor, at, note in w.events]
        WishClaim.objects.bulk_create(claims, batch_size=BATCH)
        WishEvent.objects.bulk_create(events, batch_size=BATCH)
        WishNumberCounter.objects.bulk_create([WishNumberCounter(district=self.ref.district, day=day, last=n)
                                               for day, n in sorted(year.counters.items())], batch_size=BATCH)
        self.stats.wishes, self.stats.claims, self.stats.wish_events = len(rows), len(claims), len(events)

    def pairings(self, plans: list[dict]) -> None:
        rows = [Pairing(community_id=p["community"].id, path=p["path"], household_id=p["household"],
                        household_masked=p["masked"], volunteer_id=p["volunteer"].id, wish_id=p["wish"].id,
                        state=Pairing.State.ENDED if p["ended_at"] else Pairing.State.ACTIVE,
                        started_at=p["started_at"], ended_at=p["ended_at"], ended_reason=p["ended_reason"],
                        created_by_id=p["community"].clerk) for p in plans]
        Pairing.objects.bulk_create(rows, batch_size=BATCH)
        visits = [PairingVisit(pairing_id=row.pk, visitor_id=p["volunteer"].id, **v)
                  for p, row in zip(plans, rows, strict=True) for v in p["visits"]]
        PairingVisit.objects.bulk_create(visits, batch_size=BATCH)
        self.stats.pairings, self.stats.visits = len(rows), len(visits)

    def activities(self, drafts) -> None:
        rows = [Activity(community_id=a.community.id, kind=a.kind, title=a.title, description=a.description,
                         place=a.place, starts_at=a.starts_at, ends_at=a.ends_at, places=a.places,
                         signed_up=a.signed_up, coordinator_id=a.community.clerk, checkin_token=a.token,
                         state=Activity.State.CANCELLED if a.cancelled else Activity.State.OPEN,
                         created_at=a.created_at) for a in drafts]
        Activity.objects.bulk_create(rows, batch_size=BATCH)
        signups, pending = [], []
        for a, row in zip(drafts, rows, strict=True):
            for s in a.signups:
                confirmed = s.state == SignupState.CONFIRMED
                signups.append(Signup(activity_id=row.pk, volunteer_id=s.volunteer.id, state=s.state,
                                      signed_up_at=s.signed_up_at, checked_in_at=s.checked_in_at, minutes=s.minutes,
                                      confirmed_at=s.confirmed_at,
                                      confirmed_by_id=a.community.clerk if confirmed else None))
                if confirmed:
                    pending.append((len(signups) - 1, a, row, s))
        Signup.objects.bulk_create(signups, batch_size=BATCH)
        tz = timezone.get_current_timezone()
        entries = [HoursEntry(volunteer_id=s.volunteer.id, signup_id=signups[k].pk, activity_id=row.pk,
                              served_on=timezone.localtime(a.starts_at, tz).date(), minutes=s.minutes,
                              recorded_by_id=a.community.clerk, recorded_at=s.confirmed_at)
                   for k, a, row, s in pending]
        HoursEntry.objects.bulk_create(entries, batch_size=BATCH)
        self.stats.activities, self.stats.signups = len(rows), len(signups)
        self.stats.hours_entries = len(entries)
        self.stats.hours = sum(e.minutes for e in entries) // 60


def build_wishes_history(*, district_code: str, seed: int, progress=None,
                         now: datetime.datetime | None = None) -> WishesStats:
    """Write the community's demo year (issue #15 item 6). Precondition: the demo district with its communities,
    clerks, grid workers, residents and the story volunteers' accounts (volunteer1-3); no volunteers yet.
    Returns the counts. Audit: one demo.wishes event. Side effects: volunteer accounts (the phone is the user name,
    the demo password), registrations with their counters, wishes with claims, history and number counters,
    pairings with visits, activities with sign-ups and the hours ledger; one 西苑 resident renamed 丁雪琴 unless
    one has that name."""
    from doorstep.audit.services import audit_record

    now = timezone.localtime(now or timezone.now()).replace(microsecond=0)
    task = progress.add_task("志愿服务与微心愿", total=5) if progress else None

    def step():
        if progress:
            progress.advance(task)

    with transaction.atomic():
        ref = WishesReference(district_code=district_code)
        plan = plan_community_year(ref, ding=_ding(ref.xiyuan(), seed), seed=seed, now=now)
        step()
        writer = WishesWriter(ref, seed=seed, now=now)
        writer.volunteers(plan.volunteers)
        step()
        writer.wishes(plan.year)
        writer.pairings(plan.pairings)
        step()
        writer.activities(plan.activities)
        step()
        stats = writer.stats
        audit_record(actor=None, actor_label="doorstep demo", action="demo.wishes",
                     summary={k: v for k, v in stats.__dict__.items()})
        step()
    return stats
