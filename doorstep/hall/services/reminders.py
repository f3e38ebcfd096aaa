"""Booking reminders (预约提醒): the day before (from HallPolicy.remind_day_before_at, Beijing time) and shortly
before the time (HallPolicy.remind_minutes), in the resident's inbox and, when an SMS gateway is configured
(notifications.sms), by text message. Each reminder is claimed by a conditional update before it is sent, so two
workers never send one twice. Source: issue #14 item 2."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override

from doorstep.hall.models import Booking, HallPolicy
from doorstep.hall.services.common import policy_for
from doorstep.hall.workflow import BookingState
from doorstep.notifications.services import notify
from doorstep.notifications.sms import send_sms, sms_enabled
from doorstep.notifications.words import said


def _phone(resident) -> str:
    from doorstep.core.crypto import decrypt

    return decrypt(bytes(resident.phone_enc)) if resident.phone_enc else ""


def _remind(booking: Booking, *, field: str, now: datetime.datetime, soon: bool) -> bool:
    with transaction.atomic():
        if not Booking.objects.filter(pk=booking.pk, state=BookingState.BOOKED, **{f"{field}__isnull": True}).update(
                **{field: now}):
            return False  # another worker sent it, or the booking changed
        when = timezone.localtime(booking.starts_at)
        title = (gettext_noop("预约提醒：{when}请到{center}办理") if soon
                 else gettext_noop("明日预约提醒：{when}请到{center}办理"))
        notify([getattr(booking.applicant, "account", None)], kind="hall.reminder",
               title=said(title, when=f"{when:%H:%M}", center=booking.center.name),
               body=said(gettext_noop("预约码 {code}，事项：{item}"), code=booking.code, item=booking.item.name),
               link=f"/hall/bookings/{booking.pk}/")
        if sms_enabled():
            with override(settings.LANGUAGE_CODE):  # a text message is read in Chinese (the site's language)
                text = gettext(title).format(when=f"{when:%m-%d %H:%M}", center=booking.center.name)
                text += gettext("，预约码 {code}。").format(code=booking.code)
            send_sms(_phone(booking.applicant), text)
    return True


def booking_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Send the reminders due at `now` (huey, every five minutes): the day-before reminder of tomorrow's bookings
    once the center's remind_day_before_at has passed today; the soon reminder within remind_minutes of the start.
    A booking made after its reminder time gets only the reminders still ahead of it. Result: how many were sent.
    No audit: a reminder changes no state but its own stamp."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    tomorrow = local.date() + datetime.timedelta(days=1)
    policies: dict[int, HallPolicy] = {}
    sent = 0
    due = (Booking.objects.filter(state=BookingState.BOOKED, starts_at__gt=now)
           .filter(Q(day=tomorrow, reminded_day_before_at__isnull=True)
                   | Q(starts_at__lte=now + datetime.timedelta(hours=4), reminded_soon_at__isnull=True))
           .select_related("center", "item", "applicant__account").order_by("starts_at")[:5000])
    for booking in due:
        policy = policies.setdefault(booking.center_id, policy_for(booking.center))
        if booking.starts_at - now <= datetime.timedelta(minutes=policy.remind_minutes):
            if booking.reminded_soon_at is None:
                sent += _remind(booking, field="reminded_soon_at", now=now, soon=True)
        elif booking.day == tomorrow and local.time() >= policy.remind_day_before_at \
                and booking.created_at < now - datetime.timedelta(minutes=10):
            sent += _remind(booking, field="reminded_day_before_at", now=now, soon=False)
    return sent
