"""Supervision (督办): the due-soon and overdue marks of running orders, the periodic sweep that escalates overdue
orders level by level (the department's head, then the district leaders: DOORSTEP_INCIDENT_ESCALATION), and
extension requests (延期) that the 值班长 approves or refuses. Clocks are in working time (incidents.clock)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.incidents.authority import Extra
from doorstep.incidents.clock import due, working_seconds
from doorstep.incidents.models import DispatchOrder, Escalation, ExtensionRequest, Incident, LimitUnit
from doorstep.incidents.selectors import incident_get_for_user
from doorstep.incidents.services.center import center_users, department_users
from doorstep.incidents.services.common import clean_note, incident_authorize, record
from doorstep.incidents.workflow import OrderState
from doorstep.notifications.services import notify
from doorstep.notifications.words import said

RUNNING = (OrderState.SENT, OrderState.ACCEPTED)
# the longest extension one request may ask for, by unit (about two months of working time either way)
EXTENSION_MAX = {LimitUnit.HOURS.value: 240, LimitUnit.DAYS.value: 60}


def escalation_recipients(kind: str, order: DispatchOrder) -> list:
    """Who an escalation level goes to: "department_head" — the department's head (its staff when none is set);
    "district_leader" — the leaders at the district node of the incident."""
    from doorstep.accounts.models import User

    if kind == "department_head":
        head = order.department.head
        return [head] if head is not None and head.is_active else department_users(order.department_id)
    if kind == "district_leader":
        return list(User.objects.filter(role="leader", is_active=True, org_node__code=order.incident.path[:6]))
    raise ValueError(f"unknown escalation recipient {kind!r}")


def supervision_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Mark running orders due soon (≤ DOORSTEP_INCIDENT_DUE_SOON_HOURS working hours left) or overdue, and escalate
    overdue ones: level n+1 once the order is DOORSTEP_INCIDENT_ESCALATION[n][0] working hours overdue, once per
    order and level (a unique constraint: two sweeps at once, or one run twice, escalate once). Result: counts
    (due_soon, overdue, escalated). Side effects: the marks on orders and incidents, Escalation rows, notifications
    to the department (due soon) and to each level's recipients; audit incident.escalate per escalation. Reads only
    running orders through their partial index."""
    now = now or timezone.now()
    soon_seconds = settings.DOORSTEP_INCIDENT_DUE_SOON_HOURS * 3600
    levels = list(settings.DOORSTEP_INCIDENT_ESCALATION)
    horizon = now + datetime.timedelta(days=7)  # no order with more than a week left can be due soon
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    orders = list(DispatchOrder.objects.filter(state__in_literal=RUNNING, due_at__lte=horizon)
                  .select_related("incident", "department__head").order_by("due_at", "id"))
    done = {(e["order_id"], e["level"]) for e in Escalation.objects.filter(
        order_id__in=[o.pk for o in orders]).values("order_id", "level")}
    for order in orders:
        if order.due_at > now:
            if order.sla_mark != "due_soon" and working_seconds(now, order.due_at) <= soon_seconds:
                with transaction.atomic():
                    changed = DispatchOrder.objects.filter(pk=order.pk, sla_mark="").update(sla_mark="due_soon")
                    if changed:
                        counts["due_soon"] += 1
                        Incident.objects.filter(pk=order.incident_id, sla_mark="").update(sla_mark="due_soon")
                        notify(department_users(order.department_id), kind="incident.due_soon",
                               title=said(gettext_noop("即将超期：{number}"), number=order.incident.number),
                               body=said(gettext_noop("处置期限：{due}"),
                                         due=timezone.localtime(order.due_at).strftime("%Y-%m-%d %H:%M")),
                               link=f"/incidents/{order.incident_id}/")
            continue
        counts["overdue"] += 1
        overdue_seconds = working_seconds(order.due_at, now)
        with transaction.atomic():
            if order.sla_mark != "overdue":
                DispatchOrder.objects.filter(pk=order.pk).update(sla_mark="overdue")
                Incident.objects.filter(pk=order.incident_id).update(sla_mark="overdue")
            for index, (after_hours, kind) in enumerate(levels, start=1):
                if (order.pk, index) in done or overdue_seconds < after_hours * 3600:
                    continue
                recipients = escalation_recipients(kind, order)
                try:
                    with transaction.atomic():
                        Escalation.objects.create(order=order, level=index, at=now,
                                                  notified=[u.pk for u in recipients])
                except IntegrityError:  # another sweep escalated this level first
                    continue
                DispatchOrder.objects.filter(pk=order.pk, escalation_level__lt=index).update(escalation_level=index)
                counts["escalated"] += 1
                audit_record(actor=None, actor_label="doorstep supervision", action="incident.escalate",
                             target=order.incident, summary={"order": order.pk, "level": index, "to": kind,
                                                             "department": order.department.short_name or ""})
                notify(recipients, kind="incident.escalate",
                       title=said(gettext_noop("督办：{number} 已超期"), number=order.incident.number),
                       body=said(gettext_noop("{department}的派单已超过处置期限，请督促办理。"),
                                 department=order.department.short_name or order.department.name),
                       link=f"/incidents/{order.incident_id}/")
    return counts


def _extension_value(value, unit) -> tuple[int, str]:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if unit not in EXTENSION_MAX or not 0 < number <= EXTENSION_MAX[unit]:
        raise ValidationFailed(gettext("请填写延长的时间（工作小时不超过240，工作日不超过60）。"), field="value")
    return number, unit


def extension_request(*, actor, incident_id, value, unit: str, reason: str) -> ExtensionRequest:
    """延期申请: a department asks for more time on its running order (lead or co), with a reason. One pending
    request per order (a database constraint). Audit incident.extension_request; the 值班长 and dispatchers over
    the incident are told."""
    number, unit = _extension_value(value, unit)
    reason = clean_note(reason, field="reason", required=True, limit=300)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        incident_authorize(actor, incident, Extra.EXTEND)
        order = DispatchOrder.objects.filter(incident=incident, department_id=actor.department_id,
                                             state__in=list(RUNNING)).first()
        if order is None:
            raise Conflict(gettext("只有处置中的派单可以申请延期。"))
        if ExtensionRequest.objects.filter(order=order, status=ExtensionRequest.Status.PENDING).exists():
            raise Conflict(gettext("该派单已有待审批的延期申请。"))
        now = timezone.now()
        extension = ExtensionRequest.objects.create(order=order, requested_by=actor, requested_at=now, value=number,
                                                    unit=unit, reason=reason)
        record(incident, actor=actor, before=incident.state, action="extension_request", at=now, note=reason,
               order=order, data={"value": number, "unit": unit})
        notify(center_users(incident.path), kind="incident.extension",
               title=said(gettext_noop("延期申请：{number}"), number=incident.number),
               body=said(gettext_noop("{text}"), text=reason), link=f"/incidents/{incident.pk}/")
    return extension


def extension_decide(*, actor, extension_id, approve: bool, note: str = "") -> ExtensionRequest:
    """The 值班长 approves or refuses a pending extension (refusals need a reason). Approved: the order's deadline
    moves by the time asked, counted in working time from the current deadline; the incident's too for the lead
    order; the extension counted; the marks cleared. Audit incident.extension_decide; the department is told."""
    approve = bool(approve)
    note = clean_note(note, required=not approve, limit=300)
    try:
        pk = int(extension_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    with transaction.atomic():
        extension = ExtensionRequest.objects.select_related("order").filter(pk=pk).first()
        if extension is None:
            raise NotFound()
        incident = incident_get_for_user(actor, extension.order.incident_id, for_update=True)
        incident_authorize(actor, incident, Extra.DECIDE_EXTENSION)
        extension = ExtensionRequest.objects.select_for_update().select_related("order").get(pk=pk)
        if extension.status != ExtensionRequest.Status.PENDING:
            raise Conflict(gettext("该延期申请已经审批。"))
        now = timezone.now()
        order = extension.order
        extension.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
        extension.decided_by, extension.decided_at, extension.decision_note = actor, now, note
        fields = ["status", "decided_by", "decided_at", "decision_note"]
        if approve:
            extension.new_due = due(order.due_at, extension.value, extension.unit)
            fields.append("new_due")
            order.due_at, order.sla_mark = extension.new_due, ""
            order.save(update_fields=["due_at", "sla_mark"])
            incident.extension_count += 1
            update = ["extension_count"]
            if order.role == "lead":
                incident.handling_due, incident.sla_mark = extension.new_due, ""
                update += ["handling_due", "sla_mark"]
            incident.save(update_fields=update)
        extension.save(update_fields=fields)
        record(incident, actor=actor, before=incident.state, action="extension_decide", at=now, note=note,
               order=order, data={"approved": approve, "extension": extension.pk})
        notify(department_users(order.department_id), kind="incident.extension",
               title=said(gettext_noop("延期申请已批准：{number}") if approve else
                          gettext_noop("延期申请未获批准：{number}"), number=incident.number),
               body=said(gettext_noop("{text}"), text=note or "—"), link=f"/incidents/{incident.pk}/")
    return extension
