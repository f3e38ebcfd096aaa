"""Races the database must settle (issue #14 items 3 and 5), on SQLite (serialized writers) and PostgreSQL (row
locks, conditional updates, partial unique indexes): a release rush at a few slots books exactly their places and
answers the rest 已约满; two desks checking in one booking make one ticket; two windows pressing 下一位 at once for
one waiting person — exactly one gets them; one person opening two windows at once holds one.

The rush here is 400 attempts from 40 threads at 25 places; bench/hall_rush.py runs the issue's 2,000 attempts at
100 places on PostgreSQL and measures attempts per second."""

import datetime
import random

import pytest

from doorstep.conftest import found
from doorstep.core.errors import Conflict
from doorstep.core.idempotency import new_key
from doorstep.core.tests.races import at_once, run_concurrently
from doorstep.hall.models import Booking, HallPolicy, Slot, Ticket, WindowSession
from doorstep.hall.services.arrival import ticket_check_in
from doorstep.hall.services.booking import SlotFull, booking_book
from doorstep.hall.services.slots import slots_release
from doorstep.hall.services.windows import ticket_call_next, window_open
from doorstep.hall.tests.helpers import ITEM, MONDAY, at, book, clerk, residents, station, walk_in, windows
from doorstep.hall.workflow import TicketState

TUESDAY = MONDAY.date() + datetime.timedelta(days=1)


def second_clerk():
    from doorstep.hall.tests.test_queue import second_clerk as make

    return make()


@pytest.mark.django_db(transaction=True)
def test_a_release_rush_books_exactly_the_places_and_answers_the_rest_full(world):
    center = station()
    HallPolicy.objects.update_or_create(center=center, defaults={"slot_capacity": 5})
    slots_release(center, now=MONDAY)
    starts = list(Slot.objects.filter(center=center, day=TUESDAY, pool="").order_by("starts_at")
                  .values_list("starts_at", flat=True)[:5])  # 5 slots × 5 places = 25
    people = residents(400)
    actor = clerk()
    found(actor, *[p.pk for p in people])
    rng = random.Random(7)
    picks = [rng.choice(starts) for _ in people]

    def attempt(worker: int):
        booked, full = 0, 0
        for i in range(worker, len(people), 40):
            try:
                booking_book(actor=actor, center_id=center.pk, item_code=ITEM, starts_at=picks[i],
                             applicant_id=people[i].pk, idempotency_key=new_key(), now=MONDAY)
                booked += 1
            except SlotFull:
                full += 1
        return booked, full

    results, errors = run_concurrently(40, attempt)
    assert not errors, errors[:3]
    assert sum(b for b, _ in results) == 25 and sum(f for _, f in results) == 375
    assert Booking.objects.filter(center=center, day=TUESDAY).count() == 25
    for slot in Slot.objects.filter(center=center, day=TUESDAY, starts_at__in=starts):
        assert slot.booked == slot.capacity == 5 == slot.bookings.count()


@pytest.mark.django_db(transaction=True)
def test_two_desks_checking_in_one_booking_make_one_ticket(world):
    start = at(MONDAY.date(), 9)
    booking = book(clerk(), residents(1)[0], start=start, now=at(MONDAY.date(), 8))
    desks = [clerk(), second_clerk()]
    results, errors = at_once(*[lambda d=d: ticket_check_in(actor=d, center_id=station().pk, code=booking.code,
                                                            idempotency_key=new_key(), now=start) for d in desks])
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert Ticket.objects.filter(booking=booking).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_windows_pressing_next_for_one_waiting_person_exactly_one_gets_them(world):
    for _round in range(5):
        Ticket.objects.filter(center=station()).delete()
        WindowSession.objects.all().delete()
        waiting = walk_in(now=MONDAY)
        first, second = windows()[:2]
        window_open(actor=clerk(), window_id=first.pk, now=MONDAY)
        window_open(actor=second_clerk(), window_id=second.pk, now=MONDAY)
        results, errors = at_once(lambda: ticket_call_next(actor=clerk(), now=MONDAY),
                                  lambda: ticket_call_next(actor=second_clerk(), now=MONDAY))
        assert not errors, errors
        called = [r for r in results if r is not None]
        assert len(called) == 1 and called[0].pk == waiting.pk
        ticket = Ticket.objects.get(pk=waiting.pk)
        assert ticket.state == TicketState.CALLED
        assert ticket.events.filter(action="call").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_opening_two_windows_at_once_holds_one(world):
    first, second = windows()[:2]
    actor = clerk()
    results, errors = at_once(lambda: window_open(actor=actor, window_id=first.pk, now=MONDAY),
                              lambda: window_open(actor=actor, window_id=second.pk, now=MONDAY))
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert WindowSession.objects.filter(user=actor, closed_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_desks_issuing_tickets_at_once_never_share_a_number(world):
    desks = [clerk(), second_clerk()]
    results, errors = run_concurrently(20, lambda i: walk_in(actor=desks[i % 2], now=MONDAY))
    assert not errors, errors[:3]
    assert sorted(t.seq for t in results) == list(range(1, 21))
