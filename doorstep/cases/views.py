"""The one window (综合受理) and case pages: find the resident, pick the item, tick materials, check shared data,
accept or refuse; the case page with its timeline and actions; the ledger, the approver queue, deliveries and the
supervision page. The printed papers (receipt, notice, certificate, decision letter) are print_views.py."""

from io import BytesIO
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.accounts.pages import may_open, workspace_page
from doorstep.audit.services import audit_record
from doorstep.cases.authority import REASON_REQUIRED_FOR_STAFF, Extra, permitted
from doorstep.cases.models import Channel, Delivery
from doorstep.cases.printing import qr_svg, tracking_url
from doorstep.cases.selectors import (
    action_label,
    approver_decisions_for_user,
    approver_queue_choices,
    approver_queue_for_user,
    bundle_get_for_user,
    case_by_public_code,
    case_detail_for_user,
    case_extras,
    case_facts,
    case_ledger_for_user,
    case_list_for_user,
    case_relations,
    certificate_by_verify_code,
    deliveries_for_user,
    eligibility_reviews_for_user,
    resident_next_step,
    state_label,
    step_label,
    supervision_for_user,
    supervision_limits,
)
from doorstep.cases.services import (
    REASON_REQUIRED,
    REVIEW_DECIDERS,
    REVIEW_DECISIONS,
    bundle_accept_at_window,
    case_accept_at_window,
    case_choose_delivery,
    case_refuse_at_window,
    case_search_record,
    case_transition,
    eligibility_check_at_window,
    eligibility_review_resolve,
    handover_receive,
    unreceived_handovers,
)
from doorstep.cases.services.intake import applicant_for_intake
from doorstep.cases.services.transitions import UNRECEIVED_ASKS
from doorstep.cases.staging import discard_staged, stage_uploads, staged_uploads
from doorstep.cases.supervision import MARK_LABELS, sla_mark
from doorstep.cases.workflow import Action, State, allowed_actions
from doorstep.catalog.eligibility import describe_rules
from doorstep.catalog.selectors import bundle_get, catalog_bundles, catalog_item_get, catalog_items
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import was_replayed
from doorstep.core.links import public_url
from doorstep.core.paging import capped_count, page_args, parse_page_number
from doorstep.core.ratelimit import EXPORT, LIST, TRACK, TRACK_MISS, over_limit, rate_limited, shared_slot
from doorstep.hall.views_window import finish_after_accept as hall_finish_after_accept
from doorstep.hall.views_window import intake_params as hall_intake_params
from doorstep.hall.views_window import intake_ticket as hall_intake_ticket
from doorstep.ratings.selectors import rating_may_rate
from doorstep.registry.selectors import resident_age, resident_rows_described
from doorstep.registry.services import resident_lookup

# Said before the usual message when a doubled or resubmitted form returned the first result (core.idempotency).
_AGAIN = gettext_lazy("这张表单已经提交过，未重复办理。")


def _marked(page):
    """Attach the supervision mark (red/yellow) to each case row of a page; no queries."""
    today, limit = supervision_limits()
    for case in page.items:
        case.mark = sla_mark(case.state, case.due_date, today=today, yellow_limit=limit)
        case.mark_label = _(MARK_LABELS[case.mark]) if case.mark else ""
    return page


def _window_context(request, params, kept: dict | None = None) -> dict:
    """The window page's context from `params` (the GET query, or the POST that failed): ?q= finds the resident (an
    audited search; a window clerk may then open the residents it showed), ?resident=&item_q= picks the item,
    ?item= or ?bundle= shows the material check with the eligibility rules read against the registry. `kept` holds
    what the clerk had entered when a submission failed, so the page shows it again (issue #11 item 2)."""
    params = hall_intake_params(request, params)  # a ticket at the clerk's window: its applicant and item
    ctx = {"q": params.get("q", ""), "item_q": params.get("item_q", ""), "kept": kept or {},
           "hall_ticket": hall_intake_ticket(request)}
    if ctx["q"]:
        result = resident_lookup(actor=request.user, query=ctx["q"], channel="window", sort="relevance",
                                 page=parse_page_number(params.get("page")))
        ctx["page"] = result.page
        ctx["search_note"] = result.note  # how the query was read (a 15-digit ID number converted)
        ctx["found"] = resident_rows_described(result.page.items)
    if params.get("resident"):
        ctx["resident"] = applicant_for_intake(request.user, params["resident"])  # archived: refused, saying why
        ctx["age"] = resident_age(ctx["resident"])
        ctx["items"] = list(catalog_items(query=ctx["item_q"]))[:30] if ctx["item_q"] else []
        ctx["bundles"] = list(catalog_bundles(query=ctx["item_q"]))[:10] if ctx["item_q"] else []
    if params.get("item") and ctx.get("resident"):
        ctx["item"] = catalog_item_get(params["item"])
        ctx["has_shared"] = any(m.shared_data for m in ctx["item"].materials.all())
        ctx["deliveries"] = Delivery.choices
        ctx["consented"] = params.get("consent") == "1" or ctx["kept"].get("consent", False)
        if ctx["has_shared"] and not ctx["consented"] and ctx["item"].eligibility_rules:
            # no figures before the applicant agrees to the shared-data checks: the rules alone
            ctx["eligibility"] = {"preview": True, "eligible": None,
                                  "sentences": describe_rules(ctx["item"].eligibility_rules)}
        else:
            ctx["eligibility"] = eligibility_check_at_window(actor=request.user, item=ctx["item"],
                                                             applicant=ctx["resident"])
        ctx["collect_materials"] = [(m, None) for m in ctx["item"].materials.all()]
    if params.get("bundle") and ctx.get("resident"):
        ctx["bundle"] = bundle_get(params["bundle"])
        ctx["has_shared"] = any(m["shared_data"] for m in ctx["bundle"].merged_materials)
        ctx["deliveries"] = Delivery.choices
        ctx["consented"] = params.get("consent") == "1" or ctx["kept"].get("consent", False)
        if ctx["consented"] or not ctx["has_shared"]:
            checks = [(i, eligibility_check_at_window(actor=request.user, item=i, applicant=ctx["resident"]))
                      for i in ctx["bundle"].items.all()]
        else:  # the rules alone until the applicant agrees to the shared-data checks
            checks = [(i, {"preview": True, "eligible": None, "sentences": describe_rules(i.eligibility_rules)}
                       if i.eligibility_rules else None) for i in ctx["bundle"].items.all()]
        ctx["bundle_eligibility"] = [(i, e) for i, e in checks if e is not None]
        ctx["bundle_ineligible"] = any(e["eligible"] is False for _, e in ctx["bundle_eligibility"])
    return ctx


@workspace_page("window")
def window(request):
    """Step by step on one page: find the resident, pick the item, check the materials and the rules, decide."""
    try:
        ctx = _window_context(request, request.GET)
    except DomainError as exc:
        return render(request, "cases/window.html", {"error": exc.message, "q": request.GET.get("q", "")},
                      status=exc.status)
    return render(request, "cases/window.html", ctx)


def _window_failed(request, exc: DomainError, *, kind: str, staged: dict | None = None):
    """A refused submission: the same page again with every tick, choice and word the clerk entered, and the
    reason at the top (nothing was stored). A missing resident or item is a plain 404 as on a GET."""
    if exc.status == 404:
        raise exc
    post = request.POST
    kept = {"material": set(post.getlist("material")), "missing": set(post.getlist("missing")),
            "consent": post.get("consent") == "1", "delivery": post.get("delivery", ""),
            "reason": post.get("reason", "")[:300], "ineligible_acknowledged": post.get("ineligible_acknowledged") == "1",
            "address": post.get("address", "")[:200],
            "field": exc.field or ""}
    params = {"resident": post.get("resident", ""), kind: post.get(kind, "")}
    try:
        ctx = _window_context(request, params, kept)
    except DomainError:
        ctx = {"kept": kept}
    ctx["error"] = exc.message
    if staged is not None and ctx.get("item"):  # a grid worker's collection: the photos already taken, kept
        ctx["collect_materials"] = [(m, staged.get(m.id)) for m in ctx["item"].materials.all()]
    return render(request, "cases/window.html", ctx, status=exc.status)


@workspace_page("window")
@require_POST
def window_accept(request):
    """Accept, or — with the refuse button — record the refusal and print the one-time notice."""
    post = request.POST
    try:
        if post.get("decision") == "refuse":
            case = case_refuse_at_window(actor=request.user, item_code=post.get("item", ""),
                                         applicant_id=post.get("resident"),
                                         missing_material_ids=post.getlist("missing"), reason=post.get("reason", ""),
                                         idempotency_key=post.get(KEY_FIELD))
            messages.warning(request, (str(_AGAIN) if was_replayed(case) else "")
                             + _("已出具一次性告知书，办件编号 {number}。").format(number=case.number))
            return redirect("cases:notice", case_id=case.pk)
        case = case_accept_at_window(
            actor=request.user, item_code=post.get("item", ""), applicant_id=post.get("resident"),
            materials_present=post.getlist("material"), missing_material_ids=post.getlist("missing"), consent=post.get("consent") == "1",
            delivery=post.get("delivery", Delivery.PICKUP), idempotency_key=post.get(KEY_FIELD),
            ineligible_acknowledged=post.get("ineligible_acknowledged") == "1",
            delivery_address=post.get("address", ""),
            channel=Channel.GRID if request.user.role == "grid_worker" else Channel.WINDOW)
    except DomainError as exc:
        return _window_failed(request, exc, kind="item")
    messages.success(request, (str(_AGAIN) if was_replayed(case) else "")
                     + _("已受理，办件编号 {number}。").format(number=case.number))
    hall_finish_after_accept(request, case)  # the ticket at the clerk's window, when the form ticked it
    return redirect("cases:detail", case_id=case.pk)


@workspace_page("window")
@require_POST
def window_accept_bundle(request):
    post = request.POST
    try:
        bundle = bundle_accept_at_window(actor=request.user, bundle_code=post.get("bundle", ""),
                                         applicant_id=post.get("resident"),
                                         materials_present_names=post.getlist("material"),
                                         consent=post.get("consent") == "1",
                                         delivery=post.get("delivery", Delivery.PICKUP),
                                         ineligible_acknowledged=post.get("ineligible_acknowledged") == "1",
                                         delivery_address=post.get("address", ""),
                                         idempotency_key=post.get(KEY_FIELD))
    except DomainError as exc:
        return _window_failed(request, exc, kind="bundle")
    messages.success(request, (str(_AGAIN) if was_replayed(bundle) else "")
                     + _("“{name}”已一次受理，编号 {number}。").format(name=bundle.definition.name,
                                                                 number=bundle.number))
    return redirect("cases:bundle", bundle_id=bundle.pk)


@login_required
def bundle_detail(request, bundle_id: int):
    bundle, members = bundle_get_for_user(request.user, bundle_id)
    for case in members:
        case.state_label = state_label(case.state)
    return render(request, "cases/bundle.html", {"bundle": bundle, "members": members})


@login_required
def case_detail(request, case_id: int):
    from doorstep.ratings.views import rating_form_kept

    case, history = case_detail_for_user(request.user, case_id)
    user = request.user
    held = case_relations(user, case)
    # the buttons: what the state machine allows the role now AND the authority table allows from where they stand
    usable = [a for a in allowed_actions(case_facts(case), user.role) if permitted(user.role, a, held)]
    # a reason field where the service asks for one (approval's is optional; staff withdrawing must give one)
    noted = REASON_REQUIRED | {Action.APPROVE} | (REASON_REQUIRED_FOR_STAFF if user.role != "resident" else set())
    actions = [(a.value, action_label(a), a in noted) for a in usable if a != Action.RATE]  # rating: own form
    deciding = UNRECEIVED_ASKS & set(usable)
    unreceived = bool(deciding) and bool(unreceived_handovers(case))
    kept_act = request.session.pop(f"kept_act_{case.pk}", None) or {}  # what a refused action had typed
    today, limit = supervision_limits()
    mark = sla_mark(case.state, case.due_date, today=today, yellow_limit=limit)
    return render(request, "cases/detail.html", {
        "case": case, "actions": actions, "state_label": state_label(case.state),
        "history": [(h, step_label(h.action)) for h in history], "mark": mark,
        "mark_label": _(MARK_LABELS[mark]) if mark else "", "can_rate": rating_may_rate(user, case), "unreceived": unreceived,
        "kept_act": kept_act,
        "can_choose_delivery": permitted(user.role, Extra.CHOOSE_DELIVERY, held) and case.state not in (
            State.DELIVERED, State.RATED, State.REFUSED, State.REJECTED, State.WITHDRAWN),
        "rating_form": rating_form_kept(request, case.pk), "deliveries": Delivery.choices,
        "track_url": tracking_url(case), "track_qr": qr_svg(tracking_url(case)),
        "track_form_url": public_url(reverse("track-form")),
        **case_extras(case),
    })


@login_required
@require_POST
def case_act(request, case_id: int):
    """One workflow action from the case page. Refused: back to the case with the reason and what was typed kept.
    Done: back to the case — or, when the case has left the user's sight (forwarded up, out of a street's scope),
    to the queue with what was done."""
    action = request.POST.get("action", "")
    try:
        case = case_transition(actor=request.user, case_id=case_id, action=action,
                               note=request.POST.get("note", ""),
                               confirm_unreceived=request.POST.get("confirm_unreceived") == "1")
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        request.session[f"kept_act_{case_id}"] = {"action": action[:30], "note": request.POST.get("note", "")[:300],
                                                  "confirm": request.POST.get("confirm_unreceived") == "1"}
        return redirect(f"/cases/{case_id}/")
    if request.POST.get("next", "").startswith("/cases/"):
        return redirect(request.POST["next"])
    try:
        case_detail_for_user(request.user, case.pk)
    except DomainError:
        messages.success(request, _("已{action}：办件编号 {number}，现由{node}办理。").format(
            action=action_label(action), number=case.number, node=case.review_node.name))
        return redirect("cases:queue" if may_open(request.user, "cases:queue") else "home")
    messages.success(request, _("已办理“{action}”：办件编号 {number}，当前状态“{state}”。").format(
        action=action_label(action), number=case.number, state=state_label(case.state)))
    return redirect(f"/cases/{case_id}/")


@login_required
@require_POST
def case_delivery(request, case_id: int):
    try:
        case_choose_delivery(actor=request.user, case_id=case_id, delivery=request.POST.get("delivery", ""),
                             address=request.POST.get("address", ""))
        messages.success(request, _("送达方式已更新。"))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("cases:detail", case_id=case_id)


@login_required
@require_POST
def case_rate(request, case_id: int):
    from doorstep.ratings.services import rating_submit
    from doorstep.ratings.views import rating_form_keep

    try:
        rating = rating_submit(actor=request.user, case_id=case_id, overall=request.POST.get("overall"),
                               efficiency=request.POST.get("efficiency"), service=request.POST.get("service"),
                               attitude=request.POST.get("attitude"), comment=request.POST.get("comment", ""),
                               idempotency_key=request.POST.get(KEY_FIELD))
        messages.success(request, (_("评价已提交过。") if was_replayed(rating) else "") + _("感谢您的评价。")
                         + (_("服务中心将在规定时限内答复您。") if rating.is_bad else ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        rating_form_keep(request, case_id, request.POST)  # shown again as sent (issue #11 item 2)
    return redirect("cases:detail", case_id=case_id)


@login_required
@require_POST
def handover_receive_view(request, case_id: int, handover_id: int):
    try:
        handover_receive(actor=request.user, handover_id=handover_id)
        messages.success(request, _("材料已签收。"))
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("cases:detail", case_id=case_id)


def _ledger_filters(request) -> dict:
    g = request.GET
    return {"state": g.get("state", ""), "mark": g.get("mark", ""), "q": g.get("q", ""),
            "sort": g.get("sort", "-id"), "channel": g.get("channel", "")}


@workspace_page("cases:list")
@rate_limited(LIST)
def case_list(request):
    if request.user.role == "resident":  # 我的办件: the applicant's own cases as cards, not the staff ledger
        from django.db.models import prefetch_related_objects

        page = case_list_for_user(request.user, **page_args(request))
        prefetch_related_objects(page.items, "center")  # where to pick up: one query for the page
        for case in page.items:
            case.state_label = state_label(case.state)
            case.next_step = resident_next_step(case)
        return render(request, "cases/my_cases.html", {"page": page})
    filters = _ledger_filters(request)
    page = _marked(case_list_for_user(request.user, **page_args(request), **filters))
    case_search_record(actor=request.user, query=filters["q"], cases=page.items)
    return render(request, "cases/list.html", {
        "page": page, **filters, "states": [(s.value, state_label(s)) for s in State],
        "channels": Channel.choices, "export_query": request.GET.urlencode()})


@workspace_page("cases:list")
def case_export(request):
    """The ledger as .xlsx, with the list page's filters and sort, every row (issue #11 item 9). Up to
    DOORSTEP_EXPORT_INLINE_ROWS rows the file comes at once; a larger ledger asks to confirm, and the POST queues a
    background export (doorstep.exports) whose page shows its progress. Audited either way (it carries names)."""
    from django.conf import settings

    from doorstep.cases.export import LedgerExport
    from doorstep.exports.services import export_request

    # only exports count against DOORSTEP_RATE_EXPORT, not the page that asks to confirm one (review finding)
    if request.method == "POST" and (refused := over_limit(request, EXPORT)) is not None:
        return refused
    if request.method == "POST":
        filters = {k: request.POST.get(k, "") for k in ("state", "mark", "q", "sort", "channel")}
        try:
            job = export_request(actor=request.user, kind="cases.ledger", filters=filters,
                                 idempotency_key=request.POST.get(KEY_FIELD))
        except DomainError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
            return redirect("cases:list")
        return redirect("exports:status", token=job.token)
    filters = _ledger_filters(request)
    params = LedgerExport.params_from(filters)
    inline = settings.DOORSTEP_EXPORT_INLINE_ROWS
    total, more = capped_count(case_ledger_for_user(request.user, **filters), inline)
    if more:
        return render(request, "cases/export_confirm.html", {
            "filters": filters, "description": LedgerExport.describe(params, language=None), "inline": inline})
    if (refused := over_limit(request, EXPORT)) is not None:
        return refused
    with shared_slot("export", slots=settings.DOORSTEP_EXPORT_CONCURRENCY, hold_seconds=300) as got:
        if not got:
            messages.error(request, _("系统正在为其他人导出台账，请一两分钟后再试，或先按状态、期限筛选以缩小范围。"))
            return redirect(f"{reverse('cases:list')}?{request.GET.urlencode()}")
        audit_record(actor=request.user, action="case.export", target_type="cases.case",
                     summary={"description": LedgerExport.describe(params), "rows": total})
        buffer = BytesIO()
        LedgerExport.write(request.user, params, buffer, total=total)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(_('办件台账') + '.xlsx')}"
    return response


@workspace_page("cases:queue")
@rate_limited(LIST)
def approver_queue(request):
    """审批队列 with search, filters and sorting; ?tab=decided lists the user's own decisions (审批记录)."""
    if request.GET.get("tab") == "decided":
        return render(request, "cases/queue.html", {"tab": "decided",
                                                    "page": approver_decisions_for_user(request.user,
                                                                                        **page_args(request))})
    filters = {k: str(request.GET.get(k, ""))[:40] for k in ("q", "item", "area", "due", "sort")}
    page = _marked(approver_queue_for_user(request.user, **filters, **page_args(request)))
    return render(request, "cases/queue.html", {"page": page, "tab": "queue", "filters": filters,
                                                "choices": approver_queue_choices(request.user),
                                                "filtered": any(filters[k] for k in ("q", "item", "area", "due"))})


@workspace_page("cases:deliveries")
@rate_limited(LIST)
def deliveries(request):
    done = request.GET.get("done") == "1"
    page = deliveries_for_user(request.user, done=done, **page_args(request))
    return render(request, "cases/deliveries.html", {"page": page, "done": done})


@workspace_page("cases:reviews")
def eligibility_reviews(request):
    status = request.GET.get("status", "open")
    data = eligibility_reviews_for_user(request.user, status=status, **page_args(request))
    return render(request, "cases/reviews.html", {**data, "status": status, "decisions": REVIEW_DECISIONS,
                                                  "can_resolve": request.user.role in REVIEW_DECIDERS})


@workspace_page("cases:reviews")
@require_POST
def eligibility_review_resolve_view(request, review_id: int):
    try:
        eligibility_review_resolve(actor=request.user, review_id=review_id, decision=request.POST.get("decision", ""),
                                   note=request.POST.get("note", ""))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("cases:reviews")
    messages.success(request, _("复核结论已记录。"))
    return redirect("cases:reviews")


@workspace_page("cases:supervision")
@rate_limited(LIST)
def supervision(request):
    mark = request.GET.get("mark", "all")
    data = supervision_for_user(request.user, mark=mark, **page_args(request))
    _marked(data["page"])
    return render(request, "cases/supervision.html", {**data, "mark": mark})


@require_http_methods(["GET", "POST"])
def track_form(request):
    """办件查询 (no login): the case number and the query code from the receipt, or the last 4 of the applicant's ID
    number; found, it goes on to the case's tracking page. Limited per address (DOORSTEP_RATE_TRACK) and, for
    failed attempts, per case number (DOORSTEP_RATE_TRACK_MISS); what was typed stays in the form."""
    from doorstep.cases.selectors import case_for_tracking, typed_case_number

    ctx = {"number": "", "error": "", "field": ""}
    if request.method == "POST":
        ctx["number"] = str(request.POST.get("number", ""))[:40]
        refused = over_limit(request, TRACK)
        if refused is not None:
            return refused
        # misses are counted against the number as the lookup reads it (selectors.typed_case_number) — only for the
        # four-character ID tail, which can be guessed: a query code (50 bits) is limited per address only, so that
        # nobody can lock a stranger out of their own case by typing wrong codes against its number
        number_key = typed_case_number(ctx["number"])[:24] or "-"
        secret = str(request.POST.get("secret", ""))[:40]
        tail = len("".join(ch for ch in secret if ch.isalnum())) <= 4
        busy = _("这个办件编号的身份证号后4位输错次数过多，已暂停用后4位查询，请稍后再试；"
                 "也可输入受理回执上的查询码，或扫描回执上的二维码。")
        if tail:
            refused = over_limit(request, TRACK_MISS, key=number_key, increment=False, message=busy)
            if refused is not None:
                return refused
        try:
            case = case_for_tracking(ctx["number"], secret)
        except DomainError as exc:
            if exc.status == 404 and tail:
                over_limit(request, TRACK_MISS, key=number_key)
            ctx.update(error=exc.message, field=exc.field or "")
            return render(request, "cases/track_form.html", ctx, status=exc.status)
        return redirect("track", code=case.public_code)
    return render(request, "cases/track_form.html", ctx)


def track(request, code: str):
    """Public tracking from the receipt's QR (no login): the state and the steps, the applicant masked."""
    try:
        case = case_by_public_code(code)
    except DomainError as exc:
        return render(request, "cases/public_message.html", {"title": _("办件查询"), "message": exc.message},
                      status=exc.status)
    steps = list(case.history.order_by("id").values_list("at", "action"))
    return render(request, "cases/track.html", {
        "case": case, "state_label": state_label(case.state),
        "steps": [(at, step_label(a)) for at, a in steps]})


def verify(request, code: str):
    """Public certificate verification from the certificate's QR (no login): genuine or not, masked data only."""
    try:
        cert = certificate_by_verify_code(code)
    except DomainError as exc:
        return render(request, "cases/public_message.html", {"title": _("证照核验"), "message": exc.message},
                      status=exc.status)
    return render(request, "cases/verify.html", {"cert": cert})


@login_required
def apply_online(request, code: str):
    """网上申请 (mobile-first): the notice's materials with one upload per paper, consent, delivery, submit."""
    from doorstep.cases.services import case_apply_online

    item = catalog_item_get(code)
    if request.user.role != "resident":  # staff take in at the window; an upload form they cannot send is a trap
        raise PermissionDenied(_("网上申请须以居民本人身份登录；工作人员请在综合受理窗口代为受理。"))
    if request.method == "POST":
        from doorstep.cases.field_views import uploaded_and_staged

        files, tokens = uploaded_and_staged(request)
        kept = staged_uploads(request.user, tokens)  # files chosen on an earlier try that came back
        try:
            case = case_apply_online(actor=request.user, item_code=code, consent=request.POST.get("consent") == "1",
                                     files={**{m: f for m, (f, _) in kept.items()}, **files},
                                     delivery=request.POST.get("delivery", Delivery.PICKUP),
                                     delivery_address=request.POST.get("address", ""),
                                     idempotency_key=request.POST.get(KEY_FIELD))
        except DomainError as exc:
            if exc.status == 404:
                raise
            staged = {m: s for m, (_, s) in kept.items()}
            staged.update(stage_uploads(request.user, files))
            return render(request, "cases/apply.html", {
                "item": item, "error": exc.message, "deliveries": Delivery.choices,
                "materials": [(m, staged.get(m.id)) for m in item.materials.all()],
                "kept": {"consent": request.POST.get("consent") == "1", "delivery": request.POST.get("delivery", ""),
                         "address": request.POST.get("address", "")[:200]},
            }, status=exc.status)
        discard_staged(request.user)
        messages.success(request, (str(_AGAIN) if was_replayed(case) else "")
                         + _("已提交，办件编号 {number}。服务站受理后开始计时，进度会发到“我的消息”。").format(
                             number=case.number))
        return redirect("cases:detail", case_id=case.pk)
    if not item.online_allowed:
        return render(request, "cases/apply.html", {"item": item, "error": _("该事项暂不支持网上申请，请到家门口的服务站办理。"),
                                                    "closed": True}, status=400)
    return render(request, "cases/apply.html", {"item": item, "deliveries": Delivery.choices,
                                                "materials": [(m, None) for m in item.materials.all()]})


@login_required
def upload_view(request, case_id: int, upload_id: int):
    """An uploaded material, for the applicant and staff who may see the case; each look is audited."""
    from django.http import FileResponse, Http404

    from doorstep.cases.models import CaseUpload
    from doorstep.cases.uploads import download_name

    case, _unused = case_detail_for_user(request.user, case_id)
    upload = CaseUpload.objects.filter(case=case, pk=upload_id).first()
    if upload is None:
        raise Http404
    audit_record(actor=request.user, action="case.upload_view", target=case, summary={"upload": upload.pk})
    # Only images open in the browser; a PDF is downloaded, and nothing served here may run script or be sniffed
    # as HTML (issue #10: Content-Disposition attachment, CSP sandbox, nosniff).
    response = FileResponse(upload.file.open("rb"), content_type=upload.content_type,
                            as_attachment=not upload.content_type.startswith("image/"),
                            filename=download_name(upload.original_name, upload.extension))
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
