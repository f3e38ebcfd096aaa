"""Today's live hall, so that a demo opened now has a hall in motion: at the first street's center and one
community station (the first street's third: the hall's own tests drive 展览桥 and watch 金地花园), when the center
is open at the moment the demo is built, a few people served earlier, one at a window being served, one just called,
a few waiting, and the windows' sessions open (each held by one of the center's clerks: a person holds one window);
bookings for later today and the coming days within the release horizon at both; and journey 1's booking: 谢小波's
second-child birth registration at 展览桥 on the next afternoon it is open.

Nothing is made for a day after today except bookings and their slots (no ticket, no counter), and slots only for
the days that get a booking, whole, as slots_release would cut them."""

import datetime
import zoneinfo

from django.conf import settings

from doorstep.accounts.models import User
from doorstep.demo.hall.queue import priority
from doorstep.hall.models import (
    Booking,
    BookingEvent,
    Slot,
    Ticket,
    TicketCounter,
    TicketEvent,
    WindowSession,
)
from doorstep.hall.services.slots import periods_on, released_until
from doorstep.org.hours import hours_on
from doorstep.registry.models import Resident

STORY_ITEM = "WJ-C02"  # 二孩生育登记: journey 1
STORY_PHONE = "13800000001"  # 谢小波's login
BOOKINGS_AHEAD = {True: 6, False: 3}  # bookings per coming day: street center, station
DAYS_AHEAD = 2  # the coming days (with hours) that get bookings, after today


def build_live_hall(builder, *, now: datetime.datetime) -> tuple[int, int]:
    """Write today's live hall. Returns (tickets, bookings) made."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    live = _Live(builder, now.astimezone(zone), zone)
    return live.build()


class _Live:
    def __init__(self, builder, now: datetime.datetime, zone):
        self.b = builder
        self.ref = builder.ref
        self.rng = builder.rng
        self.now = now
        self.zone = zone
        self.today = now.date()
        self.policy = builder.book.policy
        self.tickets = self.bookings = 0

    def at(self, day: datetime.date, secs: int) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, tzinfo=self.zone) + datetime.timedelta(seconds=secs)

    def secs_now(self) -> int:
        return self.now.hour * 3600 + self.now.minute * 60 + self.now.second

    def build(self) -> tuple[int, int]:
        code = self.ref.district_code
        street = self.ref.center_by_node.get(f"{code}001")
        station = self.ref.center_by_node.get(f"{code}001003")
        for center in (found for found in (street, station) if found is not None):
            spans = [(opens.hour * 3600 + opens.minute * 60, closes.hour * 3600 + closes.minute * 60)
                     for opens, closes in hours_on(self.today, center.hours, self.b.calendar)]
            # (a `now` on a day of the history, as a test may pass, has its tickets already)
            if self.today >= self.b.today and any(a + 900 <= self.secs_now() < b for a, b in spans):
                self._queue(center, spans)
            for day in self._coming_days(center):
                self._bookings(center, day, BOOKINGS_AHEAD[center.is_street])
        self._story_booking()
        return self.tickets, self.bookings

    # -- the queue now ----------------------------------------------------------------------------------------
    def _queue(self, center, spans) -> None:
        rng, now = self.rng, self.secs_now()
        opened = spans[0][0]
        holders = center.clerks[:2] if center.is_street else center.clerks[:1]
        windows = center.windows[:len(holders)]
        for window, user in zip(windows, holders, strict=True):
            WindowSession.objects.create(window_id=window, user_id=user, opened_at=self.at(self.today, opened))
        served_plan = []  # (called, started, finished, window, served_by)
        for k, (window, user) in enumerate(zip(windows, holders, strict=True)):
            t = now - rng.randrange(35, 50) * 60
            for _ in range(3):  # served earlier: the board's last calls
                served = t + rng.randrange(4, 9) * 60
                if served > now - 600:
                    break
                if any(a <= t and served < b for a, b in spans):
                    served_plan.append((t, t + 40, served, window, user))
                t = served + rng.randrange(60, 180)
            called = max(t, now - rng.randrange(5, 9) * 60) if k == 0 else now - rng.randrange(90, 180)
            # window 1 serves someone now, window 2 has just called someone
            served_plan.append((called, called + 40 if k == 0 else None, None, window, user))
        # the morning had no queue: each came shortly before their call, in the order they were called
        plan, issued = [], None
        for called, started, finished, window, user in sorted(served_plan, key=lambda p: p[0]):
            issued = min(called - rng.randrange(10, 50) if issued is None else max(issued + 5, called -
                                                                                 rng.randrange(10, 50)), called)
            plan.append((issued, called, started, finished, window, user))
        last_call = max(p[1] for p in plan)
        waiting = rng.randrange(3, 6)
        for k in range(waiting):  # came after the last call (nobody was passed over), one after another
            plan.append((last_call + (now - last_call) * (k + 1) // (waiting + 1), None, None, None, None, None))
        plan.sort(key=lambda p: p[0])
        rules = self.ref.rules
        for seq, (issued, called, started, finished, window, user) in enumerate(plan, start=1):
            applicant = rng.choice(center.residents) if center.residents and rng.random() < 0.5 else None
            item = rng.choice(self.ref.item_ids) if rng.random() < 0.6 else None
            age = self.ref.age(applicant, self.today) if applicant else None
            rule = priority(rules, age=age, disabled=applicant in self.ref.disabled, declared="", on_time=False)
            state = "waiting" if called is None else "called" if started is None else "serving" \
                if finished is None else "done"
            ticket = Ticket.objects.create(
                center_id=center.id, day=self.today, prefix="A", seq=seq, item_id=item,
                pool=self.ref.items[item][1] if item else "", applicant_id=applicant,
                priority_rank=rule.rank if rule else 99, priority_rule_id=rule.id if rule else None, state=state,
                window_id=window, issued_by_id=center.clerks[0], issued_at=self.at(self.today, issued),
                queued_at=self.at(self.today, issued), served_by_id=user,
                called_at=self.at(self.today, called) if called is not None else None,
                started_at=self.at(self.today, started) if started is not None else None,
                finished_at=self.at(self.today, finished) if finished is not None else None)
            events = [("issue", None, center.clerks[0], issued)]
            events += [(action, window, user, secs) for action, secs in
                       (("call", called), ("start", started), ("finish", finished)) if secs is not None]
            TicketEvent.objects.bulk_create([
                TicketEvent(center_id=center.id, ticket=ticket, action=action, window_id=w, actor_id=actor,
                            at=self.at(self.today, secs)) for action, w, actor, secs in events])
        TicketCounter.objects.create(center_id=center.id, day=self.today, prefix="A", last=len(plan))
        self.tickets += len(plan)

    # -- bookings ahead ---------------------------------------------------------------------------------------
    def _coming_days(self, center) -> list[datetime.date]:
        last = released_until(self.policy, self.now)
        days, day = [], self.today
        while day <= last and len(days) < DAYS_AHEAD + 1:
            if periods_on(center.obj, day, self.policy):
                days.append(day)
            day += datetime.timedelta(days=1)
        return days

    def _day_slots(self, center, day: datetime.date) -> list[Slot]:
        """The day's general slots, made whole as slots_release makes them unless the day has them already."""
        slots = list(Slot.objects.filter(center_id=center.id, day=day, pool="").order_by("starts_at"))
        if not slots:
            slots = Slot.objects.bulk_create([
                Slot(center_id=center.id, day=day, starts_at=a, ends_at=b, pool="",
                     capacity=self.policy.slot_capacity) for a, b in periods_on(center.obj, day, self.policy)])
        return slots

    def _bookings(self, center, day: datetime.date, count: int) -> None:
        rng = self.rng
        soonest = self.now + datetime.timedelta(minutes=30)
        if not center.residents or not any(a > soonest for a, _b in periods_on(center.obj, day, self.policy)):
            return
        slots = self._day_slots(center, day)
        later = [s for s in slots if s.starts_at > soonest]
        for _ in range(count):
            applicant, item = rng.choice(center.residents), rng.choice(self.ref.item_ids)
            free = [s for s in later if s.booked < s.capacity]
            if free and not self._has_booking(applicant, item, day):
                self._book(center, rng.choice(free), applicant, item, self.ref.path.get(applicant, ""))
        Slot.objects.bulk_update([s for s in slots if s.booked], ["booked"])

    def _has_booking(self, applicant: int, item: int, day: datetime.date) -> bool:
        """One active booking per person per item per day (a live hall made again over a built demo, as a test
        does, finds the first one's in the database)."""
        return (applicant, item, day) in self.b.book.active or Booking.objects.filter(
            applicant_id=applicant, item_id=item, day=day, state__in=("booked", "arrived")).exists()

    def _book(self, center, slot: Slot, applicant: int, item: int, path: str, *, channel: str = "",
              booked_by: int | None = None) -> Booking:
        """A booked booking of one slot (every demo item takes one), made within the release horizon before now."""
        rng, ref = self.rng, self.ref
        if not channel:
            account, worker = ref.account.get(applicant), ref.grid_worker.get(path)
            if account and rng.random() < 0.85:
                channel, booked_by = "resident", account
            elif worker and ref.age(applicant, self.today) >= 60 and rng.random() < 0.45:
                channel, booked_by = "grid", worker
            else:
                channel, booked_by = "staff", center.clerks[0]
        created = self.now - datetime.timedelta(minutes=rng.randrange(5, 600))
        while slot.day > released_until(self.policy, created):
            created += datetime.timedelta(minutes=30)
        created = min(created, self.now)
        booking = Booking.objects.create(
            code=self.b.book.code(), center_id=center.id, item_id=item, applicant_id=applicant, applicant_path=path,
            booked_by_id=booked_by, channel=channel, day=slot.day, starts_at=slot.starts_at, ends_at=slot.ends_at,
            pool="", state="booked", created_at=created, changed_at=created)
        booking.slots.set([slot])
        BookingEvent.objects.create(booking=booking, action="book", actor_id=booked_by, at=created)
        slot.booked += 1
        self.b.book.active.add((applicant, item, slot.day))
        self.bookings += 1
        return booking

    def _story_booking(self) -> None:
        """Journey 1: 谢小波 books the second-child birth registration at 展览桥 for the next afternoon."""
        station = self.ref.center_by_node.get(f"{self.ref.district_code}001002")
        account = User.objects.filter(username=STORY_PHONE, role="resident").values_list("id", "resident_id").first()
        item = next((pk for pk, (code, _c, _m) in self.ref.items.items() if code == STORY_ITEM), None)
        if station is None or account is None or item is None:
            return
        resident = Resident.objects.filter(pk=account[1]).values_list("path", flat=True).first()
        last = released_until(self.policy, self.now)
        day = self.today + datetime.timedelta(days=1)
        while day <= last:
            afternoon = [a for a, _b in periods_on(station.obj, day, self.policy) if a.hour >= 15]
            if afternoon and not self._has_booking(account[1], item, day):
                slot = next(s for s in self._day_slots(station, day) if s.starts_at == afternoon[0])
                if slot.booked < slot.capacity:
                    self._book(station, slot, account[1], item, resident or "", channel="resident",
                               booked_by=account[0])
                    Slot.objects.filter(pk=slot.pk).update(booked=slot.booked)
                    return
            day += datetime.timedelta(days=1)
