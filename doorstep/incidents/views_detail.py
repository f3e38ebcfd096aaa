"""The incident page (事件详情) for everyone who may see the incident, with the forms of exactly the actions the
viewer may take now, and the one endpoint those forms post to: /incidents/<pk>/<action>/ calls one service and
answers 303 back to the page with what was done, or shows the page again with the refusal and what was typed
(4xx). Which forms are drawn is selectors_center.detail_actions: the loop's table and the authority table, the same
two the services ask."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.core.errors import DomainError, NotFound, ValidationFailed
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import idempotent_create
from doorstep.incidents.models import ExtensionRequest, LimitUnit
from doorstep.incidents.selectors import incident_get_for_user
from doorstep.incidents.selectors_center import (
    categories_by_id,
    departments,
    detail_actions,
    due_mark,
    duplicate_hints,
    incident_detail,
    order_state_label,
    scoped_incidents,
    state_label,
    step_label,
)
from doorstep.incidents.services import center, handling, supervision
from doorstep.incidents.workflow import RESOLUTION_LABELS, TIER_LABELS, Resolution, Tier


def see_other(url: str) -> HttpResponseRedirect:
    """POST then 303 See Other: the browser fetches the page with GET, and a reload does not post again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# ---- the page ------------------------------------------------------------------------------------------------------

def _dispatch_defaults(incident, depts: list) -> dict:
    """What the dispatch form starts with: the suggestion's department when there is one (else the category's
    lead), the incident's category (else the suggested one), and for a whistle a first co-department (the
    suggestion's next department, else any other one): a whistle is never sent without one."""
    suggestion = incident.suggestion or {}
    by_short = {d.short_name: d for d in depts}
    lead = by_short.get(suggestion.get("department")) or (
        incident.category.lead_department if incident.category_id else None)
    co = None
    if incident.tier == Tier.WHISTLE:
        others = [by_short.get(r.get("department")) for r in suggestion.get("top3") or [] if isinstance(r, dict)]
        co = next((d for d in others if d is not None and d != lead), None) or next(
            (d for d in depts if d != lead), None)
    return {"lead_id": lead.pk if lead else None, "co_id": co.pk if co else None,
            "category": incident.category.code if incident.category_id else str(suggestion.get("category", ""))}


def _actor_name(actor, incident, *, hidden: bool) -> str:
    """Who took a step, as this viewer may see it: a reporter who asked to be hidden from departments stays hidden
    in the timeline too (their report, their rating, their reopening)."""
    if actor is None:
        return ""
    if hidden and (actor.role == "resident" or actor.pk == incident.reporter_user_id):
        return str(_("报告人"))
    return actor.full_name or actor.username


def render_detail(request, incident_id, *, error: str = "", error_field: str = "", kept: dict | None = None,
                  status: int = 200):
    user = request.user
    data = incident_detail(user, incident_id)
    incident = data["incident"]
    forms = detail_actions(user, data)
    now = timezone.now()
    ctx = {**data, "forms": forms, "error": error, "error_field": error_field, "kept": kept or {},
           "state_label": state_label(incident.state),
           "mark": due_mark(incident.state, incident.handling_due, incident.sla_mark, now),
           "timeline": [(h, step_label(h.action), state_label(h.to_state) if h.to_state else "",
                         _actor_name(h.actor, incident, hidden=data["reporter"]["hidden"]))
                        for h in data["history"]],
           "order_rows": [(o, order_state_label(o.state), due_mark(o.state, o.due_at, o.sla_mark, now))
                          for o in data["orders"]],
           "map_data": {"grid": incident.grid.geometry if incident.grid_id else None,
                        "point": [incident.latitude, incident.longitude] if incident.latitude is not None else None},
           "suggestion": incident.suggestion or {}}
    if forms.keys() & {"register", "dispatch"}:
        ctx["categories"] = [c for c in categories_by_id().values() if c.active]
        ctx["tiers"] = [(t.value, _(TIER_LABELS[t])) for t in Tier]
    if "dispatch" in forms:
        ctx["departments"] = departments()
        ctx["dispatch"] = _dispatch_defaults(incident, ctx["departments"])
        ctx["co_rows"] = range(3)
    if forms.keys() & {"handle", "handle_on_spot"}:
        ctx["resolutions"] = [(r.value, _(RESOLUTION_LABELS[r])) for r in Resolution]
    if forms.keys() & {"review", "rate"}:
        from doorstep.ratings.models import Level

        ctx["levels"] = Level.choices
    if "extend" in forms:
        ctx["units"] = LimitUnit.choices
    if "merge" in forms:
        ctx["duplicates"] = duplicate_hints(user, [incident]).get(incident.pk, [])
    return render(request, "incidents/detail/detail.html", ctx, status=status)


@login_required
def incident_page(request, pk: int):
    return render_detail(request, pk)


# ---- the actions ---------------------------------------------------------------------------------------------------

def _flag(value) -> bool | None:
    """"1"/"0" from a form as True/False; anything else (not answered) as None."""
    return {"1": True, "0": False}.get(str(value or ""))


def _register(request, pk, user):
    p = request.POST
    incident = center.incident_register(actor=user, incident_id=pk, category=p.get("category", ""),
                                        tier=p.get("tier", ""), note=p.get("note", ""))
    return _("已立案：{number}。").format(number=incident.number)


def _dismiss(request, pk, user):
    incident = center.incident_dismiss(actor=user, incident_id=pk, reason=request.POST.get("reason", ""))
    return _("已不予立案：{number}，报告人会收到理由。").format(number=incident.number)


def _merge(request, pk, user):
    number = " ".join(str(request.POST.get("into", "")).split()).upper()[:24]
    if not number:
        raise ValidationFailed(_("请填写要合并到的事件编号。"), field="into")
    target = scoped_incidents(user).filter(number=number).values_list("id", flat=True).first()
    if target is None:
        raise ValidationFailed(_("没有找到编号为 {number} 的事件（须在您的辖区内）。").format(number=number), field="into")
    center.incident_merge(actor=user, incident_id=pk, into_id=target)
    return _("已合并到 {number}。").format(number=number)


def _once(request, user, kind: str, create):
    """A create from the page (a meeting record, an extension request, a rating) made once per form: a doubled or
    resubmitted form returns the first record (core.idempotency, the form's {% idempotency_field %}); without a key
    (an API-like client) the service's own checks stand alone. Returns whether it was a replay."""
    key = request.POST.get(KEY_FIELD)
    if not key:
        create()
        return False
    inputs = {k: str(v)[:2000] for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", KEY_FIELD)}
    _obj, replayed = idempotent_create(actor=user, key=key, kind=kind, inputs=inputs, create=create)
    return replayed


def _again(replayed: bool) -> str:
    return str(_("这张表单已经提交过，未重复办理。")) if replayed else ""


def _meeting(request, pk, user):
    p = request.POST
    replayed = _once(request, user, "incident.meeting", lambda: center.incident_meeting(
        actor=user, incident_id=pk, held_at=str(p.get("held_at", ""))[:40], participants=p.get("participants", ""),
        decisions=p.get("decisions", "")))
    return _again(replayed) + _("会议记录已保存。")


def _dispatch(request, pk, user):
    p = request.POST
    co = [(p.get(f"co_department_{i}"), p.get(f"co_part_{i}", "")) for i in range(3)
          if str(p.get(f"co_department_{i}", "")).strip()]
    incident = center.incident_dispatch(actor=user, incident_id=pk, department=p.get("department", ""),
                                        category=p.get("category", ""), part=p.get("part", ""), co=co,
                                        note=p.get("note", ""))
    return _("已派遣：{number}。").format(number=incident.number)


def _accept(request, pk, user):
    incident = handling.order_accept(actor=user, incident_id=pk)
    return _("已接单：{number}。").format(number=incident.number)


def _return(request, pk, user):
    incident = handling.order_return(actor=user, incident_id=pk, reason=request.POST.get("reason", ""))
    return _("已退单：{number}，已退回指挥中心。").format(number=incident.number)


def _part(request, pk, user):
    handling.order_part(actor=user, incident_id=pk, step=str(request.POST.get("step", "")),
                        note=request.POST.get("note", ""), photos=request.FILES.getlist("photos"))
    return _("协办情况已反馈。")


def _handle(request, pk, user):
    incident = handling.incident_handle(actor=user, incident_id=pk, resolution=request.POST.get("resolution", ""),
                                        note=request.POST.get("note", ""), photos=request.FILES.getlist("photos"))
    return _("处置情况已反馈：{number}，等待现场核查。").format(number=incident.number)


def _handle_on_spot(request, pk, user):
    incident = handling.incident_handle_on_spot(
        actor=user, incident_id=pk, note=request.POST.get("note", ""), photos=request.FILES.getlist("photos"),
        resolution=request.POST.get("resolution", "") or Resolution.SOLVED)
    return _("已自行处置：{number}，等待监督员核查。").format(number=incident.number)


def _verify(request, pk, user):
    p = request.POST
    passed = _flag(p.get("passed"))
    if passed is None:
        raise ValidationFailed(_("请选择核查结果。"), field="passed")
    incident = handling.incident_verify(actor=user, incident_id=pk, passed=passed, note=p.get("note", ""),
                                        photos=request.FILES.getlist("photos"), latitude=p.get("latitude"),
                                        longitude=p.get("longitude"))
    if passed:
        return _("核查通过：{number}。").format(number=incident.number)
    return _("核查不通过，已退回返工：{number}。").format(number=incident.number)


def _close(request, pk, user):
    incident = center.incident_close(actor=user, incident_id=pk, note=request.POST.get("note", ""))
    return _("已结案：{number}。").format(number=incident.number)


def _review(request, pk, user):
    p = request.POST
    replayed = _once(request, user, "incident.review", lambda: center.incident_review(
        actor=user, incident_id=pk, level=p.get("level"), solved=_flag(p.get("solved")),
        comment=p.get("comment", "")))
    return _again(replayed) + _("回访结果已记录。")


def _rate(request, pk, user):
    p = request.POST
    replayed = _once(request, user, "incident.rate", lambda: handling.incident_rate(
        actor=user, incident_id=pk, level=p.get("level"), solved=_flag(p.get("solved")),
        comment=p.get("comment", "")))
    return _again(replayed) + _("感谢您的评价。")


def _reopen(request, pk, user):
    incident = center.incident_reopen(actor=user, incident_id=pk, reason=request.POST.get("reason", ""))
    return _("已重新办理：{number}，指挥中心将重新派遣。").format(number=incident.number)


def _archive(request, pk, user):
    incident = center.incident_archive(actor=user, incident_id=pk)
    return _("已归档：{number}。").format(number=incident.number)


def _extend(request, pk, user):
    p = request.POST
    replayed = _once(request, user, "incident.extension_request", lambda: supervision.extension_request(
        actor=user, incident_id=pk, value=p.get("value"), unit=str(p.get("unit", "")), reason=p.get("reason", "")))
    return _again(replayed) + _("延期申请已提交，等待指挥中心值班长审批。")


def _decide_extension(request, pk, user):
    p = request.POST
    approve = _flag(p.get("approve"))
    if approve is None:
        raise ValidationFailed(_("请选择批准或不批准。"), field="approve")
    extension_id = str(p.get("extension", ""))[:12]
    # the extension must be one of this incident's: the page posts to the incident it shows
    if not (extension_id.isdigit() and ExtensionRequest.objects.filter(pk=int(extension_id),
                                                                       order__incident_id=pk).exists()):
        raise ValidationFailed(_("该延期申请不存在。"), field="extension")
    supervision.extension_decide(actor=user, extension_id=extension_id, approve=approve, note=p.get("note", ""))
    return _("已批准延期。") if approve else _("已不予批准延期。")


# action name in the URL → the one service it calls (a name not here is 404)
ACTS = {
    "register": _register, "dismiss": _dismiss, "merge": _merge, "meeting": _meeting, "dispatch": _dispatch,
    "accept": _accept, "return": _return, "part": _part, "handle": _handle, "handle_on_spot": _handle_on_spot,
    "verify": _verify, "close": _close, "review": _review, "rate": _rate, "reopen": _reopen, "archive": _archive,
    "extend": _extend, "decide_extension": _decide_extension,
}


@login_required
@require_POST
def incident_act(request, pk: int, action: str):
    """One action from the incident page. Done: 303 to the page (or home, when the incident has left the user's
    sight) with what was done. Refused: the page again with the reason, at the error's status, with what was typed;
    an incident the user may not see is 404 as on a GET."""
    handler = ACTS.get(action)
    if handler is None:
        raise NotFound()
    incident_get_for_user(request.user, pk)  # an incident the user may not see: 404 before anything is read
    try:
        message = handler(request, pk, request.user)
    except DomainError as exc:
        if exc.status == 404:
            raise
        kept = {k: str(v)[:2000] for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        kept["action"] = action
        return render_detail(request, pk, error=exc.message, error_field=exc.field or "", kept=kept,
                             status=exc.status)
    messages.success(request, message)
    back = str(request.POST.get("next", ""))
    if back.startswith("/incidents/center/") and "//" not in back and "\\" not in back:
        return see_other(back)  # a quick action from the queue: back to the same tab and page
    try:
        incident_get_for_user(request.user, pk)
    except NotFound:
        return see_other(reverse("home"))
    return see_other(reverse("incidents:detail", args=[pk]))
