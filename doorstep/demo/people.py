"""Synthetic people for the demo district: households of 1-6 with realistic ages and relations, Chinese names from
Faker's zh_CN lists, ID numbers with valid check digits that agree with birth date and gender, unique phones,
and flags (elderly living alone, disabled, low-income, migrant, party member, veteran). Pure Python, seeded.

Locals of every age carry the district's own code (430302), which dates from 1984: the code is where the number was
issued, so everyone born before 1984 holds a code younger than they are, as in life. The real input the registry
must take is represented too, from an RNG of its own (so the rest of the district stays as it was): migrants with
dotted names (买买提·艾力), a few with 港澳台居民居住证 or 外国人永久居留身份证 numbers, and elderly residents whose
only phone is a landline with its area code."""

import datetime
import random
from dataclasses import dataclass, field

from faker.providers.person.zh_CN import Provider as ZhNames
from stdnum import numdb

from doorstep.core.idnumbers import Document, complete_id_number, parse_document
from doorstep.demo.layout import DISTRICT_CODE

HOUSEHOLD_SIZE_WEIGHTS = [0.22, 0.31, 0.23, 0.13, 0.08, 0.03]  # sizes 1..6, mean ≈ 2.6
# Mobile prefixes (号段) in service, every number under them valid in libphonenumber's metadata (core.phones):
# a number drawn under an unassigned prefix (194…, 179…) is no phone, and a search by it finds nobody.
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + ["145", "147", "150", "151", "152", "153", "155", "156", "157",
                   "158", "159", "166", "173", "175", "176", "177", "178"] + [f"18{d}" for d in range(10)] + [
                   "191", "193", "195", "196", "197", "198", "199"]
AREA_CODE = "0731"  # 湘潭's telephone area code: the demo's landlines
# Names written with the middle dot (Uyghur and transliterated names), given to some migrant residents.
DOTTED_NAMES = {"M": ["买买提·艾力", "艾合买提·吐尔逊", "阿卜杜拉·肉孜", "库尔班·依明", "约翰·史密斯"],
                "F": ["阿依古丽·买买提", "古丽米拉·艾则孜", "热依拉·吐尔洪", "帕提古丽·阿不都", "玛丽亚·冈萨雷斯"]}
HMT_SHARE = 0.02  # of migrants: 港澳台居民居住证 holders
FOREIGN_SHARE = 0.01  # of migrants: 外国人永久居留身份证 (2023) holders; nationality 840 (US), 392 (JP), 410 (KR)
DOTTED_SHARE = 0.04
LANDLINE_SHARE = 0.35  # of residents 75 and over: their only phone is the landline at home
MIGRANT_CODES = ["430100", "110101", "420106", "360902", "330381", "360802", "330102", "440305", "510104",
                 "320102", "410102", "430381", "430382", "450102", "350102", "370102"]
EMPLOYERS = ["湘潭钢铁集团", "雨湖区人民医院", "湘潭大学", "江麓机电", "步步高商业", "中国移动湘潭分公司",
             "个体经营", "湘潭市第一中学", "韶山南路小学", "湘潭电机", "城发集团", "社区卫生服务中心"]

_SURNAMES = list(ZhNames.last_names.keys())
_SURNAME_WEIGHTS = list(ZhNames.last_names.values())
_MALE = list(ZhNames.first_names_male)
_FEMALE = list(ZhNames.first_names_female)
_MALE_CHARS = sorted({c for n in _MALE for c in n})
_FEMALE_CHARS = sorted({c for n in _FEMALE for c in n})


def _valid_years(code: str) -> tuple[int, int]:
    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    county = info.get("county", "")
    if not county.startswith("["):
        return 0, 9999
    start, end = county[1:].split("]")[0].split("-")
    return int(start or 0), int(end or 9999)


_CODE_YEARS = {c: _valid_years(c) for c in MIGRANT_CODES}


@dataclass
class Person:
    name: str
    gender: str
    birth_date: datetime.date
    document: Document
    phone: str
    relation: str
    flags: dict = field(default_factory=dict)
    employer: str = ""
    income: tuple[str, int] | None = None  # (kind, yearly yuan)


class PeopleFactory:
    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.variety = random.Random(20181)  # the real-input variety, apart from `rng`

    def given_name(self, gender: str) -> str:
        rng = self.rng
        if rng.random() < 0.45:
            return rng.choice(_MALE if gender == "M" else _FEMALE)
        chars = _MALE_CHARS if gender == "M" else _FEMALE_CHARS
        return rng.choice(chars) + rng.choice(chars)

    def surname(self) -> str:
        return self.rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]

    def birth_date(self, age: int) -> datetime.date:
        year = self.today.year - age
        start = datetime.date(year - 1, self.today.month, min(self.today.day, 28)) + datetime.timedelta(days=1)
        return start + datetime.timedelta(days=self.rng.randrange(364))

    def id_number(self, birth: datetime.date, gender: str, migrant: bool) -> str:
        """A 居民身份证 number: a migrant's from another county valid at birth, a local's from the district."""
        rng = self.rng
        if migrant:
            candidates = [c for c in MIGRANT_CODES if _CODE_YEARS[c][0] <= birth.year <= _CODE_YEARS[c][1]]
            region = rng.choice(candidates)
        else:
            region = DISTRICT_CODE
        return self._unique(region, birth, gender, rng)

    def _unique(self, region: str, birth: datetime.date, gender: str, rng: random.Random) -> str:
        while True:
            seq = rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return complete_id_number(first17)

    def document(self, birth: datetime.date, gender: str, migrant: bool) -> Document:
        number = self.id_number(birth, gender, migrant)
        draw = self.variety.random() if migrant else 1.0
        if draw < HMT_SHARE:
            number = self._unique(self.variety.choice(["810000", "820000", "830000"]), birth, gender, self.variety)
        elif draw < HMT_SHARE + FOREIGN_SHARE:
            code = "9" + DISTRICT_CODE[:2] + self.variety.choice(["840", "392", "410"])
            number = self._unique(code, birth, gender, self.variety)
        return parse_document(number, today=self.today)

    def landline(self) -> str:
        while True:
            phone = f"{AREA_CODE}5{self.variety.randrange(10**7):07d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def phone(self) -> str:
        rng = self.rng
        while True:
            phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def person(self, *, surname: str, gender: str, age: int, relation: str, migrant: bool) -> Person:
        rng = self.rng
        birth = self.birth_date(age)
        name = surname + self.given_name(gender)
        if migrant and self.variety.random() < DOTTED_SHARE:
            name = self.variety.choice(DOTTED_NAMES[gender])
        p = Person(
            name=name, gender=gender, birth_date=birth,
            document=self.document(birth, gender, migrant),
            phone=self.phone() if age >= 16 and rng.random() < 0.9 else "",
            relation=relation,
            flags={
                "is_migrant": migrant,
                "is_disabled": rng.random() < 0.02,
                "is_party_member": age >= 18 and rng.random() < 0.08,
                "is_veteran": gender == "M" and age >= 25 and rng.random() < 0.03,
                "is_elderly_alone": False,
                "is_low_income": False,
            },
        )
        if age >= 75 and self.variety.random() < LANDLINE_SHARE:
            p.phone = self.landline()
        if 18 <= age < 60 and rng.random() < 0.75:
            p.employer = rng.choice(EMPLOYERS)
            p.income = ("wage", rng.randrange(24_000, 150_000, 100))
        elif age >= 60 and rng.random() < 0.85:
            p.income = ("pension", rng.randrange(12_000, 60_000, 100))
        return p

    def household(self) -> list[Person]:
        rng = self.rng
        size = rng.choices(range(1, 7), weights=HOUSEHOLD_SIZE_WEIGHTS)[0]
        migrant = rng.random() < 0.10
        head_gender = "M" if rng.random() < 0.7 else "F"
        head_age = rng.randint(22, 60) if size >= 3 else rng.choices(
            [rng.randint(22, 40), rng.randint(41, 64), rng.randint(65, 92)], weights=[0.35, 0.3, 0.35])[0]
        family = self.surname()
        head = self.person(surname=family, gender=head_gender, age=head_age, relation="head", migrant=migrant)
        members = [head]
        if size >= 2:
            if rng.random() < 0.85 or size == 2:
                spouse_gender = "F" if head_gender == "M" else "M"
                spouse_age = max(20, head_age + rng.randint(-5, 5))
                members.append(self.person(surname=self.surname(), gender=spouse_gender, age=spouse_age,
                                           relation="spouse", migrant=migrant))
        parent_slots = 2 if size >= 5 and head_age <= 55 else 0
        while len(members) < size:
            if parent_slots and rng.random() < 0.5:
                parent_slots -= 1
                age = min(98, head_age + rng.randint(22, 32))
                members.append(self.person(surname=self.surname() if rng.random() < 0.5 else family,
                                           gender=rng.choice("MF"), age=age, relation="parent", migrant=migrant))
            elif head_age >= 58:
                age = max(0, head_age - rng.randint(45, 60))
                members.append(self.person(surname=family, gender=rng.choice("MF"), age=age,
                                           relation="grandchild", migrant=migrant))
            else:
                age = max(0, head_age - rng.randint(22, 35))
                members.append(self.person(surname=family, gender=rng.choice("MF"), age=age, relation="child",
                                           migrant=migrant))
        if size == 1 and head_age >= 65:
            head.flags["is_elderly_alone"] = True
        if rng.random() < 0.015:
            for m in members:
                m.flags["is_low_income"] = True
                if m.income:
                    m.income = (m.income[0], rng.randrange(3_000, 9_000, 100))
        return members


# 户号: the number the household registration office gives a household, printed on the first page of its 居民户口簿:
# nine digits, unique, not a sequence a stranger could walk. Demo households get theirs from an affine map of the
# row id modulo 800,000,000 (the multiplier 3**18 shares no factor with it, so distinct ids give distinct numbers)
# into 100000000-899999999; numbers beginning with 9 are kept for the story families of STORIES.md.
HOUSEHOLD_NUMBER_SPAN = 800_000_000
HOUSEHOLD_NUMBER_STEP = 3**18
HOUSEHOLD_NUMBER_OFFSET = 271_828_182
STORY_HOUSEHOLD_PREFIX = "9"


def household_number(row_id: int) -> str:
    """The demo 户号 of the household with this row id (1 ≤ row_id < 800,000,000): nine digits, 1xxxxxxxx-8xxxxxxxx."""
    return str(100_000_000 + (row_id * HOUSEHOLD_NUMBER_STEP + HOUSEHOLD_NUMBER_OFFSET) % HOUSEHOLD_NUMBER_SPAN)


def story_household_number(community_code: str, family_index: int) -> str:
    """The 户号 of a story family's household: 9, the community's last five digits, the family's three."""
    return f"{STORY_HOUSEHOLD_PREFIX}{community_code[-5:]}{family_index:03d}"


class StaffNames:
    """Names for staff accounts (window clerks, approvers, grid teams, supervisors …): people, not posts. Unique
    among the demo's staff and the names STORIES.md gives; seeded apart from the residents, so naming staff does not
    change who lives where."""

    def __init__(self, rng: random.Random, *, taken=()):
        self.factory = PeopleFactory(rng, datetime.date(2000, 1, 1))
        self.taken = set(taken)

    def __call__(self) -> str:
        while True:
            gender = self.factory.rng.choice("MF")
            name = self.factory.surname() + self.factory.given_name(gender)
            if name not in self.taken:
                self.taken.add(name)
                return name
