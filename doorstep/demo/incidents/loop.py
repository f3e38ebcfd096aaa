"""One report's way through the loop, as the services would take it: registered, dismissed or merged, handled on the
spot and verified, closed, rated or followed up, reopened, archived — each step at a moment in working time (urgent
matters at any hour), cut at now. The departments' part (dispatch, acceptance, handling) is in orders.py."""

import datetime

from django.conf import settings

from doorstep.demo import incident_texts as words
from doorstep.demo.incidents.arrivals import Head
from doorstep.demo.incidents.texts import Slots
from doorstep.incidents.workflow import TRANSITIONS, Action, State

# the loop's table as plain strings: (state, action) → the state after it
_TARGET = {(str(state), str(action)): str(t.target) for (state, action), t in TRANSITIONS.items()}
_ACTIONS = frozenset(str(a) for a in Action)


class Stop(Exception):
    """The simulation of one report reached now, or the state it is held in."""


class Life:
    """One report's way through the loop: its fields as they stand and the rows it writes."""

    def __init__(self, head: Head, pk: int, now: datetime.datetime):
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
            raise Stop
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
            raise Stop

    def active_orders(self) -> list[dict]:
        return [o for o in self.orders if o["state"] in ("sent", "accepted", "done")]

    def lead(self) -> dict | None:
        return next((o for o in self.active_orders() if o["role"] == "lead"), None)


class Loop:
    """Simulates each report through the loop (IncidentHistoryBuilder's part)."""

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

    # -- the loop -------------------------------------------------------------------------------------------------
    def _center(self, head: Head) -> int:
        street = self.street_dispatcher.get(head.street)
        return street if street and self.rng.random() < 0.8 else self.dispatcher

    def _urgent(self, cat) -> bool:
        return cat["priority"] == "urgent"

    def _take_on(self, life: Life, cat, after: datetime.datetime, low=3, high=90) -> datetime.datetime:
        """When the command center takes the next step: at once for urgent matters, else in working time."""
        if self._urgent(cat):
            return after + datetime.timedelta(minutes=self.rng.uniform(3, 25))
        return self._work(after, low, high)

    def simulate(self, head: Head, pk: int) -> Life:
        rng = self.rng
        life = Life(head, pk, self.now)
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
                raise Stop
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
        except Stop:
            pass
        return life

    def _register(self, life: Life, head: Head, cat, hold) -> bool:
        """立案, or the report ends here: dismissed or merged. True when it ended."""
        rng = self.rng
        center = self._center(head)
        at = life.at(self._take_on(life, cat, head.at))
        target = head.duplicate_of.life if head.duplicate_of is not None else None
        # merged only into a report that is still open then (incident_merge refuses a dismissed, merged or archived
        # one: a dismissal archived later ends ARCHIVED, hence the reason's check) and that carries the category the
        # duplicate is filed under (a resident's report left uncategorised and never registered does not)
        mergeable = target is not None and target.state not in (State.DISMISSED, State.MERGED) and (
            not target.f["dismiss_reason"] and target.f["category"] is not None) and (
            target.f["archived_at"] is None or target.f["archived_at"] > at)
        if mergeable and rng.random() < 0.9 and hold is None:
            if rng.random() < 0.3:  # taken on first, merged when the duplicate is noticed
                self._registered(life, cat, at, center)
                at = life.at(self._work(at, 5, 120))
            life.f["merged_into"] = target.pk
            life.log("merge", at, center, data={"into": head.duplicate_of.number, "moved": 0})
            return True
        dismiss = 0.01 if head.channel == "grid" else 0.045
        if hold == State.DISMISSED or (hold is None and rng.random() < dismiss):
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

    def _registered(self, life: Life, cat, at, center) -> None:
        tier = cat["default_tier"]
        if tier == "front_line" and life.head.channel != "grid" and self.rng.random() < 0.4:
            tier = "dispatch"  # a resident's report of a small matter, sent to the department
        if life.head.duplicate_of is not None and tier == "front_line":
            tier = "dispatch"
        life.f.update(category=cat["id"], tier=tier, priority=cat["priority"], registered_at=at)
        life.log("register", at, center, data={"category": cat["code"], "tier": tier})

    def _on_spot(self, life: Life, cat, minutes: float, *, working: bool = False) -> None:
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

    def _verification(self, life: Life, verifier: int, at, *, passed: bool) -> None:
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

    def _close_and_after(self, life: Life, head: Head, cat) -> None:
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

    def _rate(self, life: Life, head: Head, closed, solved: bool) -> int | None:
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

    def _reopen(self, life: Life, head: Head, when) -> None:
        at = life.at(when)
        reason = self.rng.choice(words.REOPEN_REASONS)
        actor = head.reporter_user if head.channel == "resident" and self.rng.random() < 0.7 else (
            head.reporter_user if head.channel == "grid" else self._center(head))
        for order in life.active_orders():  # as services.center.incident_reopen: answers stay answers
            order["state"] = "superseded" if order["state"] == "done" else "cancelled"
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
            slots = Slots()
            slots.rng = rng
            note = self.text._fill(rng.choice(entry["fix"]), slots)
        else:
            note = "已处理完毕"
        return note + rng.choice(("", "", "。", "，已电话告知反映人。", "，现场已拍照。"))
