"""The window console (窗口叫号, issue #14 item 5): open one of the center's free windows; holding one, call the next
ticket or a chosen one, recall, start, skip a no-show after the policy's recalls, transfer to another window or an
item group, take the matter in as a case at the intake page (受理办件), finish without a case (an answered question),
pause with a reason and resume, close. Every button is drawn only where hall.authority and the ticket machine allow
it (selectors.staff.ticket_buttons); every press is a POST answered by a 303 back to the console, or — refused —
by the console again with the reason in Chinese and the refusal's 4xx status, nothing changed.

Also the two hooks of the case intake page (cases.views.window, window_accept): a ticket at the clerk's window
prefills its applicant and item, and an acceptance finishes it with the case it became (item 5: "accepting at the
window turns the ticket into a case")."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError, ValidationFailed
from doorstep.core.paging import parse_page_number
from doorstep.hall.selectors.staff import board_url, console_for, row_id, ticket_at_my_window
from doorstep.hall.services import windows as hall
from doorstep.hall.views_desk import pager
from doorstep.hall.workflow import TicketState

REASON_MAX = 100  # WindowSession.pause_reason
GROUP_MAX = 20  # a catalog category's code


def _console_page(request, *, error: DomainError | None = None):
    console = console_for(request.user, waiting_page=parse_page_number(request.GET.get("wpage")))
    ctx = {"console": console, "error": error.message if error else "", "board_url": board_url(console.center),
           "waiting_pager": pager(request, console.waiting, "wpage"), "chosen_allowed": "chosen" in console.buttons,
           "intake_url": reverse("window") + f"?ticket={console.ticket.pk}" if console.ticket else ""}
    return render(request, "hall/staff/window.html", ctx, status=error.status if error else 200)


@workspace_page("hall:window")
@require_GET
def console(request):
    return _console_page(request)


def _pause_reason(post) -> str:
    reason = str(post.get("reason", "")).strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_("暂停原因最多100个字。"), field="reason")
    return reason


def _transfer(user, post):
    # one select names either a window ("w:12") or an item group ("g:MZ"): one choice, never both
    kind, _sep, value = str(post.get("to", "")).partition(":")
    if kind == "w":
        return hall.ticket_transfer(actor=user, to_window_id=row_id(value))
    if kind == "g" and value and len(value) <= GROUP_MAX:
        return hall.ticket_transfer(actor=user, to_group=value)
    raise ValidationFailed(_("请选择转到哪个窗口或哪类业务。"), field="to")


def _said(action: str, ticket) -> str:
    number = ticket.number if ticket is not None else ""
    return {
        "chosen": _("已呼叫 {number} 号。"),
        "next": _("已呼叫 {number} 号。"),
        "recall": _("已重呼 {number} 号。"),
        "start": _("{number} 号开始办理。"),
        "skip": _("{number} 号已过号。"),
        "transfer": _("{number} 号已转移，重新排队等候。"),
        "finish": _("{number} 号已办结。"),
    }[action].format(number=number)


@workspace_page("hall:window")
@require_POST
def window_act(request):
    """One press of the console: `action` names it; `window` (开窗), `ticket` (选号呼叫), `reason` (暂停) and `to`
    (转移: "w:<window id>" or "g:<category code>") carry what it needs."""
    user, post = request.user, request.POST
    action = str(post.get("action", ""))[:20]
    try:
        if action == "open":
            session = hall.window_open(actor=user, window_id=row_id(post.get("window")))
            messages.success(request, _("已开窗：{window}。").format(window=session.window))
        elif action == "close":
            hall.window_close(actor=user)
            messages.success(request, _("已关窗。"))
        elif action == "pause":
            hall.window_pause(actor=user, reason=_pause_reason(post))
            messages.success(request, _("已暂停服务。"))
        elif action == "resume":
            hall.window_resume(actor=user)
            messages.success(request, _("已恢复服务。"))
        elif action == "next":
            ticket = hall.ticket_call_next(actor=user)
            if ticket is None:
                messages.info(request, _("当前没有等候的号。"))
            else:
                messages.success(request, _said(action, ticket))
        else:
            moves = {"chosen": lambda: hall.ticket_call_chosen(actor=user, ticket_id=row_id(post.get("ticket"))),
                     "recall": lambda: hall.ticket_recall(actor=user), "start": lambda: hall.ticket_start(actor=user),
                     "skip": lambda: hall.ticket_skip(actor=user), "transfer": lambda: _transfer(user, post),
                     "finish": lambda: hall.ticket_finish(actor=user)}
            if action not in moves:
                raise ValidationFailed(_("未知的操作。"), field="action")
            messages.success(request, _said(action, moves[action]()))
    except DomainError as exc:
        return _console_page(request, error=exc)
    return HttpResponseRedirect(reverse("hall:window"), status=303)


# ---- the case intake page's hooks (called from cases.views) --------------------------------------------------------

def _held_ticket(request):
    """ticket_at_my_window, read once per request (the intake page asks twice)."""
    if not hasattr(request, "_hall_ticket"):
        request._hall_ticket = ticket_at_my_window(request.user)
    return request._hall_ticket


def intake_params(request, params):
    """The intake page's query with the ticket at the clerk's window filled in: `?ticket=<id>` of that ticket, on a
    page not yet showing a resident or an item, becomes `resident=<its applicant>` and `item=<its item>` (what is
    known of them). The applicant is opened for the clerk the way a search would (a SearchGrant, audited): the person
    is at their window. Any other query is returned unchanged."""
    wanted = params.get("ticket") if params is not None else None
    if not wanted or params.get("resident") or params.get("q") or params.get("item") or params.get("bundle"):
        return params
    ticket = _held_ticket(request)
    if ticket is None or str(ticket.pk) != str(wanted) or ticket.applicant_id is None:
        return params
    from doorstep.audit.services import audit_record
    from doorstep.registry.models import SearchGrant
    from doorstep.registry.services import search_grants_record

    audit_record(actor=request.user, action="registry.search", target_type="registry.resident",
                 summary={"kind": "hall_ticket", "ticket": ticket.pk, "total": 1, "channel": "window"})
    search_grants_record(actor=request.user, kind=SearchGrant.Kind.RESIDENT, object_ids=[ticket.applicant_id])
    filled = params.copy()
    filled["resident"] = str(ticket.applicant_id)
    if ticket.item_id:
        filled["item"] = ticket.item.code
    return filled


def intake_ticket(request):
    """The ticket at the clerk's window, for the intake form's "finish this ticket too" box; None when none."""
    return _held_ticket(request)


def finish_after_accept(request, case) -> None:
    """After the intake page accepted `case`: when the form's `hall_ticket` box names the ticket at the clerk's
    window, finish it with the case (starting it first if it was only called). A refusal there does not undo the
    accepted case: it is said as a warning, and the console still offers 办结."""
    wanted = request.POST.get("hall_ticket")
    if not wanted:
        return
    ticket = ticket_at_my_window(request.user)
    if ticket is None or str(ticket.pk) != str(wanted):
        return  # a replayed submission: the ticket was finished with the first one
    try:
        if ticket.state == TicketState.CALLED:
            hall.ticket_start(actor=request.user)
        hall.ticket_finish(actor=request.user, case=case)
    except DomainError as exc:
        messages.warning(request, _("办件已受理，但 {number} 号未能办结：{reason}").format(
            number=ticket.number, reason=exc.message))
        return
    messages.info(request, _("{number} 号已办结。").format(number=ticket.number))
