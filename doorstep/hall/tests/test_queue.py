"""Arrival and windows (issue #14 items 4 and 5): check-in by code or ID number, walk-ins, priority classes and first
come first served within them, numbers per center and Beijing-time day, one window per person and one person per
window, recall, skip after N recalls, transfer keeping the place, call a chosen ticket, finish with the case."""

import datetime

import pytest

from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.core.idempotency import new_key
from doorstep.hall.models import Booking, Ticket, TicketEvent
from doorstep.hall.services.arrival import ticket_check_in
from doorstep.hall.services.windows import (
    ticket_call_chosen,
    ticket_call_next,
    ticket_cancel,
    ticket_finish,
    ticket_recall,
    ticket_skip,
    ticket_start,
    ticket_transfer,
    window_close,
    window_open,
    window_pause,
    window_resume,
)
from doorstep.hall.tests.helpers import (
    BEIJING,
    MONDAY,
    at,
    book,
    check_in,
    clerk,
    first_slot_start,
    other_clerk,
    station,
    walk_in,
    windows,
)
from doorstep.hall.workflow import BookingState, TicketState
from doorstep.registry.models import Resident


def second_clerk():
    from doorstep.accounts.models import User
    from doorstep.conftest import user

    staff = clerk()
    other = User.objects.filter(role="clerk", org_node=staff.org_node).exclude(pk=staff.pk).first()
    if other is None:
        from django.contrib.auth.hashers import make_password

        other = User.objects.create(username="clerk_hall2", full_name="窗口二", role="clerk",
                                    org_node=staff.org_node, password=make_password("x"))
    return user(other.username)


def young(n: int) -> list[Resident]:
    cutoff = datetime.date(1960, 1, 1)
    return list(Resident.objects.filter(status="active", is_disabled=False, birth_date__gt=cutoff).order_by("id")[:n])


@pytest.mark.django_db
def test_check_in_by_code_gives_an_on_time_y_ticket_once():
    start = first_slot_start(day=MONDAY.date(), now=at(MONDAY.date(), 8))
    booking = book(clerk(), young(1)[0], start=start, now=at(MONDAY.date(), 8))
    ticket = check_in(booking, now=start - datetime.timedelta(minutes=10))
    assert ticket.number == "Y001" and ticket.priority_rule.code == "on_time"
    booking.refresh_from_db()
    assert booking.state == BookingState.ARRIVED
    with pytest.raises(Conflict, match="Y001"):
        check_in(booking, now=start)


@pytest.mark.django_db
def test_check_in_by_id_number_and_refusals():
    from doorstep.core.crypto import decrypt

    person = young(1)[0]
    start = first_slot_start(day=MONDAY.date(), now=at(MONDAY.date(), 8))
    book(clerk(), person, start=start, now=at(MONDAY.date(), 8))
    ticket = ticket_check_in(actor=clerk(), center_id=station().pk, id_number=decrypt(bytes(person.id_number_enc)),
                             idempotency_key=new_key(), now=start)
    assert ticket.booking.applicant_id == person.pk
    with pytest.raises(ValidationFailed):
        ticket_check_in(actor=clerk(), center_id=station().pk, code="12ab", idempotency_key=new_key(), now=start)
    with pytest.raises(NotFound):
        ticket_check_in(actor=clerk(), center_id=station().pk, code="00000000", idempotency_key=new_key(), now=start)
    with pytest.raises(Exception) as refused:
        ticket_check_in(actor=other_clerk(), center_id=station().pk, code="12345678", idempotency_key=new_key(),
                        now=start)
    assert refused.type.__name__ == "PermissionDenied"


@pytest.mark.django_db
def test_priority_classes_then_first_come_first_served():
    now = at(MONDAY.date(), 9)
    elder = Resident.objects.filter(status="active", birth_date__lt=datetime.date(1950, 1, 1)).first()
    a1 = walk_in(now=now)
    a2 = walk_in(now=now + datetime.timedelta(seconds=1))
    old = walk_in(now=now + datetime.timedelta(seconds=2), applicant=elder)
    pregnant = walk_in(now=now + datetime.timedelta(seconds=3), declared="pregnant")
    a5 = walk_in(now=now + datetime.timedelta(seconds=4))
    assert [t.number for t in (a1, a2, old, pregnant, a5)] == ["A001", "A002", "A003", "A004", "A005"]
    window_open(actor=clerk(), window_id=windows()[0].pk, now=now)
    called = []
    for i in range(5):
        t = ticket_call_next(actor=clerk(), now=now + datetime.timedelta(minutes=i + 1))
        called.append(t.number)
        ticket_start(actor=clerk(), now=now + datetime.timedelta(minutes=i + 1))
        ticket_finish(actor=clerk(), now=now + datetime.timedelta(minutes=i + 1, seconds=30))
    assert called == ["A003", "A004", "A001", "A002", "A005"]
    assert ticket_call_next(actor=clerk(), now=now + datetime.timedelta(minutes=9)) is None


@pytest.mark.django_db
def test_numbers_restart_at_midnight_beijing_time():
    day = MONDAY.date()
    before = datetime.datetime(day.year, day.month, day.day, 15, 59, 59, tzinfo=datetime.UTC)  # 23:59:59 Beijing
    after = before + datetime.timedelta(seconds=1)  # 00:00:00 of the next day in Beijing, still Monday in UTC
    first = walk_in(now=before)
    second = walk_in(now=before)
    third = walk_in(now=after)
    assert (first.number, second.number, third.number) == ("A001", "A002", "A001")
    assert first.day == day and third.day == day + datetime.timedelta(days=1)
    assert before.date() == after.date() == day  # one UTC day, two Beijing days
    assert after.astimezone(BEIJING).date() == third.day


@pytest.mark.django_db
def test_one_window_per_person_and_one_person_per_window():
    first, second = windows()[:2]
    window_open(actor=clerk(), window_id=first.pk, now=MONDAY)
    with pytest.raises(Conflict, match="两个窗口"):
        window_open(actor=clerk(), window_id=second.pk, now=MONDAY)
    with pytest.raises(Conflict, match="已有工作人员"):
        window_open(actor=second_clerk(), window_id=first.pk, now=MONDAY)
    with pytest.raises(Exception) as refused:
        window_open(actor=other_clerk(), window_id=second.pk, now=MONDAY)
    assert refused.type.__name__ == "PermissionDenied"
    window_close(actor=clerk(), now=MONDAY)
    window_open(actor=second_clerk(), window_id=first.pk, now=MONDAY)


@pytest.mark.django_db
def test_pause_stops_calling_until_resumed():
    walk_in(now=MONDAY)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=MONDAY)
    with pytest.raises(ValidationFailed):
        window_pause(actor=clerk(), reason="  ", now=MONDAY)
    window_pause(actor=clerk(), reason="系统维护", now=MONDAY)
    with pytest.raises(Conflict, match="暂停"):
        ticket_call_next(actor=clerk(), now=MONDAY)
    session = window_resume(actor=clerk(), now=MONDAY + datetime.timedelta(minutes=5))
    assert session.paused_seconds == 300
    assert ticket_call_next(actor=clerk(), now=MONDAY + datetime.timedelta(minutes=5)).number == "A001"


@pytest.mark.django_db
def test_skip_needs_the_recalls_and_the_board_hears_each_call():
    ticket = walk_in(now=MONDAY)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=MONDAY)
    ticket_call_next(actor=clerk(), now=MONDAY)
    with pytest.raises(Conflict, match="重呼"):
        ticket_skip(actor=clerk(), now=MONDAY)
    ticket_recall(actor=clerk(), now=MONDAY)
    ticket_recall(actor=clerk(), now=MONDAY)
    skipped = ticket_skip(actor=clerk(), now=MONDAY)
    assert skipped.state == TicketState.NO_SHOW
    calls = list(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert calls == ["issue", "call", "recall", "recall", "skip"]


@pytest.mark.django_db
def test_transfer_keeps_the_place_and_a_named_window_calls_it_first():
    first, second = windows()[:2]
    early = walk_in(now=MONDAY)
    later = walk_in(now=MONDAY + datetime.timedelta(minutes=1))
    window_open(actor=clerk(), window_id=first.pk, now=MONDAY)
    window_open(actor=second_clerk(), window_id=second.pk, now=MONDAY)
    assert ticket_call_next(actor=clerk(), now=MONDAY).pk == early.pk
    with pytest.raises(ValidationFailed):
        ticket_transfer(actor=clerk(), to_window_id=first.pk, now=MONDAY)
    ticket_transfer(actor=clerk(), to_window_id=second.pk, now=MONDAY)
    # window 1 cannot take it back; window 2 gets it before the later walk-in
    assert ticket_call_next(actor=clerk(), now=MONDAY).pk == later.pk
    assert ticket_call_next(actor=second_clerk(), now=MONDAY).pk == early.pk


@pytest.mark.django_db
def test_call_a_chosen_ticket_and_no_second_call_while_one_is_at_the_window():
    a1 = walk_in(now=MONDAY)
    a2 = walk_in(now=MONDAY)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=MONDAY)
    assert ticket_call_chosen(actor=clerk(), ticket_id=a2.pk, now=MONDAY).pk == a2.pk
    with pytest.raises(Conflict, match="当前还有号"):
        ticket_call_next(actor=clerk(), now=MONDAY)
    window_open(actor=second_clerk(), window_id=windows()[1].pk, now=MONDAY)
    with pytest.raises(Conflict, match="已被其他窗口"):
        ticket_call_chosen(actor=second_clerk(), ticket_id=a2.pk, now=MONDAY)
    ticket_cancel(actor=clerk(), ticket_id=a1.pk, now=MONDAY)
    assert ticket_call_next(actor=second_clerk(), now=MONDAY) is None


@pytest.mark.django_db
def test_finish_with_the_case_taken_in_for_the_ticket():
    from doorstep.conftest import accept

    person = young(1)[0]
    start = first_slot_start(day=MONDAY.date(), now=at(MONDAY.date(), 8))
    booking = book(clerk(), person, start=start, now=at(MONDAY.date(), 8))
    check_in(booking, now=start)
    window_open(actor=clerk(), window_id=windows()[0].pk, now=start)
    ticket_call_next(actor=clerk(), now=start)
    ticket_start(actor=clerk(), now=start)
    case = accept(actor=clerk(), item_code=booking.item.code, applicant_id=person.pk)
    done = ticket_finish(actor=clerk(), case=case, now=start + datetime.timedelta(minutes=12))
    assert done.state == TicketState.DONE and done.case_id == case.pk
    assert Booking.objects.get(pk=booking.pk).state == BookingState.ARRIVED
    assert Ticket.objects.get(pk=done.pk).finished_at - Ticket.objects.get(pk=done.pk).started_at == \
        datetime.timedelta(minutes=12)
