"""加派协办: the command center sends a part of an incident being handled to one more department — to send a part
again after its co-department returned it (协办退单), or to blow the whistle for a department the first dispatch
missed. The co-departments' own answers are `handling.order_part`."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.incidents.authority import Extra
from doorstep.incidents.clock import due
from doorstep.incidents.models import DispatchOrder
from doorstep.incidents.selectors import incident_get_for_user
from doorstep.incidents.services.center import _department, department_users
from doorstep.incidents.services.common import clean_note, incident_authorize, record
from doorstep.incidents.workflow import ACTIVE_ORDER_STATES, State, Tier
from doorstep.notifications.services import notify
from doorstep.notifications.words import said


def incident_co_add(*, actor, incident_id, department, part: str, idempotency_key: str) -> DispatchOrder:
    """Send `part` (what this department is to do, 2–300 characters) of incident `incident_id` to `department` (its
    id, short name or code) as a co-department order (协办) of the running round. Its response deadline is the
    category's response limit from now; its handling deadline the lead order's, or the category's handling limit
    from now when that is later (a part sent late is not overdue on arrival). A dispatch-tier incident becomes a
    whistle (several departments at once).
    Preconditions: the actor's command center holds the incident (authority Extra.ADD_PART); it is DISPATCHED or
    HANDLING with a lead order (not a matter the grid worker handles on the spot); the department holds no active
    order on it. Errors: ValidationFailed (no part, unknown or busy department), Conflict (state), PermissionDenied.
    Idempotent on `idempotency_key`. Side effects: the order, a history row (add_part), audit incident.add_part; the
    department's staff are told after commit."""
    # who may, before what was typed: a refused actor learns nothing from the form's checks
    incident_authorize(actor, incident_get_for_user(actor, incident_id), Extra.ADD_PART)
    part = clean_note(part, field="part", required=True, limit=300, missing=gettext("请填写协办任务。"))
    chosen = _department(department, field="department")

    def create() -> DispatchOrder:
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        incident_authorize(actor, incident, Extra.ADD_PART)
        lead = (DispatchOrder.objects.filter(incident=incident, role=DispatchOrder.Role.LEAD,
                                             state__in=list(ACTIVE_ORDER_STATES)).first()
                if incident.state in (State.DISPATCHED, State.HANDLING) else None)
        if lead is None:
            raise Conflict(gettext("只有已派遣、正在处置的事件可以加派协办部门。"))
        if DispatchOrder.objects.filter(incident=incident, department=chosen,
                                        state__in=list(ACTIVE_ORDER_STATES)).exists():
            raise ValidationFailed(gettext("该部门已在办理此事件。"), field="department")
        now = timezone.now()
        category = incident.category
        response_due = due(now, category.response_limit, category.response_unit)
        due_at = max(lead.due_at, due(now, category.handling_limit, category.handling_unit))
        try:
            with transaction.atomic():  # the partial unique index is the last word when two add at once
                order = DispatchOrder.objects.create(
                    incident=incident, department=chosen, role=DispatchOrder.Role.CO, part=part, round=lead.round,
                    sent_at=now, sent_by=actor, response_due=response_due, due_at=due_at)
        except IntegrityError:
            raise ValidationFailed(gettext("该部门已在办理此事件。"), field="department") from None
        if incident.tier == Tier.DISPATCH:
            incident.tier = Tier.WHISTLE
            incident.save(update_fields=["tier"])
        record(incident, actor=actor, before=incident.state, action=Extra.ADD_PART.value, at=now, note=part,
               order=order, data={"department": chosen.short_name or chosen.code})
        notify(department_users(chosen.pk), kind="incident.dispatch",
               title=said(gettext_noop("新派单：{number}"), number=incident.number),
               body=said(gettext_noop("{category}：{text}"), category=category.name, text=part[:100]),
               link=f"/incidents/{incident.pk}/")
        return order

    order, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="incident.add_part",
                                         inputs={"incident": str(incident_id), "department": chosen.pk, "part": part},
                                         create=create)
    return order
