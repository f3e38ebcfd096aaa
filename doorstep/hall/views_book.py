"""Booking pages of the hall (issue #14 item 1), phone first (375 px): 预约办事 for a resident, 代为预约 for a clerk at
their own center, 为老人预约 for a grid worker — and 改约, the same day and slot steps for an existing booking.

The form is one page of steps driven by its query string, so a step can be linked to (the catalog's item page opens
`?item=CODE`) and nothing is kept in the session: (staff) the resident → the item → its one-time notice, ticked as
read → the center → a released day with its free places → a slot, showing the end a long item takes → 确认预约. The
POST books through hall.services.booking.booking_book; a refusal (已约满, an unread notice, a slot not on the grid …)
shows the same steps again with every choice kept and the reason in Chinese, nothing changed.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.paging import parse_page_number
from doorstep.hall.authority import refusal
from doorstep.hall.selectors.resident import (
    BOOKING_TEXT_MAX,
    bookable_items,
    booking_buttons,
    booking_days,
    booking_get_for_user,
    booking_grid,
    booking_slots,
    centers_for_booking,
    day_in_range,
    notice_item,
)
from doorstep.hall.services.booking import booking_book, booking_reschedule
from doorstep.hall.services.common import booking_relations, reason_text
from doorstep.hall.workflow import BookingAction

# The query parameters of the steps, in the order the steps take them; a link to a step carries those before it.
STEP_PARAMS = ("applicant", "item", "read", "center", "day")
TEMPLATE = "hall/resident/book.html"


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _text(params, name: str, limit: int = BOOKING_TEXT_MAX) -> str:
    return " ".join(str(params.get(name, "")).split())[:limit]


def _day(value: str) -> datetime.date:
    """A day from the form (YYYY-MM-DD); ValidationFailed (Chinese) for anything else."""
    text = str(value)
    if len(text) == 10:
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValidationFailed(_("日期无效，请从列表中选择日期。"), field="day")


class Steps:
    """Links between the steps: each carries the choices made before it."""

    def __init__(self, chosen: dict[str, str]):
        self.chosen = chosen

    def url(self, **changes) -> str:
        params = {**self.chosen, **changes}
        kept = {}
        for name in STEP_PARAMS:
            if name in changes and changes[name] in (None, ""):
                break  # going back to a step forgets the choices after it
            if params.get(name) not in (None, ""):
                kept[name] = params[name]
        return reverse("hall:book") + ("?" + urlencode(kept) if kept else "")


def _refused(ctx: dict, exc: DomainError) -> dict:
    ctx.update(error=exc.message, error_field=exc.field or "", status=exc.status)
    return ctx


def book_context(request, params, *, now: datetime.datetime) -> dict:
    """The steps reached with `params` (the query, or a refused POST): each step's choices, the choice made, and
    `error`/`status` where the first bad parameter stopped them. Raises NotFound for a resident the staff member
    may not open (the same as a missing one)."""
    from doorstep.cases.services.intake import applicant_for_intake
    from doorstep.registry.selectors import resident_rows_described
    from doorstep.registry.services import resident_lookup

    user = request.user
    for_self = user.role == "resident"
    chosen = {name: _text(params, name, 20) for name in STEP_PARAMS}
    if for_self:
        chosen["applicant"] = ""
    steps = Steps(chosen)
    ctx = {"for_self": for_self, "role": user.role, "chosen": chosen, "status": 200,
           "back": {name: steps.url(**{name: ""}) for name in STEP_PARAMS},
           "q": _text(params, "q", 60), "item_q": _text(params, "item_q")}
    # ① whom for: a resident books for themself; staff find the resident first
    if for_self:
        applicant = getattr(user, "resident", None) if user.resident_id else None
        if applicant is None:
            return _refused(ctx, ValidationFailed(_("您的账号没有关联居民信息，请到服务站办理预约。")))
    else:
        if ctx["q"] and not chosen["applicant"]:
            try:
                result = resident_lookup(actor=user, query=ctx["q"], channel="hall", sort="relevance",
                                         page=parse_page_number(params.get("page")))
            except DomainError as exc:
                return _refused(ctx, exc)
            ctx["page"] = result.page
            ctx["found"] = resident_rows_described(result.page.items)
            for r in ctx["found"]:
                r.pick_url = steps.url(applicant=str(r.pk))
        if not chosen["applicant"]:
            return ctx
        try:
            applicant = applicant_for_intake(user, chosen["applicant"])
        except ValidationFailed as exc:  # archived: nothing is booked in their name
            return _refused(ctx, exc)
    ctx["applicant"] = applicant
    # ② the item
    if not chosen["item"]:
        ctx["items"] = bookable_items(ctx["item_q"])
        for i in ctx["items"]:
            i.pick_url = steps.url(item=i.code, read="")
        return ctx
    try:
        item = notice_item(chosen["item"])
    except DomainError as exc:
        ctx["items"] = bookable_items(ctx["item_q"])
        for i in ctx["items"]:
            i.pick_url = steps.url(item=i.code, read="")
        return _refused(ctx, exc)
    ctx["item"] = item
    ctx["materials"] = list(item.materials.all())
    # ③ the one-time notice, ticked as read
    if chosen["read"] != "1":
        return ctx
    # ④ the center
    ctx["centers"] = centers_for_booking(user, applicant)
    for c in ctx["centers"]:
        c.pick_url = steps.url(center=str(c.center.pk), day="")
    near = user.role == "clerk"  # a clerk books at their own center only: all of them are listed as one
    ctx["near_centers"] = [c for c in ctx["centers"] if near or c.rank < 2]
    ctx["other_centers"] = [c for c in ctx["centers"] if not near and c.rank >= 2]
    if not ctx["centers"]:
        return _refused(ctx, ValidationFailed(_("没有可以预约的服务中心。")))
    if not chosen["center"]:
        return ctx
    center = next((c.center for c in ctx["centers"] if str(c.center.pk) == chosen["center"]), None)
    if center is None:
        return _refused(ctx, ValidationFailed(_("请从列表中选择服务中心。"), field="center"))
    ctx["center"] = center
    # ⑤ the day, ⑥ the slot
    return _day_and_slot(ctx, center, item, chosen["day"], now=now, url=lambda d: steps.url(day=d))


def _day_and_slot(ctx: dict, center, item, day_text: str, *, now, url) -> dict:
    """The day and slot steps for one center and item (shared by booking and rescheduling)."""
    grid = booking_grid(center, item, now=now)
    ctx["days"] = booking_days(grid, now=now)
    today = timezone.localdate(now)
    for d in ctx["days"]:
        d.pick_url = url(d.day.isoformat())
        d.relative = {0: _("今天"), 1: _("明天"), 2: _("后天")}.get((d.day - today).days, "")
    ctx["slots_needed"] = grid.needed
    if not day_text:
        return ctx
    try:
        day = _day(day_text)
        if not day_in_range(grid, day, now=now):
            raise ValidationFailed(_("这一天不在可预约的日期内，请从列表中选择。"), field="day")
    except DomainError as exc:
        return _refused(ctx, exc)
    ctx["day"] = day
    ctx["slots"] = booking_slots(grid, day, now=now)
    return ctx


@workspace_page("hall:book")
@require_http_methods(["GET", "POST"])
def book(request):
    """The booking steps; a POST books (center, item, start, the applicant for staff, notice_read, the submission
    key) and goes on to the booking's page. A doubled submission (same key) opens the same booking."""
    now = timezone.now()
    if request.method == "POST":
        post = request.POST
        try:
            booking = booking_book(
                actor=request.user, center_id=post.get("center"), item_code=_text(post, "item", 20),
                starts_at=_text(post, "starts_at", 40), applicant_id=_text(post, "applicant", 20) or None,
                notice_read=post.get("read") == "1", idempotency_key=post.get(KEY_FIELD))
        except DomainError as exc:
            if exc.status == 404:
                raise
            ctx = book_context(request, post, now=now)
            ctx.update(error=exc.message, error_field=exc.field or "", picked=_text(post, "starts_at", 40))
            return render(request, TEMPLATE, ctx, status=exc.status)
        again = _("这张表单已经提交过，没有重复预约。") if was_replayed(booking) else ""
        messages.success(request, again + _("预约成功，预约码 {code}。请按时到达，到场后出示预约码签到。").format(
            code=booking.code))
        return _see_other(reverse("hall:booking", args=[booking.pk]))
    ctx = book_context(request, request.GET, now=now)
    return render(request, TEMPLATE, ctx, status=ctx["status"])


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request, booking_id: int):
    """改约: the day and slot steps for a booking the user may move (the buttons' rule: hall.selectors.resident.
    booking_buttons); a POST moves it (booking_reschedule) and goes back to the booking's page. Someone else's
    booking is NotFound, as a missing one."""
    now = timezone.now()
    booking = booking_get_for_user(request.user, booking_id)
    reason = refusal(request.user.role, BookingAction.RESCHEDULE, booking_relations(request.user, booking))
    if reason is not None:  # a reader who may not move it (a leader): the table's own words
        raise PermissionDenied(reason_text(reason))
    if not booking_buttons(request.user, booking, now=now).reschedule:  # cancelled, checked in, or its time begun
        raise Conflict(_("这个预约现在不能改约。"))
    here = reverse("hall:booking-reschedule", args=[booking.pk])
    params = request.POST if request.method == "POST" else request.GET
    refused = None
    if request.method == "POST":
        try:
            booking_reschedule(actor=request.user, booking_id=booking.pk, starts_at=_text(params, "starts_at", 40))
        except DomainError as exc:
            if exc.status == 404:
                raise
            refused = exc
        else:
            messages.success(request, _("已改约。"))
            return _see_other(reverse("hall:booking", args=[booking.pk]))
    ctx = _day_and_slot({"booking": booking, "status": 200}, booking.center, booking.item, _text(params, "day", 20),
                        now=now, url=lambda d: f"{here}?{urlencode({'day': d})}")
    if refused is not None:
        _refused(ctx, refused)
        ctx["picked"] = _text(params, "starts_at", 40)
    return render(request, "hall/resident/reschedule.html", ctx, status=ctx["status"])
