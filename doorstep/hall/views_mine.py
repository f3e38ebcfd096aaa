"""A booking's page and a resident's own hall pages (issue #14 items 2 and 6), phone first: one booking with its
8-digit code large and as a QR code (what the desk scans), the one-time notice again, and cancel/reschedule where the
authority table and the state machine allow; 我的预约 with today's tickets refreshing every 15 s (htmx polling of a
fragment); and the public page behind the QR code on a printed ticket slip (no login, nothing personal).

The booking page is the link of every booking notification (hall.services.booking: /hall/bookings/<id>/).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.cases.printing import hours_lines, qr_svg
from doorstep.core.errors import DomainError
from doorstep.core.paging import page_args
from doorstep.hall.selectors.queue import ticket_from_token
from doorstep.hall.selectors.resident import (
    MINE_TABS,
    booking_buttons,
    booking_get_for_user,
    my_bookings,
    my_tickets_today,
    ticket_view,
)
from doorstep.hall.services.booking import booking_cancel

REFRESH_SECONDS = 15  # how often a waiting person's ticket is read again (issue #14 item 6: "my ticket … on the phone")
CANCEL_REASON_MAX = 200


def _booking_context(request, booking, *, now) -> dict:
    return {"booking": booking, "buttons": booking_buttons(request.user, booking, now=now),
            "qr": qr_svg(booking.code, scale=6), "hours": hours_lines(booking.center),
            "materials": list(booking.item.materials.all()), "mine": request.user.resident_id == booking.applicant_id}


@login_required
@require_GET
def booking(request, booking_id: int):
    """One booking as its reader may see it (hall.selectors.resident.READ_RELATIONS); NotFound (404) for a missing
    booking and someone else's alike."""
    now = timezone.now()
    found = booking_get_for_user(request.user, booking_id)
    return render(request, "hall/resident/booking.html", _booking_context(request, found, now=now))


@login_required
@require_POST
def cancel(request, booking_id: int):
    """Cancel a booking (booking_cancel) and go back to its page; a refusal shows the page with the reason. A
    booking the user may not read is NotFound before the service is asked, so a refusal never tells it exists."""
    found = booking_get_for_user(request.user, booking_id)
    try:
        booking_cancel(actor=request.user, booking_id=found.pk,
                       reason=" ".join(str(request.POST.get("reason", "")).split())[:CANCEL_REASON_MAX])
    except DomainError as exc:
        if exc.status == 404:
            raise
        ctx = _booking_context(request, booking_get_for_user(request.user, found.pk), now=timezone.now())
        ctx["error"] = exc.message
        return render(request, "hall/resident/booking.html", ctx, status=exc.status)
    messages.success(request, _("预约已取消，号源已释放。"))
    return HttpResponseRedirect(reverse("hall:booking", args=[found.pk]), status=303)


@workspace_page("hall:mine")
@require_GET
def mine(request):
    """我的预约: today's tickets (with ?part=tickets under htmx: that fragment alone, polled every REFRESH_SECONDS),
    then the bookings, upcoming soonest first or past latest first (?tab=past), paged."""
    now = timezone.now()
    tickets = my_tickets_today(request.user, now=now)
    ctx = {"tickets": tickets, "refresh": REFRESH_SECONDS, "live": any(t.live for t in tickets)}
    if request.headers.get("HX-Request") and request.GET.get("part") == "tickets":
        return render(request, "hall/resident/_my_tickets.html", ctx)
    tab = request.GET.get("tab", "upcoming")
    tab = tab if tab in MINE_TABS else "upcoming"
    ctx.update(tab=tab, page=my_bookings(request.user, tab=tab, now=now, **page_args(request)))
    return render(request, "hall/resident/mine.html", ctx)


@require_GET
def ticket_public(request, token: str):
    """The page behind a printed ticket's QR code (no login): the number, its state, how many are ahead and the wait
    range, the window once called — nothing personal. A bad or altered token is a 404 page. Not rate limited: the
    token is signed (hall.selectors.queue.ticket_token), so nothing can be found by walking it, and the page polls
    itself every REFRESH_SECONDS."""
    view = ticket_view(ticket_from_token(token), now=timezone.now())
    ctx = {"t": view, "refresh": REFRESH_SECONDS}
    if request.headers.get("HX-Request"):
        return render(request, "hall/resident/_ticket_public.html", ctx)
    return render(request, "hall/resident/ticket_public.html", ctx)
