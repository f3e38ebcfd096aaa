"""The one window (综合受理) and case pages: find the resident, pick the item, tick materials, accept; then the
case page with its timeline, the actions this person may take, and a printable acceptance receipt."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from doorstep.audit.services import audit_record
from doorstep.cases.export import ledger_workbook
from doorstep.cases.selectors import (
    case_detail_for_user,
    case_facts,
    case_ledger_for_user,
    case_list_for_user,
)
from doorstep.cases.services import case_accept_at_window, case_transition
from doorstep.cases.workflow import ACTION_LABELS, STATE_LABELS, Action, State, allowed_actions
from doorstep.catalog.selectors import catalog_item_get, catalog_items
from doorstep.core.errors import DomainError
from doorstep.core.paging import parse_page_number
from doorstep.registry.selectors import resident_age, resident_get_for_user, resident_search_for_user


@login_required
def window(request):
    """Step by step on one page: ?q= finds the resident, ?resident=&item_q= picks the item, ?item= shows it."""
    ctx = {"q": request.GET.get("q", ""), "item_q": request.GET.get("item_q", "")}
    try:
        if ctx["q"]:
            ctx["found"] = resident_search_for_user(request.user, query=ctx["q"]).page.items
        if request.GET.get("resident"):
            ctx["resident"] = resident_get_for_user(request.user, request.GET["resident"])
            ctx["age"] = resident_age(ctx["resident"])
            ctx["items"] = list(catalog_items(query=ctx["item_q"]))[:30] if ctx["item_q"] else []
        if request.GET.get("item") and ctx.get("resident"):
            ctx["item"] = catalog_item_get(request.GET["item"])
    except DomainError as exc:
        ctx["error"] = exc.message
        return render(request, "cases/window.html", ctx, status=exc.status)
    return render(request, "cases/window.html", ctx)


@login_required
@require_POST
def window_accept(request):
    try:
        case = case_accept_at_window(actor=request.user, item_code=request.POST.get("item", ""),
                                     applicant_id=request.POST.get("resident"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"/window/?resident={request.POST.get('resident', '')}&item={request.POST.get('item', '')}")
    messages.success(request, f"已受理，办件编号 {case.number}。")
    return redirect("cases:detail", case_id=case.pk)


@login_required
def case_detail(request, case_id: int):
    case, history = case_detail_for_user(request.user, case_id)
    actions = [(a.value, ACTION_LABELS[a]) for a in allowed_actions(case_facts(case), request.user.role)]
    return render(request, "cases/detail.html", {
        "case": case, "actions": actions, "state_label": STATE_LABELS[State(case.state)],
        "history": [(h, ACTION_LABELS[Action(h.action)]) for h in history],
    })


@login_required
@require_POST
def case_act(request, case_id: int):
    try:
        case_transition(actor=request.user, case_id=case_id, action=request.POST.get("action", ""),
                        note=request.POST.get("note", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("cases:detail", case_id=case_id)


@login_required
def case_list(request):
    state = request.GET.get("state", "")
    page = case_list_for_user(request.user, state=state, page=parse_page_number(request.GET.get("page")))
    return render(request, "cases/list.html", {"page": page, "state": state,
                                               "states": [(s.value, STATE_LABELS[s]) for s in State]})


@login_required
def case_export(request):
    """The ledger as .xlsx, with the list page's filter; audited (it carries names)."""
    state = request.GET.get("state", "")
    audit_record(actor=request.user, action="case.export", target_type="cases.case", summary={"state": state[:24]})
    response = HttpResponse(ledger_workbook(case_ledger_for_user(request.user, state=state)),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%8A%9E%E4%BB%B6%E5%8F%B0%E8%B4%A6.xlsx"
    return response
