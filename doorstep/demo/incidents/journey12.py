"""Journey 12: Auntie Zhang's 低保 stops when her daughter's salary lifts the household above the standard (the
eligibility re-check flags her household); her grid worker records the follow-up help — a job lead for her son — as
a 民政 matter handled on the spot, verified, closed and followed up."""

import datetime
from collections import defaultdict

from doorstep.demo.incidents.arrivals import Head
from doorstep.demo.incidents.loop import Life
from doorstep.demo.people import STORY_HOUSEHOLD_PREFIX
from doorstep.registry.models import Resident


class Journey12:
    """Auntie Zhang's report and its way (IncidentHistoryBuilder's part)."""

    def auntie_zhang(self) -> Head | None:
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
        for row in Resident.objects.filter(household_id__in=set(households), status="active").order_by("id").values_list(
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

    def _zhang_head(self, auntie, son, building) -> Head | None:
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
        head = Head(at=at, channel="grid", code="SQ0303", building=self._building(building), street=grid[:9],
                     reporter_user=worker, reporter_resident=auntie[0], submitted_by=worker, text=text,
                     special="zhang")
        head.son = son_name
        return head

    def _special(self, life: Life, head: Head, cat) -> None:
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
