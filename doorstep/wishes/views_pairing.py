"""结对帮扶 pages (issue #15 item 3): 结对帮扶 lists for each reader (a volunteer's own, phone-sized; the community's
with the last visit and needs found; a grid worker's grid, read-only), 新建结对 (the community's staff: a volunteer
and a household by 户号 or from a wish; a volunteer: from a wish they claimed), one pairing with its visits, the
visit form and 结束结对. A volunteer never sees the household's address, members, phones or ID numbers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.pages import workspace_page
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.paging import page_args
from doorstep.wishes.models import Pairing
from doorstep.wishes.selectors import pairing as sel
from doorstep.wishes.services import pairing as svc

TEXT_MAX = 600  # a form's text is cut past what any field takes; the service refuses what is too long


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _text(post, name: str, limit: int = TEXT_MAX) -> str:
    return str(post.get(name, ""))[:limit]


@workspace_page("volunteers:pairings")
@require_GET
def pairings(request):
    """结对帮扶: the pairings the reader may see (active or ended), searchable by volunteer, number or household."""
    tab = str(request.GET.get("tab", Pairing.State.ACTIVE))
    tab = tab if tab in sel.TABS else Pairing.State.ACTIVE
    query = " ".join(str(request.GET.get("q", "")).split())[:sel.QUERY_MAX]
    page = sel.pairing_list(request.user, tab=tab, query=query, **page_args(request))
    ctx = {"page": page, "tab": tab, "q": query, "tabs": [(s.value, s.label) for s in sel.TABS],
           "may_start": sel.may_start_pairing(request.user), "staff_view": request.user.role != "volunteer",
           "today": timezone.localdate()}
    return render(request, "wishes/pairing/list.html", ctx)


def _new_context(request, **extra) -> dict:
    user = request.user
    ctx = {"wish_id": str(request.GET.get("wish", request.POST.get("wish", "")))[:20], **extra}
    if sel.may_start_pairing(user):
        ctx["candidates"] = sel.pairing_candidates(user.org_node)
    return ctx


@login_required
@require_http_methods(["GET", "POST"])
def pairing_new(request):
    """新建结对: the community's staff choose a volunteer (from the roster or by number) and a household (户号, or
    the wish's); a volunteer confirms pairing with the household of a wish they claimed (?wish=id)."""
    user = request.user
    if user.role != "volunteer" and not sel.may_start_pairing(user):
        raise PermissionDenied(_("只有本社区工作人员可以新建结对。"))
    if request.method == "GET":
        return render(request, "wishes/pairing/new.html", _new_context(request))
    post = request.POST
    volunteer_id = _text(post, "volunteer", 20)
    number = _text(post, "volunteer_number", 30).strip()
    if number and user.role != "volunteer":
        found = sel.volunteer_by_number(number)
        volunteer_id = str(found.pk) if found else "0"
    try:
        pairing = svc.pairing_start(actor=user, wish_id=_text(post, "wish", 20) or None,
                                    household_number=_text(post, "household", 40), volunteer_id=volunteer_id or None,
                                    idempotency_key=post.get(KEY_FIELD))
    except DomainError as exc:
        if exc.status == 404:
            raise
        ctx = _new_context(request, error=exc.message, error_field=exc.field or "",
                           values={"volunteer": volunteer_id, "volunteer_number": number,
                                   "household": _text(post, "household", 40)})
        return render(request, "wishes/pairing/new.html", ctx, status=exc.status)
    again = _("这张表单已经提交过，没有重复结对。") if was_replayed(pairing) else ""
    messages.success(request, again + _("已结对：%(household)s。") % {"household": pairing.household_masked})
    return _see_other(reverse("volunteers:pairing", args=[pairing.pk]))


def _detail(request, pairing_id, **extra) -> dict:
    pairing, held = sel.pairing_get_for_user(request.user, pairing_id)
    return {"p": pairing, "buttons": sel.pairing_buttons(request.user, pairing, held),
            "visits": sel.pairing_visits(pairing), "today": timezone.localdate(),
            "started": timezone.localdate(pairing.started_at), "done_max": svc.VISIT_TEXT_MAX, **extra}


@login_required
@require_GET
def pairing_detail(request, pairing_id: int):
    return render(request, "wishes/pairing/detail.html", _detail(request, pairing_id))


@login_required
@require_POST
def pairing_visit(request, pairing_id: int):
    """记录走访 (the paired volunteer); the page again with the reason when refused, nothing saved."""
    pairing, _held = sel.pairing_get_for_user(request.user, pairing_id)
    post = request.POST
    try:
        visit = svc.pairing_log_visit(actor=request.user, pairing_id=pairing.pk, visited_on=_text(post, "visited_on", 20),
                                      done=_text(post, "done"), needs=_text(post, "needs"),
                                      idempotency_key=post.get(KEY_FIELD))
    except DomainError as exc:
        if exc.status == 404:
            raise
        ctx = _detail(request, pairing.pk, error=exc.message, error_field=exc.field or "",
                      values={"visited_on": _text(post, "visited_on", 20), "done": _text(post, "done"),
                              "needs": _text(post, "needs")})
        return render(request, "wishes/pairing/detail.html", ctx, status=exc.status)
    again = _("这张表单已经提交过，没有重复记录。") if was_replayed(visit) else ""
    messages.success(request, again + _("走访已记录。"))
    return _see_other(reverse("volunteers:pairing", args=[pairing.pk]))


@login_required
@require_POST
def pairing_end(request, pairing_id: int):
    pairing, _held = sel.pairing_get_for_user(request.user, pairing_id)
    try:
        svc.pairing_end(actor=request.user, pairing_id=pairing.pk, reason=_text(request.POST, "reason", 400))
    except DomainError as exc:
        if exc.status == 404:
            raise
        ctx = _detail(request, pairing.pk, end_error=exc.message)
        return render(request, "wishes/pairing/detail.html", ctx, status=exc.status)
    messages.success(request, _("结对帮扶已结束。"))
    return _see_other(reverse("volunteers:pairing", args=[pairing.pk]))
