"""Reminders and the periodic work (issue #14 item 2): the day-before and the soon reminder are each sent once, in
the inbox and by SMS when a gateway is configured; a missed booking is marked by the sweep."""

import datetime

import pytest
from django.test import override_settings

from doorstep.hall.models import Booking
from doorstep.hall.services.booking import booking_book
from doorstep.hall.services.reminders import booking_reminders_send
from doorstep.hall.tests.helpers import ITEM, MONDAY, at, first_slot_start, resident_account, station
from doorstep.notifications import sms
from doorstep.notifications.models import Notification

TUESDAY = MONDAY.date() + datetime.timedelta(days=1)


@pytest.mark.django_db(transaction=True)
@override_settings(DOORSTEP_SMS_BACKEND="doorstep.notifications.sms.MemoryBackend")
def test_each_reminder_is_sent_once_in_the_inbox_and_by_sms(world):
    from doorstep.core.idempotency import new_key

    sms.sent.clear()
    account = resident_account()
    start = first_slot_start(day=TUESDAY, now=at(MONDAY.date(), 9))
    booking = booking_book(actor=account, center_id=station().pk, item_code=ITEM, starts_at=start, notice_read=True,
                           idempotency_key=new_key(), now=at(MONDAY.date(), 9))
    Booking.objects.filter(pk=booking.pk).update(created_at=at(MONDAY.date(), 9))
    assert booking_reminders_send(now=at(MONDAY.date(), 15, 59)) == 0  # before the day-before time (16:00)
    assert booking_reminders_send(now=at(MONDAY.date(), 16, 5)) == 1
    assert booking_reminders_send(now=at(MONDAY.date(), 16, 10)) == 0
    soon = start - datetime.timedelta(minutes=20)
    assert booking_reminders_send(now=soon) == 1
    assert booking_reminders_send(now=soon + datetime.timedelta(minutes=5)) == 0
    titles = list(Notification.objects.filter(user=account, kind="hall.reminder").values_list("title", flat=True))
    assert len(titles) == 2 and all(station().name in t for t in titles)
    assert len(sms.sent) == 2 and all(booking.code in text for _phone, text in sms.sent)
    assert all(phone.isdigit() and len(phone) == 11 for phone, _text in sms.sent)


@pytest.mark.django_db
def test_without_a_gateway_no_text_is_sent():
    from doorstep.core.idempotency import new_key

    sms.sent.clear()
    account = resident_account()
    start = first_slot_start(day=TUESDAY, now=at(MONDAY.date(), 9))
    booking_book(actor=account, center_id=station().pk, item_code=ITEM, starts_at=start, notice_read=True,
                 idempotency_key=new_key(), now=at(MONDAY.date(), 9))
    assert booking_reminders_send(now=start - datetime.timedelta(minutes=10)) == 1
    assert sms.sent == []
