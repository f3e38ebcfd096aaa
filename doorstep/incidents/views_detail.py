"""The incident page (事件详情) for everyone who may see the incident, with the forms of exactly the actions the
viewer may take now, and the one endpoint those forms post to: /incidents/<pk>/<action>/ calls one service and
answers 303 back to the page with what was done, or shows the page again with the refusal and what was typed
(4xx). Which forms are drawn is selectors_detail.detail_actions: the loop's table and the authority table, the same
two the services ask.

A resident reads the public page of their request (`public_view`): their report, the state in plain words and the
public steps (上报, 立案 or 不予立案 with its reason, 已派遣 to which department, 已处置 with the outcome and the
after-photos, 已核查, 已办结 with the result, reopening, rating). The command center's and the departments' own
records — meetings, returns and their reasons, who did each step, counters, extensions, escalations, internal
notes — stay on the staff page."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from doorstep.core.errors import DomainError, NotFound, ValidationFailed
from doorstep.core.idempotency import FIELD as KEY_FIELD
from doorstep.core.idempotency import idempotent_create
from doorstep.incidents.models import ExtensionRequest, IncidentPhoto, LimitUnit
from doorstep.incidents.selectors import incident_get_for_user
from doorstep.incidents.selectors_center import (
    categories_by_id,
    departments,
    due_mark,
    duplicate_hints,
    scoped_incidents,
    state_label,
)
from doorstep.incidents.selectors_detail import detail_actions, incident_detail, order_state_label, step_label
from doorstep.incidents.services import center, handling, supervision, whistle
from doorstep.incidents.workflow import RESOLUTION_LABELS, TIER_LABELS, OrderState, Resolution, State, Tier


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


# The longest extension a department may ask for, by unit, as services.supervision.extension_request checks it.
EXTENSION_MAX = supervision.EXTENSION_MAX


# ---- the reporter's page -------------------------------------------------------------------------------------------

# Who reads the public page: the people the incident is about, not those who work on it.
PUBLIC_ROLES = frozenset({"resident"})

# The state as a reporter reads it (the staff's labels — 待接单, 待核查, 待结案 — are the loop's inner stations).
PUBLIC_STATE_LABELS = {
    State.REPORTED: pgettext_lazy("incident for the reporter", "已收到，等待受理"),
    State.REGISTERED: pgettext_lazy("incident for the reporter", "已受理，正在安排办理"),
    State.DISMISSED: pgettext_lazy("incident for the reporter", "不予立案"),
    State.MERGED: pgettext_lazy("incident for the reporter", "已与同一问题合并办理"),
    State.DISPATCHED: pgettext_lazy("incident for the reporter", "已派给部门办理"),
    State.HANDLING: pgettext_lazy("incident for the reporter", "部门正在办理"),
    State.HANDLED: pgettext_lazy("incident for the reporter", "已处置，等待现场核查"),
    State.VERIFIED: pgettext_lazy("incident for the reporter", "已核查，即将办结"),
    State.CLOSED: pgettext_lazy("incident for the reporter", "已办结"),
    State.CLOSED_UNSOLVED: pgettext_lazy("incident for the reporter", "已办结（未解决）"),
    State.REVIEWED: pgettext_lazy("incident for the reporter", "已办结，已评价"),
    State.ARCHIVED: pgettext_lazy("incident for the reporter", "已办结"),
}
# The steps a reporter sees, by history action; every other step (接单, 退单, 协办, 会议, 延期, 督办, 归档 …) is the
# staff's own.
PUBLIC_STEPS = {
    "report": pgettext_lazy("incident for the reporter", "上报"),
    "register": pgettext_lazy("incident for the reporter", "立案"),
    "dismiss": pgettext_lazy("incident for the reporter", "不予立案"),
    "merge": pgettext_lazy("incident for the reporter", "与同一问题合并办理"),
    "dispatch": pgettext_lazy("incident for the reporter", "已派遣"),
    "handle": pgettext_lazy("incident for the reporter", "已处置"),
    "handle_on_spot": pgettext_lazy("incident for the reporter", "已处置"),
    "verify": pgettext_lazy("incident for the reporter", "已核查（通过）"),
    "close": pgettext_lazy("incident for the reporter", "已办结"),
    "close_unsolved": pgettext_lazy("incident for the reporter", "已办结"),
    "review": pgettext_lazy("incident for the reporter", "已回访"),
    "rate": pgettext_lazy("incident for the reporter", "评价"),
    "reopen": pgettext_lazy("incident for the reporter", "重新办理"),
}
# A step the staff undid is not shown: a dispatch the department returned (退单), a handling the check sent back
# (返工). The reporter sees the dispatch and the handling that stood.
UNDONE_BY = {"return": ("dispatch",), "rework": ("handle", "handle_on_spot")}
RESOLUTIONS = frozenset(r.value for r in Resolution)


@dataclass
class PublicStep:
    at: object
    action: str
    label: str
    detail: str = ""  # the department dispatched to, the result of the closing
    note: str = ""  # the dismissal's reason, the handling's outcome, the reporter's own words
    photos: list = field(default_factory=list)


def _is_own(user, incident) -> bool:
    resident_id = getattr(user, "resident_id", None)
    return (incident.reporter_user_id is not None and incident.reporter_user_id == user.pk) or (
        resident_id is not None and incident.reporter_resident_id == resident_id)


def public_photo(user, incident, photo) -> bool:
    """Whether the reporter's page shows this photo (and so whether it is served to them): their own report's photos
    and the handling's after-photos (the lead department's or the grid worker's) — never a verification's or a
    co-department's. `photo.order` loaded."""
    if photo.stage == IncidentPhoto.Stage.REPORT:
        return _is_own(user, incident)
    return photo.stage == IncidentPhoto.Stage.HANDLED and (photo.order_id is None or photo.order.role == "lead")


def public_view(user, data: dict) -> dict:
    """What the reporter's page shows: the state in plain words, the public steps (each with what a reporter may
    read of it) and the report's photos. No names of staff, no internal notes, no counters."""
    incident = data["incident"]
    lead_orders = {o.pk for o in data["orders"] if o.role == "lead"}
    photos = [p for _label, rows in data["photos"] for p in rows]
    after = sorted((p for p in photos if p.stage == IncidentPhoto.Stage.HANDLED and (
        p.order_id is None or p.order_id in lead_orders)), key=lambda p: (p.uploaded_at, p.pk))
    steps: list[PublicStep] = []
    handled_steps: list[PublicStep] = []
    for h in data["history"]:
        undone = UNDONE_BY.get(h.action)
        if undone:
            last = next((s for s in reversed(steps) if s.action in undone), None)
            if last is not None:
                steps.remove(last)
            continue
        label = PUBLIC_STEPS.get(h.action)
        if label is None:
            continue
        step = PublicStep(at=h.at, action=h.action, label=str(label))
        info = h.data or {}
        mine = h.actor_id is not None and h.actor_id == user.pk
        if h.action == "dismiss":
            step.note = h.note
        elif h.action == "dispatch":
            # the department answerable to the reporter (主办); which co-departments help, and which of them
            # returned their part, is the command center's business
            step.detail = str(info.get("lead") or "")
        elif h.action in ("handle", "handle_on_spot"):
            step.note = h.note
            handled_steps.append(step)
        elif h.action in ("close", "close_unsolved"):
            resolution = str(info.get("resolution") or incident.resolution or "")
            step.detail = _(RESOLUTION_LABELS[Resolution(resolution)]) if resolution in RESOLUTIONS else ""
        elif h.action in ("rate", "reopen") and mine:
            step.note = h.note
        steps.append(step)
    # each after-photo belongs to the handling it was taken with (stored in the same step, just after its time)
    for photo in after:
        owner = next((s for s in reversed(handled_steps) if s.at <= photo.uploaded_at), None)
        if owner is not None:
            owner.photos.append(photo)
    own = _is_own(user, incident)
    return {"public_state": PUBLIC_STATE_LABELS.get(State(incident.state), incident.state),
            "public_steps": steps,
            # their own photos only: on a report theirs was merged into, the photos are another person's
            "public_report_photos": [p for p in photos if p.stage == IncidentPhoto.Stage.REPORT and own],
            "public_ratings": [r for r in data["ratings"] if r.recorded_by_id == user.pk or (
                own and r.report_id == incident.pk)]}


def render_detail(request, incident_id, *, error: str = "", error_field: str = "", kept: dict | None = None,
                  status: int = 200):
    user = request.user
    data = incident_detail(user, incident_id)
    incident = data["incident"]
    forms = detail_actions(user, data)
    now = timezone.now()
    public = user.role in PUBLIC_ROLES
    ctx = {**data, "forms": forms, "error": error, "error_field": error_field, "kept": kept or {},
           "public": public, "state_label": state_label(incident.state),
           "mark": due_mark(incident.state, incident.handling_due, incident.sla_mark, now),
           "timeline": [(h, step_label(h.action), _target_label(h),
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
    if "add_part" in forms:
        busy = forms["add_part"]["busy"]
        ctx["part_departments"] = [d for d in departments() if d.pk not in busy]
        returned = forms["add_part"]["returned"]
        ctx["part_default"] = returned[-1].part if returned else ""
    if forms.keys() & {"handle", "handle_on_spot"}:
        ctx["resolutions"] = [(r.value, _(RESOLUTION_LABELS[r])) for r in Resolution]
    if forms.keys() & {"review", "rate"}:
        from doorstep.ratings.models import Level

        ctx["levels"] = Level.choices
    if "extend" in forms:
        # the longest extension the service takes, by unit: the number field's max follows the unit chosen
        ctx["units"] = [(value, label, EXTENSION_MAX[value]) for value, label in LimitUnit.choices]
        unit = (kept or {}).get("unit") if (kept or {}).get("action") == "extend" else None
        ctx["extend_max"] = EXTENSION_MAX.get(unit, EXTENSION_MAX[LimitUnit.choices[0][0]])
    if "merge" in forms:
        ctx["duplicates"] = duplicate_hints(user, [incident]).get(incident.pk, [])
    if incident.state in (State.DISPATCHED, State.HANDLING) and "handle" not in forms:
        # the lead reports handling once every co-department's part is done (workflow._co_parts_answered): say whom
        # it waits for, instead of a missing button
        ctx["waiting_parts"] = [o.department.short_name for o in data["orders"]
                                if o.role == "co" and o.state in (OrderState.SENT, OrderState.ACCEPTED)]
    if public:
        ctx.update(public_view(user, data))
        # nothing of the staff's records reaches the reporter's template
        for key in ("orders", "order_rows", "verifications", "meetings", "extensions", "ratings", "merged", "timeline",
                    "photos", "suggestion", "waiting_parts"):
            ctx[key] = [] if key != "suggestion" else {}
    return render(request, "incidents/detail/detail.html", ctx, status=status)


def _target_label(h) -> str:
    """The state a step led to, when it says more than the step's own name (不予立案 → 不予立案 says it twice)."""
    if not h.to_state or h.from_state == h.to_state:
        return ""
    target = state_label(h.to_state)
    return "" if target == step_label(h.action) else target


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


def _add_part(request, pk, user):
    p = request.POST
    order = whistle.incident_co_add(actor=user, incident_id=pk, department=p.get("department", ""),
                                    part=p.get("part", ""), idempotency_key=p.get(KEY_FIELD))
    return _("已加派协办部门：{department}。").format(department=order.department.short_name)


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
    "accept": _accept, "return": _return, "part": _part, "add_part": _add_part, "handle": _handle, "handle_on_spot": _handle_on_spot,
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
