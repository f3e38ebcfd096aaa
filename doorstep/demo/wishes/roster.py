"""The volunteer rosters: 西苑's 113 in-service party members (在职党员到社区报到) with the story volunteers 李哲, 周敏 and
陈晓东, a few registrations waiting for the community, one turned back and one who left; 5-15 volunteers in every other
community. Each has an account (the phone is the user name), a volunteer number given in the order the community
confirmed them (V + community code + 4 digits), and the phone kept as the registry keeps phones."""

import datetime
import random
from dataclasses import dataclass, field

from doorstep.core.crypto import blind_index
from doorstep.demo.build import STORY_NAMES
from doorstep.demo.people import MOBILE_PREFIXES, StaffNames
from doorstep.demo.wishes import texts
from doorstep.demo.wishes.reference import Community, WishesReference
from doorstep.wishes.models import Availability, Kind, Offer
from doorstep.wishes.workflow import RegistrationState

XIYUAN_MEMBERS = 113  # issue #15: Ji'an's Xiyuan community registered 113 in-service party members
OTHER_RANGE = (5, 15)
# the story volunteers (demo.build creates their accounts): who they are in 西苑
STORY_VOLUNTEERS = [("volunteer1", "李哲", Kind.PARTY_MEMBER, "雨湖区教育局", "科员", ["教育辅导", "政策宣讲"]),
                    ("volunteer2", "周敏", Kind.VOLUNTEER, "湘潭市第一人民医院", "护士", ["医疗", "护理"]),
                    ("volunteer3", "陈晓东", Kind.VOLUNTEER, "国网湘潭供电公司", "电力工程师", ["维修", "驾驶"])]


@dataclass
class VolunteerDraft:
    community: Community
    name: str
    kind: str
    employer: str
    position: str
    skills: list[str]
    offers: list[str]
    availability: list[str]
    phone: str
    state: str
    applied_at: datetime.datetime
    confirmed_at: datetime.datetime | None = None
    reason: str = ""
    username: str = ""  # set for the story volunteers (their accounts exist)
    number: str | None = None
    user_id: int | None = None
    id: int | None = None
    weight: float = 1.0  # how keen: some members claim and sign up far more than others
    story: bool = False
    claims: list = field(default_factory=list)  # (start, end or None) of the claims they hold

    def active_on(self, at: datetime.datetime) -> bool:
        return self.state in (RegistrationState.ACTIVE,) and self.confirmed_at is not None and self.confirmed_at < at


class RosterMaker:
    def __init__(self, ref: WishesReference, *, seed: int, now: datetime.datetime):
        self.ref = ref
        self.rng = random.Random(f"{seed}:wishes:roster")
        self.names = StaffNames(random.Random(f"{seed}:wishes:names"), taken=STORY_NAMES | ref.taken_names)
        self.now = now
        self.phones: list[str] = []

    def make(self) -> list[VolunteerDraft]:
        drafts: list[VolunteerDraft] = []
        for community in self.ref.communities:
            drafts += self._xiyuan(community) if community.xiyuan else self._other(community)
        self._phones(drafts)
        for community in self.ref.communities:
            confirmed = sorted((d for d in drafts if d.community is community and d.confirmed_at is not None),
                               key=lambda d: d.confirmed_at)
            for seq, d in enumerate(confirmed, start=1):
                d.number = f"V{community.code}{seq:04d}"
        return drafts

    def _xiyuan(self, community: Community) -> list[VolunteerDraft]:
        rng = self.rng
        out = []
        for username, name, kind, employer, position, skills in STORY_VOLUNTEERS:
            d = self._draft(community, kind, state=RegistrationState.ACTIVE, early=True)
            d.name, d.employer, d.position, d.skills, d.username, d.story = name, employer, position, skills, \
                username, True
            d.weight = 2.5  # keen: the journeys find a history of claims and hours on their pages
            if kind == Kind.PARTY_MEMBER:
                d.offers = [Offer.SERVICE_POST, Offer.DONATION, Offer.PAIRING]
            out.append(d)
        out += [self._draft(community, Kind.PARTY_MEMBER, state=RegistrationState.ACTIVE, early=rng.random() < 0.8)
                for _ in range(XIYUAN_MEMBERS - 1)]
        out += [self._draft(community, kind, state=RegistrationState.APPLIED)
                for kind in (Kind.PARTY_MEMBER, Kind.PARTY_MEMBER, Kind.VOLUNTEER, Kind.PARTY_MEMBER)]
        rejected = self._draft(community, Kind.PARTY_MEMBER, state=RegistrationState.REJECTED)
        rejected.reason = texts.VOLUNTEER_REJECT_REASON
        left = self._draft(community, Kind.PARTY_MEMBER, state=RegistrationState.LEFT, early=True)
        left.reason = texts.VOLUNTEER_LEAVE_REASONS[0]
        return out + [rejected, left]

    def _other(self, community: Community) -> list[VolunteerDraft]:
        rng = self.rng
        out = [self._draft(community, Kind.PARTY_MEMBER if rng.random() < 0.45 else Kind.VOLUNTEER,
                           state=RegistrationState.ACTIVE, early=rng.random() < 0.75)
               for _ in range(rng.randint(*OTHER_RANGE))]
        if rng.random() < 0.5:
            out.append(self._draft(community, Kind.VOLUNTEER, state=RegistrationState.APPLIED))
        if rng.random() < 0.2:
            left = self._draft(community, Kind.VOLUNTEER, state=RegistrationState.LEFT, early=True)
            left.reason = rng.choice(texts.VOLUNTEER_LEAVE_REASONS)
            out.append(left)
        return out

    def _draft(self, community: Community, kind: str, *, state: str, early: bool = False) -> VolunteerDraft:
        rng = self.rng
        if kind == Kind.PARTY_MEMBER:
            employer, positions = rng.choice(texts.EMPLOYERS)
            position = rng.choice(positions)
        else:
            employer, position = rng.choice(texts.VOLUNTEER_EMPLOYERS), ""
        skills = [s for hint, s in texts.SKILL_HINTS.items() if hint in position][:1]
        for skill in rng.sample(texts.SKILLS, rng.randint(1, 3)):
            if skill not in skills:
                skills.append(skill)
        skills = skills[:3]
        offers = [Offer.SERVICE_POST] if kind == Kind.PARTY_MEMBER or rng.random() < 0.7 else []
        if rng.random() < 0.5:
            offers.append(Offer.DONATION)
        if rng.random() < (0.4 if kind == Kind.PARTY_MEMBER else 0.2):
            offers.append(Offer.PAIRING)
        offers = offers or [Offer.SERVICE_POST]
        availability = rng.sample([a.value for a in Availability], rng.choice((1, 1, 2)))
        if state == RegistrationState.APPLIED:
            applied = self.now - datetime.timedelta(days=rng.uniform(0.3, 6))
        elif state == RegistrationState.REJECTED:
            applied = self.now - datetime.timedelta(days=rng.uniform(20, 90))
        elif early:  # the reporting drive (在职党员进社区) a little over a year ago
            applied = self.now - datetime.timedelta(days=rng.uniform(372, 420))
        else:
            applied = self.now - datetime.timedelta(days=rng.uniform(20, 330))
        applied = applied.replace(hour=rng.randint(8, 21), minute=rng.randrange(60), second=0, microsecond=0)
        confirmed = None
        if state in (RegistrationState.ACTIVE, RegistrationState.LEFT):
            confirmed = (applied + datetime.timedelta(days=rng.randint(1, 3))).replace(
                hour=rng.randint(9, 16), minute=rng.randrange(60))
        return VolunteerDraft(community=community, name=self.names(), kind=kind, employer=employer,
                              position=position, skills=skills, offers=[str(o) for o in offers],
                              availability=availability, phone="", state=state, applied_at=applied,
                              confirmed_at=confirmed, weight=rng.lognormvariate(0, 0.7))

    def _phones(self, drafts: list[VolunteerDraft]) -> None:
        """A mobile each, unique among accounts and residents' phones (the user name is the phone)."""
        from doorstep.registry.models import Resident

        rng = self.rng
        taken = set(self.ref.taken_usernames)
        pending = list(drafts)
        while pending:
            for d in pending:
                while True:
                    phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
                    if phone not in taken:
                        break
                taken.add(phone)
                d.phone = phone
            indexes = {blind_index("phone", d.phone): d for d in pending}
            clashing = set(Resident.objects.filter(phone_index__in=list(indexes)).values_list("phone_index",
                                                                                              flat=True))
            pending = [d for key, d in indexes.items() if key in clashing]
