"""Writing the hall's year in bulk (demo.build.BulkWriter: explicit ids, executemany on SQLite, COPY on
PostgreSQL): slots, bookings with their slots and history, tickets numbered per center, day and prefix in issue
order, their events (the board's feed), the number counters and the windows' sessions.

Events are kept for the last EVENT_DAYS days only: at district scale the year's tickets would bring some two and a
half million event rows, and what the pages read from events (the board's feed, a ticket's or booking's history) is
recent; older tickets and bookings keep every time in their own fields."""

import datetime

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext

from doorstep.demo.build import BulkWriter
from doorstep.demo.hall.curves import between
from doorstep.hall.models import (
    Booking,
    BookingEvent,
    Slot,
    Ticket,
    TicketCounter,
    TicketEvent,
    WindowSession,
)

EVENT_DAYS = 30
CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


def open_writers() -> dict[str, BulkWriter]:
    return {
        "slot": BulkWriter(Slot, ["id", "center_id", "day", "starts_at", "ends_at", "pool", "capacity", "booked"]),
        "booking": BulkWriter(Booking, [
            "id", "code", "center_id", "item_id", "applicant_id", "applicant_path", "booked_by_id", "channel", "day",
            "starts_at", "ends_at", "pool", "state", "created_at", "changed_at", "reschedules",
            "reminded_day_before_at", "reminded_soon_at"]),
        "booking_slot": BulkWriter(Booking.slots.through, ["id", "booking_id", "slot_id"]),
        "booking_event": BulkWriter(BookingEvent, ["id", "booking_id", "action", "actor_id", "at", "note"]),
        "ticket": BulkWriter(Ticket, [
            "id", "center_id", "day", "prefix", "seq", "booking_id", "item_id", "pool", "applicant_id",
            "priority_rank", "priority_rule_id", "state", "window_id", "target_window_id", "issued_by_id",
            "issued_at", "queued_at", "called_at", "started_at", "finished_at", "recalls", "transfers",
            "served_by_id", "case_id"]),
        "ticket_event": BulkWriter(TicketEvent, ["id", "center_id", "ticket_id", "action", "window_id", "actor_id",
                                                "at", "note"]),
        "counter": BulkWriter(TicketCounter, ["id", "center_id", "day", "prefix", "last"]),
        "session": BulkWriter(WindowSession, ["id", "window_id", "user_id", "opened_at", "closed_at", "paused_at",
                                              "pause_reason", "paused_seconds"]),
    }


class Rows:
    """Turns the simulation's records into rows; `db` converts a naive local datetime to what the database takes."""

    def __init__(self, writers, *, today: datetime.date, utc_offset: datetime.timedelta, items, policy):
        self.w = writers
        self.rows: dict[str, list] = {name: [] for name in writers}
        self.today = today
        self.events_from = today - datetime.timedelta(days=EVENT_DAYS)
        self.utc_offset = utc_offset
        self.offset_secs = int(utc_offset.total_seconds())
        self.prefixes: dict[datetime.date, str] = {}
        self.sqlite = connection.vendor == "sqlite"
        self.items = items
        self.policy = policy
        self.counts: dict[str, int] = {name: 0 for name in writers}

    def db(self, value: datetime.datetime | None):
        """A naive local datetime for the database (through at()'s quick path when it can)."""
        if value is None:
            return None
        secs = value.hour * 3600 + value.minute * 60 + value.second
        if self.sqlite and not value.microsecond and 0 <= secs - self.offset_secs < 86400:
            return self.at(value.date(), secs)
        utc = value - self.utc_offset
        return utc.isoformat(" ") if self.sqlite else utc.replace(tzinfo=datetime.UTC)

    def at(self, day: datetime.date, secs: int | None):
        """`secs` after local midnight of `day`, for the database. The hot path of the load (millions of calls):
        on SQLite, text put together from the UTC date and a table of the day's clock times when the moment falls
        on the same UTC day."""
        if secs is None:
            return None
        utc = secs - self.offset_secs
        if self.sqlite and 0 <= utc < 86400:
            prefix = self.prefixes.get(day)
            if prefix is None:
                prefix = self.prefixes[day] = day.isoformat() + " "
            return prefix + CLOCK[utc]
        utc_moment = datetime.datetime(day.year, day.month, day.day) + datetime.timedelta(seconds=utc)
        return utc_moment.isoformat(" ") if self.sqlite else utc_moment.replace(tzinfo=datetime.UTC)

    def flush(self) -> None:
        for name in ("slot", "booking", "booking_slot", "booking_event", "ticket", "ticket_event", "counter",
                     "session"):
            rows = self.rows[name]
            self.counts[name] += len(rows)
            self.w[name].write(rows)
            self.rows[name] = []

    # -- slots and bookings --------------------------------------------------------------------------------------
    def slots(self, center_id: int, day: datetime.date, day_slots) -> None:
        writer = self.w["slot"]
        day_slots.ids = []
        for (start, end), booked in zip(day_slots.periods, day_slots.booked, strict=True):
            pk = writer.take_id()
            day_slots.ids.append(pk)
            self.rows["slot"].append((pk, center_id, day, self.at(day, start), self.at(day, end), "",
                                      day_slots.capacity, booked))

    def booking(self, draft, day_slots, rng, *, desk: int) -> None:
        day = draft.day
        midnight = datetime.datetime(day.year, day.month, day.day)
        starts = midnight + datetime.timedelta(seconds=day_slots.periods[draft.first][0])
        ends = midnight + datetime.timedelta(seconds=day_slots.periods[draft.first + draft.n - 1][1])
        created = min(draft.created, starts - datetime.timedelta(minutes=5))
        if draft.state == "arrived":
            changed = midnight + datetime.timedelta(seconds=draft.ticket.issued)
        elif draft.state == "cancelled":
            room = max(int((starts - created).total_seconds()) - 600, 60)
            changed = created + datetime.timedelta(seconds=between(rng, 60, room + 61))
        else:  # the no-show sweep runs every ten minutes once the late grace is over
            changed = ends + datetime.timedelta(minutes=self.policy.on_time_late_minutes,
                                                seconds=between(rng, 0, 600))
        before = midnight - datetime.timedelta(hours=6)  # the day before at 18:00
        soon = starts - datetime.timedelta(minutes=self.policy.remind_minutes)
        still = ends if draft.state == "no_show" else changed  # no reminder after a check-in or a cancel
        reminded = self.db(before) if created < before < still else None
        reminded_soon = self.db(soon) if created < soon < still else None
        draft.id = self.w["booking"].take_id()
        self.rows["booking"].append((
            draft.id, draft.code, draft.center.id, draft.item, draft.applicant, draft.path, draft.booked_by,
            draft.channel, day, self.db(starts), self.db(ends), "", draft.state, self.db(created), self.db(changed),
            0, reminded, reminded_soon))
        for k in range(draft.first, draft.first + draft.n):
            self.rows["booking_slot"].append((self.w["booking_slot"].take_id(), draft.id, day_slots.ids[k]))
        if day < self.events_from:
            return
        events = self.rows["booking_event"]
        take = self.w["booking_event"].take_id
        events.append((take(), draft.id, "book", draft.booked_by, self.db(created), ""))
        if draft.state == "arrived":
            events.append((take(), draft.id, "check_in", desk, self.db(changed), ""))
        elif draft.state == "cancelled":
            events.append((take(), draft.id, "cancel", draft.booked_by, self.db(changed), draft.note or ""))
        else:
            events.append((take(), draft.id, "mark_no_show", None, self.db(changed), ""))

    # -- tickets ---------------------------------------------------------------------------------------------
    def tickets(self, center, day: datetime.date, tickets, *, holders: dict[int, int]) -> dict[str, int]:
        """Number the day's tickets per prefix in issue order and write them; returns the last number per prefix."""
        last: dict[str, int] = {}
        for ticket in sorted(tickets, key=lambda t: (t.issued, t.call if t.call is not None else 0, t.prefix)):
            last[ticket.prefix] = ticket.seq = last.get(ticket.prefix, 0) + 1
        desk = center.clerks[0]
        at = self.at
        with_events = day >= self.events_from
        for ticket in tickets:
            pk = self.w["ticket"].take_id()
            item = ticket.item
            pool = self.items[item][1] if item else ""
            case = ticket.visit.case_id if ticket.visit else None
            booking = ticket.booking.id if ticket.booking is not None else None
            called = ticket.call
            if ticket.kind == "no_show":
                recalls = [called + 60 + k * 45 for k in range(ticket.recalls)]
                called = recalls[-1] if recalls else called
            issued = at(day, ticket.issued)  # queued then too: a transfer keeps its place in the queue
            self.rows["ticket"].append((
                pk, center.id, day, ticket.prefix, ticket.seq, booking, item, pool, ticket.applicant, ticket.rank,
                ticket.rule.id if ticket.rule else None, ticket.state, ticket.window, None, desk,
                issued, issued, at(day, called), at(day, ticket.start),
                at(day, ticket.finish), ticket.recalls, 1 if ticket.first_call is not None else 0, ticket.served_by,
                case))
            if with_events:
                self._events(pk, center, day, ticket, desk, holders)
        return last

    def _events(self, pk: int, center, day: datetime.date, ticket, desk: int, holders: dict[int, int]) -> None:
        take = self.w["ticket_event"].take_id
        rows = self.rows["ticket_event"]
        at = self.at

        def event(action, window, actor, secs, note=""):
            rows.append((take(), center.id, pk, action, window, actor, at(day, secs), note))

        event("issue", None, desk, ticket.issued)
        if ticket.kind == "cancelled":
            event("cancel", None, desk, ticket.finish)
            return
        if ticket.first_call is not None:
            first = ticket.first_window
            event("call", first, holders[first], ticket.first_call)
            label = gettext("{center} {number}号窗口").format(center=center.name, number=center.numbers[ticket.window])
            event("transfer", first, holders[first], ticket.transfer_at, label)
        event("call", ticket.window, ticket.served_by, ticket.call)
        if ticket.kind == "no_show":
            for k in range(ticket.recalls):
                event("recall", ticket.window, ticket.served_by, ticket.call + 60 + k * 45)
            event("skip", ticket.window, ticket.served_by, ticket.finish)
            return
        event("start", ticket.window, ticket.served_by, ticket.start)
        event("finish", ticket.window, ticket.served_by, ticket.finish)

    def counters(self, center_id: int, day: datetime.date, last: dict[str, int]) -> None:
        for prefix in sorted(last):
            self.rows["counter"].append((self.w["counter"].take_id(), center_id, day, prefix, last[prefix]))

    def sessions(self, day: datetime.date, floor) -> None:
        for w in floor.windows:
            for opened, closed in floor.closed_sessions(w):
                self.rows["session"].append((self.w["session"].take_id(), w, floor.holder[w], self.at(day, opened),
                                             self.at(day, closed), None, "", 0))


def zone_offset(today: datetime.date) -> datetime.timedelta:
    """Beijing's offset from UTC (one offset all year since 1991: one conversion for every demo time)."""
    import zoneinfo

    return datetime.datetime(today.year, 1, 1, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
