"""The build entry: HallHistoryBuilder walks the year day by day and center by center (one random generator, in
that order: the year is the same for a seed), puts each open center-day together — its window cases, the visits
without a case, the floor, the queue, the bookings — and writes it; build_hall_history writes the year and today's
live hall in one transaction."""

import datetime
import math
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from doorstep.calendar.selectors import work_calendar
from doorstep.core.bulk import deferred_indexes
from doorstep.demo.build import _reset_sequences
from doorstep.demo.hall import curves
from doorstep.demo.hall.bookings import CANCEL_REASONS, BookingBook
from doorstep.demo.hall.floor import Floor, Ticket, lognormal_seconds
from doorstep.demo.hall.queue import DayQueue, Priorities
from doorstep.demo.hall.reference import HallReference
from doorstep.demo.hall.writing import Rows, open_writers, zone_offset
from doorstep.hall.models import Booking, BookingEvent, Slot, TicketCounter, TicketEvent, WindowSession
from doorstep.hall.models import Ticket as TicketRow
from doorstep.org.hours import hours_on

INQUIRY_SHARE = 0.15  # walk-ins who only asked something, against window cases (issue #14's figure)
NO_SHOW_TICKET_SHARE = 0.03  # tickets called, recalled and struck off
LEFT_SHARE = 0.015  # tickets whose holder left a long queue
TRANSFER_SHARE = 0.01  # window cases first called to a window that sent them on
BOOKING_SHARE = (0.85, 0.32)  # window visits that booked ahead: with a resident account, without
SERVICE_SHARE = 0.65  # the median time at the window against the item's service_minutes (which sizes its slots)
TARGET_LOAD = 0.8  # a center staffs enough windows to keep each about this busy (more open at a rush)
STANDARD_HOURS = ((510, 720), (840, 1050))  # an ordinary weekday, for the volume of days with other hours


@dataclass
class HallStats:
    tickets: int = 0
    bookings: int = 0
    slots: int = 0
    sessions: int = 0
    ticket_events: int = 0
    squeezed: int = 0
    late: int = 0
    live_tickets: int = 0
    live_bookings: int = 0


class HallHistoryBuilder:
    """Generates and writes the hall's year; deterministic for a seed (nothing here iterates over a set)."""

    def __init__(self, *, district_code: str, today: datetime.date, seed: int, progress=None):
        self.rng = random.Random(seed + 14)
        self.today = today
        self.progress = progress
        self.calendar = work_calendar()
        self.ref = HallReference(district_code=district_code, today=today, utc_offset=zone_offset(today))
        self.sampler = curves.MinuteSampler()
        self.standard_weight = self.sampler.weight(STANDARD_HOURS, False)
        self.book = BookingBook(self.rng, self.ref, calendar=self.calendar)
        self.out = Rows(open_writers(), today=today, utc_offset=zone_offset(today), items=self.ref.items,
                        policy=self.book.policy)
        self.priorities = Priorities(self.ref.rules)
        self.standard_rank = max((r.rank for r in self.ref.rules if r.basis == "standard"), default=99)
        self.stats = HallStats()

    def build(self) -> HallStats:
        start = self.today - datetime.timedelta(days=365)
        days = [start + datetime.timedelta(days=k) for k in range(365)]
        task = self.progress.add_task("大厅排队与预约", total=len(days)) if self.progress else None
        centers = [self.ref.centers[pk] for pk in sorted(self.ref.centers)]
        for k, day in enumerate(days):
            for center in centers:
                spans = [(o.hour * 3600 + o.minute * 60, c.hour * 3600 + c.minute * 60)
                         for o, c in hours_on(day, center.hours, self.calendar)]
                if spans:
                    self._center_day(center, day, spans)
            if k % 30 == 29:
                self.out.flush()
            if self.progress:
                self.progress.advance(task)
        self.out.flush()
        counts = self.out.counts
        self.stats.tickets, self.stats.bookings = counts["ticket"], counts["booking"]
        self.stats.slots, self.stats.sessions = counts["slot"], counts["session"]
        self.stats.ticket_events = counts["ticket_event"]
        return self.stats

    def _center_day(self, center, day: datetime.date, spans: list[tuple[int, int]]) -> None:
        rng, ref = self.rng, self.ref
        saturday = not self.calendar.is_working_day(day)
        factor = 1.0 if saturday else curves.day_factor(day, self.calendar.is_working_day)
        minutes = tuple((a // 60, b // 60) for a, b in spans)
        volume = self.sampler.weight(minutes, saturday) / self.standard_weight
        visits = ref.visits.get((center.id, day), [])
        durations = [lognormal_seconds(rng, ref.items[v.item][2] * SERVICE_SHARE, 0.4, 3, 40) for v in visits]
        if saturday:  # no case history on Saturdays: questions and pick-ups at the street centers
            asked = curves.poisson(rng, curves.SATURDAY_SHARE * center.base_per_day)
        else:
            asked = curves.poisson(rng, INQUIRY_SHARE * center.base_per_day * factor * volume)
        missed = curves.poisson(rng, NO_SHOW_TICKET_SHARE * center.base_per_day * factor * volume)
        open_seconds = sum(b - a for a, b in spans)
        busy = (sum(durations) + 60 * len(visits) + 240 * asked + 150 * missed) / open_seconds
        base = min(max(1, math.ceil(busy / TARGET_LOAD)), len(center.windows))
        floor = Floor(rng, spans=spans, windows=center.windows, clerks=center.clerks, base_windows=base)

        tickets = []
        for visit, duration in zip(visits, durations, strict=True):
            ticket = Ticket("case", visit=visit, applicant=visit.applicant, item=visit.item)
            ticket.served_by = visit.clerk
            ticket.wants_booking = rng.random() < BOOKING_SHARE[0 if visit.applicant in ref.account else 1]
            floor.place_case(ticket, duration=duration, clerk=visit.clerk)
            tickets.append(ticket)
        for ticket in tickets:
            if rng.random() < TRANSFER_SHARE:
                floor.place_transfer(ticket)
        walk_ins = []
        for kind, count in (("inquiry", asked), ("no_show", missed)):
            for _ in range(count):
                applicant = rng.choice(center.residents) if center.residents and rng.random() < 0.3 else None
                item = rng.choice(visits).item if visits and rng.random() < 0.5 else None
                ticket = Ticket(kind, applicant=applicant, item=item)
                ticket.state = "done" if kind == "inquiry" else "no_show"
                ticket.arrival = self.sampler.draw(rng, minutes, saturday)
                walk_ins.append(ticket)
        walk_ins.sort(key=lambda t: t.arrival)
        for ticket in walk_ins:
            if floor.place_walk_in(ticket, duration=lognormal_seconds(rng, 3.5, 0.5, 1, 12)):
                tickets.append(ticket)

        def wait_mean(secs: int) -> float:
            return curves.wait_mean_minutes(secs // 60, curves.SATURDAY_WAIT_FACTOR if saturday else factor,
                                            saturday=saturday)

        def book(ticket, lower, call, desired):
            return self.book.arrival(center, day, ticket, lower=lower, call=call, desired=desired)

        floor.freeze()
        queue = DayQueue(rng, floor, rules=self.priorities, ref=ref, day=day, wait_mean=wait_mean, book=book)
        queue.run(tickets)
        left = curves.poisson(rng, LEFT_SHARE * center.base_per_day * factor * volume)
        tickets += queue.left_before_their_turn(tickets, left, self.standard_rank)
        arrived = sum(1 for t in tickets if t.booking is not None)
        self.book.missed_and_cancelled(center, day, arrived=arrived, items=[v.item for v in visits])
        self._write_day(center, day, floor, tickets)

    def _write_day(self, center, day, floor: Floor, tickets) -> None:
        out, rng = self.out, self.rng
        day_slots = self.book.days.get((center.id, day))
        if day_slots is not None:
            out.slots(center.id, day, day_slots)
            for draft in self.book.drafts:
                if draft.state == "cancelled":
                    draft.note = rng.choice(CANCEL_REASONS)
                out.booking(draft, day_slots, rng, desk=center.clerks[0])
        self.book.drafts = []
        last = out.tickets(center, day, tickets, holders=floor.holder)
        out.counters(center.id, day, last)
        out.sessions(day, floor)
        self.stats.squeezed += floor.squeezed
        self.stats.late += floor.late


def build_hall_history(*, district_code: str, today: datetime.date, seed: int, progress=None,
                       now: datetime.datetime | None = None) -> HallStats:
    """Write the demo year of the service hall and today's live hall. Precondition: the demo district with its
    centers, windows, clerks, residents and the year of cases; no tickets or bookings yet. Returns the counts.
    Audit: one demo.hall event. Side effects: slots, bookings (with their slots and history), tickets (with their
    events for the last writing.EVENT_DAYS days), number counters and window sessions."""
    from doorstep.audit.services import audit_record
    from doorstep.demo.hall.today import build_live_hall

    models = [Slot, Booking, Booking.slots.through, BookingEvent, TicketRow, TicketEvent, TicketCounter,
              WindowSession]
    tables = [m._meta.db_table for m in models]
    # SQLite checks every row's foreign keys as it goes in (a ticket has ten): check them once at the end instead,
    # as the incident year does (PostgreSQL defers them to the commit anyway)
    with connection.constraint_checks_disabled(), transaction.atomic():
        builder = HallHistoryBuilder(district_code=district_code, today=today, seed=seed, progress=progress)
        with deferred_indexes(Slot, Booking, Booking.slots.through, BookingEvent, TicketRow, TicketEvent,
                              WindowSession):
            stats = builder.build()
        connection.check_constraints(table_names=tables)
        _reset_sequences(models)
        live = build_live_hall(builder, now=now or timezone.now())
        stats.live_tickets, stats.live_bookings = live
        audit_record(actor=None, actor_label="doorstep demo", action="demo.hall",
                     summary={"tickets": stats.tickets, "bookings": stats.bookings, "slots": stats.slots,
                              "sessions": stats.sessions, "squeezed": stats.squeezed, "late": stats.late,
                              "live_tickets": live[0], "live_bookings": live[1]})
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return stats
