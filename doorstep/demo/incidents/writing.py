"""Writing the year in bulk (like the rest of the demo: demo.build.BulkWriter, one statement a few thousand rows):
incidents with their orders, history, verifications, meetings, extensions, escalations, ratings and dispatch
decisions; orders that ran past their deadline carry the marks and escalations the supervision sweep would have
given them."""

import datetime
import json

from django.conf import settings

from doorstep.core.crypto import blind_index, decrypt, encrypt
from doorstep.demo.build import BulkWriter
from doorstep.demo.incidents.loop import Life
from doorstep.incidents.models import (
    DispatchDecision,
    DispatchOrder,
    Escalation,
    ExtensionRequest,
    Incident,
    IncidentHistory,
    IncidentRating,
    Meeting,
    Verification,
)
from doorstep.incidents.workflow import State

DUE_SOON_SECONDS = settings.DOORSTEP_INCIDENT_DUE_SOON_HOURS * 3600
_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps with options makes one per call


def flat_json(data: dict) -> str:
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


def open_writers() -> dict[str, BulkWriter]:
    """A bulk writer per table the demo year fills, with the columns it writes."""
    return {
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


class Writer:
    """The rows of each simulated report, flushed in batches (IncidentHistoryBuilder's part)."""

    def _marks(self, life: Life) -> None:
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

    def write(self, life: Life) -> None:
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
                                         order, db(at), note, flat_json(data) if data else "{}"))
        self.stats.incidents += 1
        self.stats.by_state[str(life.state)] += 1
        self.stats.by_channel[head.channel] += 1

    def _caller_phone(self, resident_id: int) -> str:
        return decrypt(self.caller_phones[resident_id])

    def flush(self) -> None:
        for name in ("incident", "order", "history", "decision", "verification", "meeting", "extension",
                     "escalation", "rating"):
            rows = self.rows.pop(name, [])
            self.w[name].write(rows)
            if name == "decision":
                self.stats.decisions += len(rows)
            if name == "rating":
                self.stats.ratings += len(rows)
