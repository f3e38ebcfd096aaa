"""Hall endpoints for phone apps and kiosks: a center's bookable days and slots for an item, booking (with an
Idempotency-Key), one booking, cancel, reschedule, a ticket's place in the queue — the same services and selectors
as the pages, cut to the token's account.

The OpenAPI texts are lazy: /api/docs says them in the request's language (doorstep.api)."""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema, Status

from doorstep.core.errors import NotFound, ValidationFailed
from doorstep.core.idempotency import HEADER, REPLAYED_HEADER, was_replayed
from doorstep.hall.selectors.queue import queue_place
from doorstep.hall.selectors.resident import (
    booking_days,
    booking_get_for_user,
    booking_grid,
    booking_slots,
    day_in_range,
    notice_item,
)
from doorstep.hall.services.arrival import ticket_get
from doorstep.hall.services.booking import booking_book, booking_cancel, booking_reschedule
from doorstep.hall.services.common import center_get, ticket_relations
from doorstep.hall.workflow import (
    BOOKING_STATE_CONTEXT,
    BOOKING_STATE_LABELS,
    TICKET_STATE_CONTEXT,
    TICKET_STATE_LABELS,
)

router = Router(tags=[_("预约与排队")])


class DayOut(Schema):
    day: datetime.date
    free: int = Field(..., description=_("当天该事项剩余可约人数"))
    open: bool


class SlotOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime = Field(..., description=_("从该时段起办理该事项占用到的结束时间"))
    free: int
    bookable: bool
    full: bool


class AvailabilityOut(Schema):
    center_id: int
    item: str
    days: list[DayOut]
    slots: list[SlotOut] = Field(..., description=_("所选日期（day 参数）的时段；未选日期时为空"))


class AvailabilityIn(Schema):
    item: str = Field(..., max_length=20, description=_("事项编码"))
    day: datetime.date | None = Field(None, description=_("日期（YYYY-MM-DD），返回该日的时段"))


class BookIn(Schema):
    center_id: int = Field(..., ge=1)
    item: str = Field(..., max_length=20, description=_("事项编码"))
    starts_at: datetime.datetime = Field(..., description=_("时段开始时间（带时区，或按北京时间）"))
    applicant_id: int | None = Field(None, ge=1, description=_("工作人员或网格员代约时：预约人（居民）id"))
    notice_read: bool = Field(False, description=_("居民本人预约时必须为 true：已阅读该事项的一次性告知"))


class RescheduleIn(Schema):
    starts_at: datetime.datetime


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class BookingOut(Schema):
    id: int
    code: str = Field(..., description=_("预约码：到场签到时出示"))
    center_id: int
    center: str
    item: str
    item_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    state: str
    state_label: str


class TicketOut(Schema):
    id: int
    number: str
    state: str
    state_label: str
    window: int | None = Field(None, description=_("叫到的窗口号"))
    ahead: int | None = Field(None, description=_("前面还有几人（等候中时）"))
    wait_low_minutes: int | None = None
    wait_high_minutes: int | None = None


def _booking_out(booking) -> dict:
    return {"id": booking.pk, "code": booking.code, "center_id": booking.center_id, "center": booking.center.name,
            "item": booking.item.code, "item_name": booking.item.name, "starts_at": booking.starts_at,
            "ends_at": booking.ends_at, "state": booking.state,
            "state_label": pgettext(BOOKING_STATE_CONTEXT, BOOKING_STATE_LABELS[booking.state])}


@router.get("/centers/{center_id}/availability", response=AvailabilityOut, summary=_("可预约日期与时段"))
def availability(request, center_id: int, params: Query[AvailabilityIn]):
    now = timezone.now()
    center = center_get(center_id)
    item = notice_item(params.item)
    grid = booking_grid(center, item, now=now)
    slots = []
    if params.day is not None:
        if not day_in_range(grid, params.day, now=now):
            raise ValidationFailed(gettext("该日期不在可预约范围内。"), field="day")
        slots = booking_slots(grid, params.day, now=now)
    return {"center_id": center.pk, "item": item.code,
            "days": [{"day": d.day, "free": d.free, "open": d.open} for d in booking_days(grid, now=now)],
            "slots": [{"starts_at": s.starts_at, "ends_at": s.ends_at, "free": s.free, "bookable": s.bookable,
                       "full": s.full} for s in slots]}


@router.post("/bookings", response={201: BookingOut}, summary=_("预约"))
def book(request, payload: BookIn, response: HttpResponse,
         idempotency_key: str | None = Header(None, alias=HEADER, description=_(
             "必填：本次提交的唯一编号。重试时带同一编号只预约一次，返回第一次的结果（响应头 Idempotent-Replayed: true）。"))):
    booking = booking_book(actor=request.auth, center_id=payload.center_id, item_code=payload.item,
                           starts_at=payload.starts_at, applicant_id=payload.applicant_id,
                           notice_read=payload.notice_read, idempotency_key=idempotency_key)
    if was_replayed(booking):
        response[REPLAYED_HEADER] = "true"
    return Status(201, _booking_out(booking))


@router.get("/bookings/{booking_id}", response=BookingOut, summary=_("预约详情"))
def booking_detail(request, booking_id: int):
    return _booking_out(booking_get_for_user(request.auth, booking_id))


@router.post("/bookings/{booking_id}/cancel", response=BookingOut, summary=_("取消预约"))
def cancel(request, booking_id: int, payload: CancelIn):
    booking_get_for_user(request.auth, booking_id)  # not yours reads as missing
    return _booking_out(booking_cancel(actor=request.auth, booking_id=booking_id, reason=payload.reason))


@router.post("/bookings/{booking_id}/reschedule", response=BookingOut, summary=_("改约"))
def reschedule(request, booking_id: int, payload: RescheduleIn):
    booking_get_for_user(request.auth, booking_id)
    return _booking_out(booking_reschedule(actor=request.auth, booking_id=booking_id, starts_at=payload.starts_at))


@router.get("/tickets/{ticket_id}", response=TicketOut, summary=_("排队号：前面几人、预计等候"))
def ticket(request, ticket_id: int):
    found = ticket_get(ticket_id)
    if not ticket_relations(request.auth, found) & {"self", "center"}:
        raise NotFound()
    place = queue_place(found)
    return {"id": found.pk, "number": found.number, "state": found.state,
            "state_label": pgettext(TICKET_STATE_CONTEXT, TICKET_STATE_LABELS[found.state]),
            "window": found.window.number if found.window_id else None,
            "ahead": place.ahead if place else None, "wait_low_minutes": place.low_minutes if place else None,
            "wait_high_minutes": place.high_minutes if place else None}
