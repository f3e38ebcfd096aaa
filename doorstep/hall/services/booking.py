"""Booking (预约): a resident on the phone after reading the item's one-time notice, a clerk at the center, or a grid
worker for an elderly resident of their grid. One active booking per person per item per day (a partial unique
index); the no-show rule as data (HallPolicy: N no-shows in M days → K days without booking); a long item holds
several consecutive slots, all released together on cancel or reschedule.

Never oversold, by the database: a place is taken by `UPDATE slot SET booked = booked + 1 WHERE id = … AND booked <
capacity`, which on PostgreSQL waits for a concurrent taker's row lock and then re-reads the row, and on SQLite runs
with writers serialized (BEGIN IMMEDIATE); the check constraint booked ≤ capacity refuses anything else. A booking of
several slots takes them in id order, so two such bookings never deadlock. Sources: issue #14 items 1–3.
"""

import datetime
import math
import secrets

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.core.idempotency import already_claimed, idempotent_create
from doorstep.core.ids import parse_id
from doorstep.hall.authority import Relation
from doorstep.hall.models import Booking, BookingEvent, Channel, GroupCapacity, HallPolicy, Slot
from doorstep.hall.services.common import (
    authorize,
    booking_relations,
    center_get,
    center_relations,
    local_day,
    policy_for,
    refused,
)
from doorstep.hall.services.slots import released_until, slots_release
from doorstep.hall.workflow import (
    ACTIVE_BOOKING_STATES,
    BookingAction,
    BookingState,
    MoveRefused,
    booking_next,
)
from doorstep.notifications.services import notify
from doorstep.notifications.words import said

CHANNEL_BY_ROLE = {"resident": Channel.RESIDENT, "grid_worker": Channel.GRID}


class SlotFull(Conflict):
    """已约满: every place of a slot the booking needs is taken."""


def slot_full() -> SlotFull:
    return SlotFull(gettext("该时段已约满，请选择其他时段。"), field="starts_at")


def slots_needed(item, policy: HallPolicy) -> int:
    """How many consecutive slots a booking of `item` holds: its window time over the slot length, rounded up."""
    return max(1, math.ceil(item.service_minutes / policy.slot_minutes))


def pool_for(center, item) -> str:
    """The pool an item is booked from: its category's reserved places at this center, else the general pool."""
    reserved = GroupCapacity.objects.filter(center=center, category_id=item.category_id, per_slot__gt=0).exists()
    return item.category.code if reserved else ""


def parse_start(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(str(value or "").strip())
        except ValueError:
            moment = None
    if moment is None:
        raise ValidationFailed(gettext("请选择预约时段。"), field="starts_at")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def slots_for(center, item, start: datetime.datetime, *, policy: HallPolicy, now: datetime.datetime) -> list[Slot]:
    """The consecutive slots a booking of `item` starting at `start` needs, checked: released, not begun, all on one
    day and back to back. Raises ValidationFailed naming what is wrong (not SlotFull: fullness is checked as the
    places are taken)."""
    day = local_day(start)
    if start <= now:
        raise ValidationFailed(gettext("该时段已开始或已过，请选择以后的时段。"), field="starts_at")
    if day > released_until(policy, now):
        raise ValidationFailed(gettext("该日期尚未放号：每天{time}放出{days}天内的号源。").format(
            time=f"{policy.release_time:%H:%M}", days=policy.release_days), field="starts_at")
    n = slots_needed(item, policy)
    wanted = Slot.objects.filter(center=center, day=day, pool=pool_for(center, item), starts_at__gte=start)
    slots = list(wanted.order_by("starts_at")[:n])
    if not slots and slots_release(center, now=now):  # released but not made yet (the periodic task is behind)
        slots = list(wanted.order_by("starts_at")[:n])
    if not slots or slots[0].starts_at != start:
        raise ValidationFailed(gettext("该中心这个时间没有可预约的时段，请重新选择。"), field="starts_at")
    back_to_back = all(a.ends_at == b.starts_at for a, b in zip(slots, slots[1:], strict=False))
    if len(slots) < n or not back_to_back:
        raise ValidationFailed(gettext("该事项约需{minutes}分钟，这个时段之后的时间不够，请选择更早的时段。").format(
            minutes=item.service_minutes), field="starts_at")
    return slots


def take_places(slots: list[Slot]) -> None:
    """Take one place in each slot, in id order, all or none (the caller's transaction rolls back on SlotFull)."""
    for slot in sorted(slots, key=lambda s: s.pk):
        if not Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
            raise slot_full()


def give_back(slot_ids) -> None:
    Slot.objects.filter(pk__in=sorted(slot_ids), booked__gt=0).update(booked=F("booked") - 1)


def no_show_block(applicant_id: int, policy: HallPolicy, now: datetime.datetime) -> datetime.date | None:
    """The last day the applicant may not book on, or None: with no_show_limit no-shows whose time fell in the last
    no_show_window_days, booking stops for no_show_block_days from the latest of them being recorded."""
    since = now - datetime.timedelta(days=policy.no_show_window_days)
    marked = list(Booking.objects.filter(applicant_id=applicant_id, state=BookingState.NO_SHOW,
                                         starts_at__gte=since).order_by("-changed_at")
                  .values_list("changed_at", flat=True)[:policy.no_show_limit])
    if policy.no_show_limit == 0 or len(marked) < policy.no_show_limit:
        return None
    until = marked[0] + datetime.timedelta(days=policy.no_show_block_days)
    return local_day(until) if until > now else None


def _new_code() -> str:
    while True:
        code = f"{secrets.randbelow(10 ** 8):08d}"
        if not Booking.objects.filter(code=code).exists():
            return code


def _applicant(actor, applicant_id):
    from doorstep.cases.services.intake import applicant_for_intake

    if actor.role == "resident":
        if applicant_id not in (None, "", actor.resident_id, str(actor.resident_id)) or not actor.resident_id:
            raise ValidationFailed(gettext("居民只能为本人预约；为家人预约请到服务站或联系网格员。"), field="applicant")
        applicant_id = actor.resident_id
    if applicant_id in (None, ""):
        raise ValidationFailed(gettext("请先查找并选择预约人。"), field="applicant")
    return applicant_for_intake(actor, applicant_id)


def booking_relations_new(actor, center, applicant) -> frozenset[Relation]:
    found = center_relations(actor, center)
    if actor.resident_id and actor.resident_id == applicant.pk:
        found.add(Relation.SELF)
    node = getattr(actor, "org_node", None)
    if actor.role == "grid_worker" and node is not None and applicant.path.startswith(node.code):
        found.add(Relation.GRID)
    return frozenset(found)


def booking_book(*, actor, center_id, item_code: str, starts_at, applicant_id=None, notice_read: bool = False,
                 idempotency_key: str, now: datetime.datetime | None = None) -> Booking:
    """Book `item_code` at a center from `starts_at` (a slot's start, aware or local ISO text).

    Preconditions: the hall authority table allows the actor to book for this applicant (a resident for themself,
    a clerk at the center, a grid worker for a resident of their grid); a resident has read the one-time notice
    (`notice_read`); the item is active; the slot is released and not begun; the applicant has no active booking of
    this item that day and is not under the no-show rule.
    Result: a booked Booking holding the slots. Errors: ValidationFailed (400) for bad input, PermissionDenied,
    SlotFull (409, 已约满) when any needed slot has no place left. Side effects: slot counts, a history row, audit
    booking.book, the applicant notified after commit. Idempotent by idempotency_key.
    """
    from doorstep.cases.services.common import _active_item

    now = now or timezone.now()
    if _known_full(actor, center_id, item_code, starts_at, idempotency_key):
        raise slot_full()  # the rush's common answer: one query, before anything else is read
    center = center_get(center_id)
    item = _active_item(item_code)
    applicant = _applicant(actor, applicant_id)
    authorize(actor, BookingAction.BOOK, booking_relations_new(actor, center, applicant))
    channel = CHANNEL_BY_ROLE.get(actor.role, Channel.STAFF)
    if channel == Channel.RESIDENT and not notice_read:
        raise ValidationFailed(gettext("请先阅读并确认该事项的一次性告知（需要带的材料），再预约。"), field="notice_read")
    start = parse_start(starts_at)
    policy = policy_for(center)
    blocked = no_show_block(applicant.pk, policy, now)
    if blocked:
        raise ValidationFailed(gettext("近{days}天内爽约已达{count}次，{date}前暂停预约；可直接到服务中心现场取号。").format(
            days=policy.no_show_window_days, count=policy.no_show_limit, date=f"{blocked:%Y-%m-%d}"))
    slots = slots_for(center, item, start, policy=policy, now=now)
    day = local_day(start)
    if not already_claimed(actor, idempotency_key):  # a replay is answered by idempotent_create below
        if any(s.booked >= s.capacity for s in slots):
            raise slot_full()  # the rush's common answer, given before any write
        if Booking.objects.filter(applicant=applicant, item=item, day=day, state__in=ACTIVE_BOOKING_STATES).exists():
            raise ValidationFailed(gettext("您当天已预约过该事项，如需换时间请改约。"), field="starts_at")

    def create() -> Booking:
        take_places(slots)
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    code=_new_code(), center=center, item=item, applicant=applicant, applicant_path=applicant.path,
                    booked_by=actor, channel=channel, day=day, starts_at=slots[0].starts_at,
                    ends_at=slots[-1].ends_at, pool=slots[0].pool, created_at=now, changed_at=now)
        except IntegrityError:
            raise ValidationFailed(gettext("您当天已预约过该事项，如需换时间请改约。"), field="starts_at") from None
        booking.slots.set(slots)
        BookingEvent.objects.create(booking=booking, action=BookingAction.BOOK, actor=actor, at=now)
        audit_record(actor=actor, action="booking.book", target=booking,
                     summary={"center": center.pk, "item": item.code, "starts_at": booking.starts_at.isoformat(),
                              "slots": len(slots), "channel": channel})
        _tell(booking, said(gettext_noop("预约成功：{center} {when}"), center=center.name,
                            when=f"{timezone.localtime(booking.starts_at):%m-%d %H:%M}"))
        return booking

    inputs = {"center": center.pk, "item": item.code, "applicant": applicant.pk, "starts_at": start.isoformat()}
    booking, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="booking.book", inputs=inputs,
                                           create=create)
    return booking


# (center id, item code) → (pool, slots needed, slot minutes, read at): what a booking of the item at the center
# takes, kept per process for SHAPE_SECONDS so a release rush asks the database one question per attempt. A changed
# policy or reserved capacity is seen within that time (as the catalog's items are: catalog.selectors).
_shapes: dict[tuple[int, str], tuple[str, int, int, float]] = {}
SHAPE_SECONDS = 10.0


def _shape(center_pk: int, item_code: str) -> tuple[str, int, int]:
    import time

    from doorstep.cases.services.common import _active_item

    key = (center_pk, str(item_code)[:20])
    known = _shapes.get(key)
    if known is None or time.monotonic() - known[3] > SHAPE_SECONDS:
        center = center_get(center_pk)
        item = _active_item(item_code)
        policy = policy_for(center)
        known = (pool_for(center, item), slots_needed(item, policy), policy.slot_minutes, time.monotonic())
        _shapes[key] = known
    return known[:3]


def _known_full(actor, center_id, item_code, starts_at, idempotency_key) -> bool:
    """Whether the slots a booking would take are already full — asked in one statement, with whether this
    submission's key was used before (a replay must get its booking back, not 已约满). False whenever anything is
    unclear (bad input, unknown center or item, slots missing): the full path then answers properly."""
    from doorstep.core.errors import DomainError
    from doorstep.core.ids import parse_id
    from doorstep.core.models import IdempotencyKey

    try:
        start = parse_start(starts_at)
        center_pk = parse_id(center_id)
        pool, needed, minutes = _shape(center_pk, item_code)
    except DomainError:
        return False
    end = start + datetime.timedelta(minutes=needed * minutes)
    quote = connection.ops.quote_name
    claimed_sql, claimed_args = "FALSE", []
    if actor is not None and isinstance(idempotency_key, str):
        claimed_sql = (f"EXISTS (SELECT 1 FROM {quote(IdempotencyKey._meta.db_table)} WHERE actor_id = %s "
                       f"AND {quote('key')} = %s)")
        claimed_args = [actor.pk, idempotency_key.strip()]
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*), MIN(capacity - booked), {claimed_sql} FROM {quote(Slot._meta.db_table)} "
                    "WHERE center_id = %s AND pool = %s AND starts_at >= %s AND starts_at < %s",
                    [*claimed_args, center_pk, pool, start, end])
        count, room, claimed = cur.fetchone()
    return count == needed and room is not None and room <= 0 and not claimed


def _tell(booking: Booking, title) -> None:
    account = getattr(booking.applicant, "account", None)
    notify([account], kind="hall.booking", title=title,
           body=said(gettext_noop("预约码 {code}，事项：{item}"), code=booking.code, item=booking.item.name),
           link=f"/hall/bookings/{booking.pk}/")


def _locked_booking(booking_id) -> Booking:
    from doorstep.core.errors import NotFound

    pk = parse_id(booking_id)
    booking = (Booking.objects.select_for_update(of=("self",)).select_related("center__org_node", "item", "applicant")
               .filter(pk=pk).first())
    if booking is None:
        raise NotFound()
    return booking


def booking_cancel(*, actor, booking_id, reason: str = "", now: datetime.datetime | None = None) -> Booking:
    """Cancel a booking before its time; its places go back to the slots at once. Errors: NotFound, PermissionDenied
    (hall authority), Conflict when it is not booked any more or its time has begun. Audit booking.cancel."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        authorize(actor, BookingAction.CANCEL, booking_relations(actor, booking))
        try:
            after = booking_next(booking.state, BookingAction.CANCEL)
        except MoveRefused as exc:
            raise refused(exc) from None
        if booking.starts_at <= now:
            raise Conflict(gettext("预约时间已到，不能再取消；未到场将记为爽约。"))
        give_back(booking.slots.values_list("pk", flat=True))
        booking.state, booking.changed_at = after, now
        booking.save(update_fields=["state", "changed_at"])
        BookingEvent.objects.create(booking=booking, action=BookingAction.CANCEL, actor=actor, at=now,
                                    note=reason[:200])
        audit_record(actor=actor, action="booking.cancel", target=booking, reason=reason[:300])
        if actor.resident_id != booking.applicant_id:
            _tell(booking, said(gettext_noop("您的预约已取消：{center}"), center=booking.center.name))
    return booking


def booking_reschedule(*, actor, booking_id, starts_at, now: datetime.datetime | None = None) -> Booking:
    """Move a booking to another start (改约), at the same center for the same item: the new places are taken first
    (SlotFull when there are none), then the old ones given back, in one transaction. Errors as booking_book and
    booking_cancel. Audit booking.reschedule with both times."""
    now = now or timezone.now()
    start = parse_start(starts_at)
    with transaction.atomic():
        booking = _locked_booking(booking_id)
        authorize(actor, BookingAction.RESCHEDULE, booking_relations(actor, booking))
        try:
            booking_next(booking.state, BookingAction.RESCHEDULE)
        except MoveRefused as exc:
            raise refused(exc) from None
        if booking.starts_at <= now:
            raise Conflict(gettext("预约时间已到，不能再改约。"))
        if start == booking.starts_at:
            raise ValidationFailed(gettext("新时段与原时段相同。"), field="starts_at")
        policy = policy_for(booking.center)
        slots = slots_for(booking.center, booking.item, start, policy=policy, now=now)
        old_ids = list(booking.slots.values_list("pk", flat=True))
        take_places([s for s in slots if s.pk not in old_ids])
        give_back([pk for pk in old_ids if pk not in {s.pk for s in slots}])
        before = booking.starts_at
        booking.day, booking.starts_at, booking.ends_at = local_day(start), slots[0].starts_at, slots[-1].ends_at
        booking.reschedules += 1
        booking.changed_at = now
        try:
            with transaction.atomic():
                booking.save(update_fields=["day", "starts_at", "ends_at", "reschedules", "changed_at"])
        except IntegrityError:
            raise ValidationFailed(gettext("您在新日期已预约过该事项。"), field="starts_at") from None
        booking.slots.set(slots)
        note = f"{timezone.localtime(before):%Y-%m-%d %H:%M} → {timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M}"
        BookingEvent.objects.create(booking=booking, action=BookingAction.RESCHEDULE, actor=actor, at=now, note=note)
        audit_record(actor=actor, action="booking.reschedule", target=booking, summary={"change": note})
    return booking


def bookings_mark_no_show(*, now: datetime.datetime | None = None) -> int:
    """Mark as missed (爽约) every booking still booked when its time is over: its end plus the late grace
    (HallPolicy.on_time_late_minutes) has passed without a check-in (huey, every ten minutes). Each is told. Result:
    how many were marked. Audit booking.no_show per booking, without an actor."""
    now = now or timezone.now()
    marked = 0
    due = (Booking.objects.filter(state=BookingState.BOOKED, ends_at__lt=now).select_related("center", "item",
                                                                                            "applicant")
           .order_by("pk")[:2000])
    policies: dict[int, HallPolicy] = {}
    for booking in due:
        policy = policies.setdefault(booking.center_id, policy_for(booking.center))
        if booking.ends_at + datetime.timedelta(minutes=policy.on_time_late_minutes) > now:
            continue
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, state=BookingState.BOOKED).update(
                    state=BookingState.NO_SHOW, changed_at=now):
                continue  # checked in or cancelled meanwhile
            BookingEvent.objects.create(booking=booking, action=BookingAction.MARK_NO_SHOW, at=now)
            audit_record(actor=None, action="booking.no_show", target=booking, actor_label="system")
            _tell(booking, said(gettext_noop("您未按预约时间到达，已记爽约一次：{center}"), center=booking.center.name))
            marked += 1
    return marked
