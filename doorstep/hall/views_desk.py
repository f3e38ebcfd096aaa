"""The arrival desk (签到取号, issue #14 item 4) at the clerk's own center: check-in by booking code (typed, or read by
a USB QR scanner that types the code and Enter) or ID card number (typed, or read by the card reader); a walk-in
ticket for an item and a resident when known, with a declared priority class; the issued ticket shown big with a
printable slip (58/80 mm thermal paper, a QR code of the ticket's public page); today's bookings not yet arrived and
the waiting list. Thin views: parse, call one service or selector, render; POST then 303; a refusal is shown on the
page in Chinese with its 4xx status and nothing changed."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.cases.printing import qr_svg
from doorstep.core.errors import DomainError, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.paging import parse_page_number
from doorstep.hall.selectors.queue import queue_place
from doorstep.hall.selectors.staff import (
    arrival_input,
    board_url,
    class_label,
    clerk_center,
    desk_for,
    item_code_for,
    public_ticket_url,
    ticket_at_center,
)
from doorstep.hall.services.arrival import ticket_check_in, ticket_walk_in

DECLARED_MAX = 20  # a priority rule's code


def pager(request, page, param: str) -> dict | None:
    """Links to the previous and next page of one of a page's lists, each list with its own page parameter (the
    desk shows two), keeping the other parameters. None when the list has one page."""
    if page is None or not (page.has_next or page.has_previous):
        return None

    def link(number):
        params = request.GET.copy()
        params.pop("issued", None)
        params[param] = number
        return "?" + params.urlencode()

    return {"number": page.number, "pages": page.pages,
            "previous": link(page.previous_number) if page.previous_number else "",
            "next": link(page.next_number) if page.next_number else ""}


def _desk_page(request, *, error: DomainError | None = None, kept: dict | None = None):
    desk = desk_for(request.user, booking_page=parse_page_number(request.GET.get("bpage")),
                    waiting_page=parse_page_number(request.GET.get("wpage")),
                    issued_id=request.GET.get("issued") if error is None else None)
    ctx = {"desk": desk, "kept": kept or {}, "error": error.message if error else "",
           "error_field": (error.field or "") if error else "", "board_url": board_url(desk.center),
           "bookings_pager": pager(request, desk.bookings, "bpage"),
           "waiting_pager": pager(request, desk.waiting, "wpage")}
    return render(request, "hall/staff/desk.html", ctx, status=error.status if error else 200)


@workspace_page("hall:desk")
@require_GET
def desk(request):
    """The desk: both forms, the ticket just issued (?issued=<id>), today's bookings and the waiting list."""
    return _desk_page(request)


def _center_pk(user) -> int:
    center = clerk_center(user)
    if center is None:
        raise PermissionDenied(_("您所在的组织没有服务中心，不能签到取号。"))
    return center.pk


def _issued(ticket) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("hall:desk") + "?" + urlencode({"issued": ticket.pk}), status=303)


@workspace_page("hall:desk")
@require_POST
def desk_check_in(request):
    """Check a booked resident in by the one field (code or ID number) and issue their ticket."""
    post = request.POST
    kept = {"code": str(post.get("code", ""))[:60], "declared": str(post.get("declared", ""))[:DECLARED_MAX]}
    try:
        code, id_number = arrival_input(post.get("code", ""))
        ticket = ticket_check_in(actor=request.user, center_id=_center_pk(request.user), code=code,
                                 id_number=id_number, declared=kept["declared"],
                                 idempotency_key=post.get(KEY_FIELD))
    except DomainError as exc:
        return _desk_page(request, error=exc, kept={**kept, "form": "check_in"})
    return _issued(ticket)


def _walk_in_applicant(user, id_number: str):
    """The resident a walk-in names by ID number (an audited search at the window, as the intake page makes), or
    None when the field is empty. ValidationFailed when nobody the clerk may serve has that number."""
    from doorstep.registry.services import resident_lookup

    text = (id_number or "").strip()
    if not text:
        return None
    if len(text) > 60:
        raise ValidationFailed(_("证件号码过长，请核对。"), field="id_number")
    result = resident_lookup(actor=user, query=text, kind="id_number", channel="window")
    found = [r for r in result.page.items if r.openable]
    if not found:
        raise ValidationFailed(_("没有找到该证件号码的居民：请核对，或不填证件号直接取号。"), field="id_number")
    return found[0].pk


@workspace_page("hall:desk")
@require_POST
def desk_walk_in(request):
    """Issue a walk-in ticket: item and resident when known, a declared class when one applies."""
    post = request.POST
    kept = {"item": str(post.get("item", ""))[:120], "id_number": str(post.get("id_number", ""))[:60],
            "declared": str(post.get("declared", ""))[:DECLARED_MAX]}
    try:
        center_pk = _center_pk(request.user)
        item_code = item_code_for(post.get("item", ""))
        applicant_id = _walk_in_applicant(request.user, post.get("id_number", ""))
        ticket = ticket_walk_in(actor=request.user, center_id=center_pk, item_code=item_code,
                                applicant_id=applicant_id, declared=kept["declared"],
                                idempotency_key=post.get(KEY_FIELD))
    except DomainError as exc:
        return _desk_page(request, error=exc, kept={**kept, "form": "walk_in"})
    return _issued(ticket)


@workspace_page("hall:desk")
@require_GET
def ticket_slip(request, ticket_id):
    """The printed ticket (号票) for a 58 or 80 mm thermal printer: center, number, class, time, people ahead, and a
    QR code of the ticket's public page (its place and wait on the resident's phone; nothing personal)."""
    ticket = ticket_at_center(request.user, ticket_id)
    url = public_ticket_url(ticket)
    ctx = {"ticket": ticket, "class_label": class_label(ticket), "place": queue_place(ticket),
           "public_url": url, "qr": qr_svg(url, scale=2) if url else "",
           "printed_at": timezone.localtime(ticket.issued_at)}
    response = render(request, "hall/staff/slip.html", ctx)
    response["Cache-Control"] = "private, no-store"
    return response
