"""Slots and booking (issue #14 items 1 and 2): slots from opening hours and the holiday calendar, released ahead at
a set time; booking by a resident, a clerk or a grid worker; capacity, long items, one booking per person per item
per day, cancel, reschedule, the no-show rule and idempotent replays."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from doorstep.accounts.models import User
from doorstep.catalog.models import ServiceItem
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.hall.models import Booking, HallPolicy, Slot
from doorstep.hall.services.booking import (
    SlotFull,
    booking_book,
    booking_cancel,
    booking_reschedule,
    bookings_mark_no_show,
)
from doorstep.hall.services.slots import released_until, slots_release
from doorstep.hall.tests.helpers import (
    ITEM,
    MONDAY,
    at,
    book,
    clerk,
    first_slot_start,
    other_clerk,
    resident_account,
    residents,
    station,
)
from doorstep.hall.workflow import BookingState
from doorstep.registry.models import Resident

TUESDAY = MONDAY.date() + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_slots_follow_opening_hours_including_the_staggered_evening():
    center = station()
    slots_release(center, now=MONDAY)
    tuesday = list(Slot.objects.filter(center=center, day=TUESDAY, pool="").order_by("starts_at"))
    # 08:30–12:00 and 14:00–17:30 in 30-minute slots, plus Tuesday's 错时延时 17:30–20:00
    assert len(tuesday) == 7 + 7 + 5
    assert tuesday[0].starts_at == at(TUESDAY, 8, 30) and tuesday[-1].ends_at == at(TUESDAY, 20, 0)
    assert all(s.capacity == HallPolicy().slot_capacity for s in tuesday)
    sunday = MONDAY.date() + datetime.timedelta(days=6)
    assert not Slot.objects.filter(center=center, day=sunday).exists()


@pytest.mark.django_db
def test_no_slots_on_a_statutory_holiday_and_mondays_hours_on_an_adjusted_workday():
    center = station()
    before_national_day = at(datetime.date(2026, 9, 28), 9)
    slots_release(center, now=before_national_day)
    assert not Slot.objects.filter(center=center, day=datetime.date(2026, 10, 1)).exists()
    assert not Slot.objects.filter(center=center, day=datetime.date(2026, 10, 3)).exists()  # a Saturday inside it
    slots_release(center, now=at(datetime.date(2026, 10, 8), 9))
    adjusted = datetime.date(2026, 10, 10)  # 调休: a Saturday worked in 2026
    assert Slot.objects.filter(center=center, day=adjusted, pool="").count() == 14  # Monday's hours


@pytest.mark.django_db
def test_slots_are_released_days_ahead_at_the_set_time():
    policy = HallPolicy(release_days=7, release_time=datetime.time(8, 0))
    assert released_until(policy, at(MONDAY.date(), 7, 59)) == MONDAY.date() + datetime.timedelta(days=6)
    assert released_until(policy, at(MONDAY.date(), 8, 0)) == MONDAY.date() + datetime.timedelta(days=7)
    resident = residents(1)[0]
    next_monday = MONDAY.date() + datetime.timedelta(days=7)
    with pytest.raises(ValidationFailed, match="尚未放号"):
        book(clerk(), resident, start=at(next_monday, 8, 30), now=at(MONDAY.date(), 7, 59))
    booking = book(clerk(), resident, start=at(next_monday, 8, 30), now=at(MONDAY.date(), 8, 0))
    assert booking.state == BookingState.BOOKED


@pytest.mark.django_db
def test_a_full_slot_answers_yue_man_and_the_database_refuses_overselling():
    start = first_slot_start(day=TUESDAY)
    people = residents(5)
    for person in people[:4]:
        book(clerk(), person, start=start)
    slot = Slot.objects.get(center=station(), starts_at=start, pool="")
    assert slot.booked == slot.capacity == 4
    with pytest.raises(SlotFull, match="已约满"):
        book(clerk(), people[4], start=start)
    assert Booking.objects.filter(applicant=people[4], day=TUESDAY).count() == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)


@pytest.mark.django_db
def test_a_long_item_holds_consecutive_slots_and_gives_them_all_back():
    ServiceItem.objects.filter(code=ITEM).update(service_minutes=75)
    start = first_slot_start(day=TUESDAY)
    booking = book(clerk(), residents(1)[0], start=start)
    held = list(booking.slots.order_by("starts_at"))
    assert len(held) == 3 and booking.ends_at == start + datetime.timedelta(minutes=90)
    assert all(s.booked == 1 for s in held)
    with pytest.raises(ValidationFailed, match="时间不够"):
        book(clerk(), residents(2)[1], start=at(TUESDAY, 11, 30))  # 11:30–12:00 is the morning's last slot
    booking_cancel(actor=clerk(), booking_id=booking.pk, now=MONDAY)
    assert all(s.booked == 0 for s in Slot.objects.filter(pk__in=[s.pk for s in held]))


@pytest.mark.django_db
def test_one_active_booking_per_person_per_item_per_day():
    person = residents(1)[0]
    first = book(clerk(), person, start=first_slot_start(day=TUESDAY))
    with pytest.raises(ValidationFailed, match="已预约过"):
        book(clerk(), person, start=at(TUESDAY, 14, 0))
    booking_cancel(actor=clerk(), booking_id=first.pk, now=MONDAY)
    assert book(clerk(), person, start=at(TUESDAY, 14, 0)).state == BookingState.BOOKED
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        Booking.objects.filter(pk=first.pk).update(state=BookingState.BOOKED)


@pytest.mark.django_db
def test_a_resident_books_for_themself_after_reading_the_notice():
    account = resident_account()
    start = first_slot_start(day=TUESDAY)
    with pytest.raises(ValidationFailed, match="一次性告知"):
        booking_book(actor=account, center_id=station().pk, item_code=ITEM, starts_at=start.isoformat(),
                     idempotency_key=new_key(), now=MONDAY)
    other = residents(1, exclude=[account.resident_id])[0]
    with pytest.raises(ValidationFailed, match="本人"):
        booking_book(actor=account, center_id=station().pk, item_code=ITEM, starts_at=start, applicant_id=other.pk,
                     notice_read=True, idempotency_key=new_key(), now=MONDAY)
    booking = booking_book(actor=account, center_id=station().pk, item_code=ITEM, starts_at=start.isoformat(),
                           notice_read=True, idempotency_key=new_key(), now=MONDAY)
    assert booking.applicant_id == account.resident_id and booking.channel == "resident"
    assert len(booking.code) == 8 and booking.code.isdigit()


@pytest.mark.django_db
def test_a_replayed_booking_returns_the_first():
    person = residents(1)[0]
    key = new_key()
    start = first_slot_start(day=TUESDAY)
    first = book(clerk(), person, start=start, key=key)
    again = book(clerk(), person, start=start, key=key)
    assert again.pk == first.pk and Booking.objects.filter(applicant=person).count() == 1
    assert Slot.objects.get(center=station(), starts_at=start, pool="").booked == 1


@pytest.mark.django_db
def test_who_may_book_for_whom():
    person = residents(1)[0]
    start = first_slot_start(day=TUESDAY)
    with pytest.raises(PermissionDenied):  # a clerk of another center books at their own center only
        book(other_clerk(), person, start=start)
    grid_worker = User.objects.filter(role="grid_worker", org_node__code=person.path).first()
    booking = book(grid_worker, person, start=start)  # for an elderly resident of their grid
    assert booking.channel == "grid" and booking.booked_by == grid_worker
    stranger = Resident.objects.exclude(path=person.path).filter(status="active").first()
    with pytest.raises(NotFound):  # outside their grid: they cannot even open the resident
        book(grid_worker, stranger, start=start)
    with pytest.raises(PermissionDenied):
        booking_cancel(actor=resident_account(), booking_id=booking.pk, now=MONDAY)
    booking_cancel(actor=grid_worker, booking_id=booking.pk, now=MONDAY)


@pytest.mark.django_db
def test_reschedule_moves_the_places_and_cancel_is_refused_once_begun():
    person = residents(1)[0]
    start = first_slot_start(day=TUESDAY)
    booking = book(clerk(), person, start=start)
    moved = booking_reschedule(actor=clerk(), booking_id=booking.pk, starts_at=at(TUESDAY, 14, 0), now=MONDAY)
    assert moved.starts_at == at(TUESDAY, 14, 0) and moved.reschedules == 1
    assert Slot.objects.get(center=station(), starts_at=start, pool="").booked == 0
    assert Slot.objects.get(center=station(), starts_at=at(TUESDAY, 14, 0), pool="").booked == 1
    with pytest.raises(Conflict):
        booking_cancel(actor=clerk(), booking_id=booking.pk, now=at(TUESDAY, 14, 5))


@pytest.mark.django_db
def test_three_no_shows_in_thirty_days_stop_booking_for_seven_days():
    person = residents(1)[0]
    days = [MONDAY.date() + datetime.timedelta(days=d) for d in (1, 2, 3)]
    for day in days:
        booking = book(clerk(), person, start=at(day, 8, 30))
        assert bookings_mark_no_show(now=at(day, 9, 16)) >= 1
        booking.refresh_from_db()
        assert booking.state == BookingState.NO_SHOW
    after_third = at(days[-1], 10)
    later = MONDAY.date() + datetime.timedelta(days=8)
    with pytest.raises(ValidationFailed, match="暂停预约"):
        book(clerk(), person, start=at(later, 8, 30), now=after_third)
    free_again = at(days[-1] + datetime.timedelta(days=7), 9, 30)
    assert book(clerk(), person, start=at(later + datetime.timedelta(days=7), 8, 30), now=free_again)


@pytest.mark.django_db
def test_bad_input_changes_nothing():
    person = residents(1)[0]
    before = Booking.objects.count()
    for start in ("", "next tuesday", "2026-13-40T25:00", at(TUESDAY, 8, 40).isoformat(), MONDAY.isoformat()):
        with pytest.raises(ValidationFailed):
            book(clerk(), person, start=start)
    with pytest.raises(NotFound):
        book(clerk(), person, start=first_slot_start(day=TUESDAY), item="NO-SUCH")
    assert Booking.objects.count() == before
