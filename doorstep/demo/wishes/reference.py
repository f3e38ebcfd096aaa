"""What the community's demo year reads from the district already built: the communities with their clerk (who
publishes, coordinates and confirms), the grid workers who collect wishes, the residents who may have one (story
families left out: their journeys need them as they are), the residents' accounts and each household's head. Every
query is ordered, so the draws that follow are the same for a seed."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.org.models import GridTeamMember, OrgNode
from doorstep.registry.models import Resident

XIYUAN = "西苑社区"  # issue #15's community of 113 members (the 4th community of the first street at every scale)


@dataclass
class Person:
    id: int
    household: int
    path: str
    name: str
    gender: str
    birth: datetime.date
    relation: str
    elderly_alone: bool
    disabled: bool
    low_income: bool

    def age(self, on: datetime.date) -> int:
        return on.year - self.birth.year - ((on.month, on.day) < (self.birth.month, self.birth.day))


@dataclass
class Community:
    id: int
    code: str
    name: str
    clerk: int
    residents: list[Person] = field(default_factory=list)

    @property
    def xiyuan(self) -> bool:
        return self.name == XIYUAN


class WishesReference:
    def __init__(self, *, district_code: str):
        User = get_user_model()
        self.district = district_code
        self.password = User.objects.filter(username="volunteer1").values_list("password", flat=True).first() or \
            User.objects.filter(username="admin").values_list("password", flat=True).first()
        clerks = dict(User.objects.filter(role="clerk", username__startswith="clerk_c", org_node__level="community")
                      .values_list("org_node_id", "id"))
        # a community without a station clerk (one an administrator added later) takes no part in the demo year
        self.communities = [Community(pk, code, name, clerks[pk]) for pk, code, name in OrgNode.objects.filter(
            level="community", code__startswith=district_code).order_by("code").values_list("id", "code", "name")
            if pk in clerks]
        by_code = {c.code: c for c in self.communities}
        self.governor = dict(GridTeamMember.objects.filter(team_role="governor", grid__code__startswith=district_code)
                             .order_by("grid__code", "id").values_list("grid__code", "user_id"))
        rows = (Resident.objects.filter(path__startswith=district_code, status="active")
                .exclude(household__number__startswith=STORY_HOUSEHOLD_PREFIX).order_by("id")
                .values_list("id", "household_id", "path", "name", "gender", "birth_date", "relation",
                             "is_elderly_alone", "is_disabled", "is_low_income"))
        self.heads: dict[int, str] = {}
        for row in rows:
            person = Person(*row)
            community = by_code.get(person.path[:12])
            if community is None or person.path not in self.governor:
                continue
            community.residents.append(person)
            if person.relation == "head":
                self.heads[person.household] = person.name
        # a household's first account (the one that posts and confirms for it)
        self.account: dict[int, int] = {}
        for household, user in (User.objects.filter(role="resident", resident__path__startswith=district_code)
                                .order_by("id").values_list("resident__household_id", "id")):
            self.account.setdefault(household, user)
        self.taken_usernames = set(User.objects.values_list("username", flat=True))
        self.taken_names = set(User.objects.values_list("full_name", flat=True))
        self.story_users = dict(User.objects.filter(username__in=["volunteer1", "volunteer2", "volunteer3"])
                                .values_list("username", "id"))

    def xiyuan(self) -> Community | None:
        return next((c for c in self.communities if c.xiyuan), None)
