"""The steps of those who fix and check: a department accepts its order (接单) or returns it as not its own (退单),
answers its part of a whistle (协办反馈), reports the handling with after-photos (处置反馈); a grid worker handles a
small matter on the spot (前端自处置); the supervisor or the grid worker verifies on site (核查), or sends it back
(返工); the reporter rates it. One service per step: row lock, authority, the loop's table, history, audit,
notifications after commit."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.core.errors import Conflict, PermissionDenied, ValidationFailed
from doorstep.incidents.authority import Extra
from doorstep.incidents.clock import due, working_seconds
from doorstep.incidents.models import DispatchOrder, Incident, IncidentPhoto, IncidentRating, Verification
from doorstep.incidents.selectors import incident_get_for_user, incident_relations
from doorstep.incidents.services.center import center_users, department_users
from doorstep.incidents.services.common import (
    checked_photos,
    clean_note,
    incident_authorize,
    incident_step,
    reason_text,
    record,
    store_photos,
    tell_reporter,
)
from doorstep.incidents.workflow import (
    ACTIVE_ORDER_STATES,
    Action,
    OrderState,
    Resolution,
    State,
)
from doorstep.notifications.services import notify
from doorstep.notifications.words import said


def _order(incident: Incident, *, department_id: int | None, role: str) -> DispatchOrder:
    order = (DispatchOrder.objects.select_for_update().filter(
        incident=incident, department_id=department_id, role=role, state__in=list(ACTIVE_ORDER_STATES)).first()
        if department_id else None)
    if order is None:
        raise PermissionDenied(gettext("该事件没有派给您的部门。"))
    return order


def _resolution(value) -> str:
    value = str(value or "")
    if value not in {r.value for r in Resolution}:
        raise ValidationFailed(gettext("请选择处置结果：已解决、无法解决或不属实。"), field="resolution")
    return value


def order_accept(*, actor, incident_id) -> Incident:
    """接单: the lead department takes the order on; the response clock stops. Preconditions: DISPATCHED, the
    actor's department holds the lead order. Audit incident.accept; the reporter hears it is being handled."""
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.ACCEPT, now=now)
        order = _order(incident, department_id=actor.department_id, role="lead")
        order.state, order.accepted_at, order.accepted_by = OrderState.ACCEPTED, now, actor
        order.save(update_fields=["state", "accepted_at", "accepted_by"])
        before = incident.state
        incident.state, incident.accepted_at = facts.state, incident.accepted_at or now
        incident.save(update_fields=["state", "accepted_at"])
        record(incident, actor=actor, before=before, action=Action.ACCEPT, at=now, order=order,
               data={"in_time": now <= order.response_due})
        tell_reporter(incident, kind="incident.accept", title=gettext_noop("您反映的问题正在处置：{number}"))
    return incident


def order_return(*, actor, incident_id, reason: str) -> Incident:
    """退单: the lead department says the matter is not its own, with a reason; the incident goes back to the
    command center to be dispatched again (the round's other orders are cancelled, or superseded where a
    co-department had already answered its part) and the return is counted.
    Preconditions: DISPATCHED (not yet accepted), the actor's department holds the lead order. Audit
    incident.return; the center is told."""
    reason = clean_note(reason, field="reason", required=True, limit=300, missing=gettext("请填写退单理由。"))
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.RETURN, now=now)
        order = _order(incident, department_id=actor.department_id, role="lead")
        order.state, order.returned_at, order.return_reason = OrderState.RETURNED, now, reason
        order.save(update_fields=["state", "returned_at", "return_reason"])
        # a co-department that already answered its part keeps that answer (superseded); the rest is withdrawn
        DispatchOrder.objects.filter(incident=incident, state=OrderState.DONE).update(state=OrderState.SUPERSEDED)
        DispatchOrder.objects.filter(incident=incident, state__in=list(ACTIVE_ORDER_STATES)).exclude(
            pk=order.pk).update(state=OrderState.CANCELLED)
        before = incident.state
        incident.state, incident.return_count = facts.state, incident.return_count + 1
        incident.response_due = incident.handling_due = None
        incident.sla_mark = ""
        incident.save(update_fields=["state", "return_count", "response_due", "handling_due", "sla_mark"])
        record(incident, actor=actor, before=before, action=Action.RETURN, at=now, note=reason, order=order)
        notify(center_users(incident.path), kind="incident.return",
               title=said(gettext_noop("退单：{number}"), number=incident.number),
               body=said(gettext_noop("{text}"), text=reason), link=f"/incidents/{incident.pk}/")
    return incident


def order_part(*, actor, incident_id, step: str, note: str = "", photos=None) -> DispatchOrder:
    """A co-department's answer on its part of a whistle: step "accept" (接单), "return" (退单, with a reason: the
    command center is told and may send the part to another department: services.whistle.incident_co_add; the
    incident's own return count is not touched) or "done" (反馈, with a note and photos). The incident's
    state does not move; its lead reports the handling once every part is done. Preconditions: the actor's
    department holds an active co-order; the incident is being dispatched or handled. Audit incident.part."""
    if step not in ("accept", "return", "done"):
        raise ValidationFailed(gettext("不支持的操作。"), field="step")
    note = clean_note(note, required=step in ("return", "done"), missing=gettext(
        "请填写退单理由。") if step == "return" else gettext("请填写协办情况。"))
    cleaned = checked_photos(photos) if step == "done" else []
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        incident_authorize(actor, incident, Extra.PART)
        if incident.state not in (State.DISPATCHED, State.HANDLING):
            raise Conflict(gettext("事件当前为“{state}”，不能反馈协办情况。").format(state=incident.get_state_display()))
        order = _order(incident, department_id=actor.department_id, role="co")
        now = timezone.now()
        allowed = {"accept": {OrderState.SENT}, "return": {OrderState.SENT}, "done": {OrderState.SENT,
                                                                                         OrderState.ACCEPTED}}
        if order.state not in allowed[step]:
            raise Conflict(gettext("该协办任务当前为“{state}”，不能再这样操作。").format(state=order.get_state_display()))
        if step == "accept":
            order.state, order.accepted_at, order.accepted_by = OrderState.ACCEPTED, now, actor
        elif step == "return":
            # counted on the order (退单率 is per order); the incident's own 退单 count is the lead's returns, which
            # send it back to the center — a returned part does not: the center may send it on (whistle.py)
            order.state, order.returned_at, order.return_reason = OrderState.RETURNED, now, note
        else:
            order.state, order.done_at, order.done_by, order.note = OrderState.DONE, now, actor, note
            order.accepted_at = order.accepted_at or now
            store_photos(incident, cleaned, stage=IncidentPhoto.Stage.HANDLED, actor=actor, order=order)
        order.save()
        record(incident, actor=actor, before=incident.state, action="part", at=now, note=note, order=order,
               data={"step": step, "photos": len(cleaned)})
        if step == "return":
            notify(center_users(incident.path), kind="incident.return",
                   title=said(gettext_noop("协办退单：{number}"), number=incident.number),
                   body=said(gettext_noop("{text}"), text=note), link=f"/incidents/{incident.pk}/")
    return order


def _verifiers(incident: Incident) -> list:
    """Who checks on site: the grid's supervisor and its governor (GridTeamMember), or the community's supervisors."""
    from doorstep.accounts.models import User
    from doorstep.org.models import GridTeamMember

    members = [m.user for m in GridTeamMember.objects.filter(grid__code=incident.path[:15],
                                                             team_role__in=("supervisor", "governor"))
               .select_related("user") if m.user.is_active]
    return members or list(User.objects.filter(role="supervisor", is_active=True,
                                               org_node__code=incident.path[:12]))


def _handled(incident: Incident, *, actor, now: datetime.datetime, resolution: str, started: datetime.datetime):
    incident.resolution, incident.handled_at, incident.handled_by = resolution, now, actor
    incident.handling_seconds = max(0, working_seconds(started, now))
    incident.closed_in_time = incident.handling_due is None or now <= incident.handling_due
    return ["state", "resolution", "handled_at", "handled_by", "handling_seconds", "closed_in_time"]


def incident_handle(*, actor, incident_id, resolution: str, note: str, photos=None) -> Incident:
    """处置反馈: the lead department reports what it did — solved, unsolvable (无法解决) or untrue (不属实) — with a
    note and after-photos (required when solved and the category asks for verification photos). Preconditions:
    HANDLING (accepted), every co-department's part done (the loop's guard). The handling clock stops: working
    seconds from dispatch are kept, and whether it was in time. Audit incident.handle; the verifiers are told."""
    resolution = _resolution(resolution)
    note = clean_note(note, required=True, missing=gettext("请填写处置情况。"))
    cleaned = checked_photos(photos)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.HANDLE, now=now, resolution=resolution)
        if resolution == Resolution.SOLVED and not cleaned and incident.category and incident.category.verify_photo:
            raise ValidationFailed(gettext("请上传处置后的照片。"), field="photos")
        order = _order(incident, department_id=actor.department_id, role="lead")
        order.state, order.done_at, order.done_by, order.note = OrderState.DONE, now, actor, note
        order.save(update_fields=["state", "done_at", "done_by", "note"])
        store_photos(incident, cleaned, stage=IncidentPhoto.Stage.HANDLED, actor=actor, order=order)
        before = incident.state
        incident.state = facts.state
        fields = _handled(incident, actor=actor, now=now, resolution=resolution,
                          started=incident.dispatched_at or incident.reported_at)
        incident.save(update_fields=fields)
        record(incident, actor=actor, before=before, action=Action.HANDLE, at=now, note=note, order=order,
               data={"resolution": resolution, "photos": len(cleaned), "in_time": incident.closed_in_time})
        notify(_verifiers(incident), kind="incident.handle",
               title=said(gettext_noop("待核查：{number}"), number=incident.number),
               body=said(gettext_noop("{text}"), text=note[:120]), link=f"/incidents/{incident.pk}/")
    return incident


def incident_handle_on_spot(*, actor, incident_id, note: str, photos=None,
                            resolution: str = Resolution.SOLVED) -> Incident:
    """前端自处置: the grid worker of the incident's grid handles a small matter on the spot, from the report or after
    registration (the tier becomes front-line), or again after rework of a front-line matter. A supervisor
    verifies it (never the one who handled it). After-photos as for departments. Audit incident.handle_on_spot."""
    resolution = _resolution(resolution)
    note = clean_note(note, required=True, missing=gettext("请填写处置情况。"))
    cleaned = checked_photos(photos)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.HANDLE_ON_SPOT, now=now, resolution=resolution)
        if resolution == Resolution.SOLVED and not cleaned and (incident.category is None or
                                                                incident.category.verify_photo):
            raise ValidationFailed(gettext("请上传处置后的照片。"), field="photos")
        store_photos(incident, cleaned, stage=IncidentPhoto.Stage.HANDLED, actor=actor)
        before = incident.state
        incident.state, incident.tier = facts.state, facts.tier
        incident.registered_at = incident.registered_at or now  # a matter handled on the spot is on record (立案)
        fields = _handled(incident, actor=actor, now=now, resolution=resolution, started=incident.reported_at)
        incident.save(update_fields=[*fields, "tier", "registered_at"])
        record(incident, actor=actor, before=before, action=Action.HANDLE_ON_SPOT, at=now, note=note,
               data={"resolution": resolution, "photos": len(cleaned)})
        notify([u for u in _verifiers(incident) if u.pk != actor.pk and u.role == "supervisor"],
               kind="incident.handle", title=said(gettext_noop("待核查：{number}"), number=incident.number),
               body=said(gettext_noop("{text}"), text=note[:120]), link=f"/incidents/{incident.pk}/")
    return incident


def _coordinate(value, low, high):
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def incident_verify(*, actor, incident_id, passed: bool, note: str = "", photos=None, latitude=None,
                    longitude=None) -> Incident:
    """核查: on site, the supervisor of the incident's community or the grid worker of its grid records whether it is
    really fixed — a Verification row with the photos (required when the category asks; always for a failure).
    Passed: VERIFIED, and the command center is told to close it. Failed: rework (返工) — back to HANDLING, the lead
    order reopened (or the grid worker's own for a front-line matter), the rework counted, the handler told. Nobody
    verifies their own handling (a front-line matter is checked by a supervisor). Audit incident.verify or
    incident.rework."""
    passed = bool(passed)
    note = clean_note(note, required=not passed, missing=gettext("请说明核查未通过的原因。"))
    cleaned = checked_photos(photos)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        action = Action.VERIFY if passed else Action.REWORK
        facts = incident_step(actor, incident, action, now=now)
        if incident.handled_by_id == actor.pk:
            raise PermissionDenied(gettext("处置人不能核查自己的处置，请由监督员核查。"))
        needs_photo = not passed or incident.category is None or incident.category.verify_photo
        if needs_photo and not cleaned:
            raise ValidationFailed(gettext("核查须拍现场照片。"), field="photos")
        verification = Verification.objects.create(
            incident=incident, verifier=actor, passed=passed, note=note, at=now,
            latitude=_coordinate(latitude, -90, 90), longitude=_coordinate(longitude, -180, 180))
        store_photos(incident, cleaned, stage=IncidentPhoto.Stage.VERIFICATION, actor=actor,
                     verification=verification)
        before = incident.state
        incident.state = facts.state
        fields = ["state"]
        if passed:
            incident.verified_at = now
            fields.append("verified_at")
            notify(center_users(incident.path), kind="incident.verify",
                   title=said(gettext_noop("核查通过，待结案：{number}"), number=incident.number),
                   body=said(gettext_noop("{text}"), text=note or incident.description[:100]),
                   link=f"/incidents/{incident.pk}/")
        else:
            incident.rework_count += 1
            incident.resolution = ""
            fields += ["rework_count", "resolution"]
            lead = DispatchOrder.objects.filter(incident=incident, role="lead", state=OrderState.DONE).first()
            if lead is not None:
                # the redo gets the category's handling time from now on its order, so supervision does not
                # escalate it the moment it arrives; the incident's own deadline (按期结案) stays: the delay is
                # the handling's (docs/decisions.md, "Rework and deadlines")
                category = incident.category
                redo_due = due(now, category.handling_limit, category.handling_unit) if category else lead.due_at
                lead.state, lead.done_at = OrderState.ACCEPTED, None
                if redo_due > lead.due_at:
                    lead.due_at, lead.sla_mark = redo_due, ""
                lead.save(update_fields=["state", "done_at", "due_at", "sla_mark"])
            users = department_users(lead.department_id) if lead else [incident.handled_by]
            notify(users, kind="incident.rework", title=said(gettext_noop("返工：{number}"), number=incident.number),
                   body=said(gettext_noop("{text}"), text=note), link=f"/incidents/{incident.pk}/")
        incident.save(update_fields=fields)
        record(incident, actor=actor, before=before, action=action, at=now, note=note,
               data={"verification": verification.pk, "photos": len(cleaned)})
    return incident


def incident_rate(*, actor, incident_id, level, solved: bool | None = None, comment: str = "") -> IncidentRating:
    """评价: a reporter rates how their request was closed (five levels, whether it is solved, a comment) — the one
    they raised, or the one theirs was merged into. The first rating of a closing moves it to REVIEWED (回访 done);
    a merged reporter's rating is recorded as well. One rating per report and closing. Audit incident.rate."""
    from doorstep.incidents.services.center import _level

    level = _level(level)
    comment = clean_note(comment, field="comment", limit=300)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        own = _own_report(actor, incident)
        if incident.state in (State.CLOSED, State.CLOSED_UNSOLVED):
            facts = incident_step(actor, incident, Action.RATE, now=now)
        elif incident.state == State.REVIEWED:
            incident_authorize(actor, incident, Action.RATE)
            facts = None
        else:
            raise Conflict(gettext("问题办结后才能评价。"))
        if IncidentRating.objects.filter(report=own, round=incident.reopen_count).exists():
            raise Conflict(gettext("您已经评价过。"))
        rating = IncidentRating.objects.create(incident=incident, report=own, round=incident.reopen_count,
                                               level=level, solved=solved, comment=comment,
                                               source=IncidentRating.Source.SELF, recorded_by=actor, at=now)
        before = incident.state
        if facts is not None:
            incident.state = facts.state
            incident.save(update_fields=["state"])
        record(incident, actor=actor, before=before, action=Action.RATE, at=now, note=comment,
               data={"level": level, "solved": solved, "report": own.number})
        if level <= 2:
            notify(center_users(incident.path), kind="incident.bad_rating",
                   title=said(gettext_noop("差评待回访：{number}"), number=incident.number),
                   body=said(gettext_noop("{text}"), text=comment or "—"), link=f"/incidents/{incident.pk}/")
    return rating


def _own_report(actor, incident: Incident) -> Incident:
    """The actor's own report among the incident and those merged into it (PermissionDenied when none)."""
    mine = [r for r in [incident, *Incident.objects.filter(merged_into=incident)]
            if (r.reporter_user_id and r.reporter_user_id == actor.pk) or
            (r.reporter_resident_id and r.reporter_resident_id == getattr(actor, "resident_id", None))]
    if not mine:
        raise PermissionDenied(reason_text_for_rate(actor, incident))
    return mine[0]


def reason_text_for_rate(actor, incident: Incident) -> str:
    from doorstep.incidents.authority import refusal

    reason = refusal(actor.role, Action.RATE, incident_relations(actor, incident))
    return reason_text(reason) if reason else gettext("只有报告人本人可以评价。")
