"""The departments' part of a report's way: a meeting first for meeting-tier categories, dispatch (co-departments
for a whistle, each with its part), a return to the dispatcher and re-dispatch, acceptance, extensions asked and
decided, handling (some late, some unsolvable or untrue), verification on site or rework."""

import datetime

from doorstep.demo import incident_texts as words
from doorstep.demo.incidents.arrivals import Head
from doorstep.demo.incidents.loop import Life

# the extension requests decided by which at least one was refused (a quarter are, drawn; a small year may draw none)
REFUSED_BY = 8
# what the departments' co-orders (协办) are asked to do in a whistle
CO_PARTS = {"公安": "维护现场秩序，依法处置阻挠执法行为", "物业": "配合入户核查和现场管理", "水务": "排查地下供排水管线",
            "供电": "断电及电力设施排查", "应急": "消防安全检查和隐患排查", "城管": "拆除违建、清理现场",
            "市场监管": "核查经营资质", "交通": "道路围挡和交通疏导"}


class Orders:
    """Dispatch and the departments' orders (IncidentHistoryBuilder's part)."""

    def _dispatch_round(self, life: Life, head: Head, cat, *, slow: bool = False) -> None:
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

    def _dispatch(self, life: Life, cat, lead: str, at, center, *, co: bool) -> None:
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
        self.extensions_decided += 1
        if approve and not self.extensions_refused and self.extensions_decided >= REFUSED_BY:
            approve = False  # a small year may draw approvals only: the chief's refusal belongs in the demo too
        self.extensions_refused += not approve
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

    def _handle(self, life: Life, head: Head, cat, order, department, done) -> None:
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

    def _verifier(self, head: Head) -> int:
        grid = head.building[2]
        if self.rng.random() < 0.45 and self.governor.get(grid):
            return self.governor[grid]
        return self.supervisor.get(grid[:12]) or self.governor.get(grid)
