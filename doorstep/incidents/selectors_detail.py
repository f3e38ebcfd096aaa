"""Reads for the incident page: everything it shows (the report, its reporter as the viewer may see them, photos by
stage, the timeline, orders, verifications, meetings, extensions, ratings, merged reports) in a fixed number of
queries, the labels of its steps and orders, and the forms the viewer may use now — only those the loop's table and
the authority table both allow, so no button leads to a refusal the page could have known."""

from dataclasses import replace

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from doorstep.incidents.authority import EXTRA_LABELS, Extra, permitted
from doorstep.incidents.models import ExtensionRequest, Incident, IncidentPhoto, IncidentRating
from doorstep.incidents.selectors import incident_facts, incident_get_for_user, incident_relations
from doorstep.incidents.selectors_center import RUNNING_ORDERS, reporter_summary
from doorstep.incidents.workflow import (
    ACTION_CONTEXT,
    ACTION_LABELS,
    ACTIVE_ORDER_STATES,
    ORDER_STATE_LABELS,
    Action,
    OrderState,
    State,
    Tier,
    allowed_actions,
)


def order_state_label(state: str) -> str:
    try:
        return pgettext("order state", ORDER_STATE_LABELS[OrderState(state)])
    except ValueError:
        return state


def step_label(action: str) -> str:
    """A history row's step in the reader's language (the loop's actions and the extra steps)."""
    extra = {"report": _("上报"), "meeting": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.MEETING]),
             "part": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.PART]),
             "add_part": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.ADD_PART]),
             "extension_request": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.EXTEND]),
             "extension_decide": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.DECIDE_EXTENSION])}
    if action in extra:
        return str(extra[action])
    try:
        return pgettext(ACTION_CONTEXT, ACTION_LABELS[Action(action)])
    except ValueError:
        return action


def incident_detail(user, incident_id) -> dict:
    """Everything the incident page shows, for a user who may see the incident (NotFound otherwise): the report,
    its reporter as the viewer may see them, photos by stage, the timeline, orders, verifications, meetings,
    extensions, ratings and the reports merged into it. A fixed number of queries."""
    incident = incident_get_for_user(user, incident_id)
    if incident.reporter_user_id or incident.reporter_resident_id:
        incident = Incident.objects.select_related("category", "category__lead_department", "grid", "reporter_user",
                                                   "reporter_resident", "merged_into").get(pk=incident.pk)
    held = incident_relations(user, incident)
    facts = incident_facts(incident)
    orders = list(incident.orders.select_related("department").prefetch_related("escalations").order_by("id"))
    photos = list(incident.photos.order_by("id"))
    by_stage = [(label, [p for p in photos if p.stage == value]) for value, label in IncidentPhoto.Stage.choices]
    extensions = list(ExtensionRequest.objects.filter(order__incident=incident)
                      .select_related("order__department", "requested_by", "decided_by").order_by("id"))
    return {
        "incident": incident, "held": held, "facts": facts,
        "reporter": reporter_summary(user, incident),
        "history": list(incident.history.select_related("actor").order_by("id")),
        "orders": orders, "photos": [(label, rows) for label, rows in by_stage if rows],
        "verifications": list(incident.verifications.select_related("verifier").order_by("id")),
        "meetings": list(incident.meetings.select_related("recorded_by").order_by("id")),
        "extensions": extensions,
        "ratings": list(IncidentRating.objects.filter(incident=incident).select_related("report").order_by("id")),
        "merged": list(incident.merged.order_by("id").only("id", "number", "state", "merged_into_id")),
    }


def _own_report(user, incident: Incident, merged: list[Incident]) -> Incident | None:
    resident_id = getattr(user, "resident_id", None)
    for r in [incident, *merged]:
        if (r.reporter_user_id and r.reporter_user_id == user.pk) or (
                resident_id and r.reporter_resident_id == resident_id):
            return r
    return None


def detail_actions(user, data: dict) -> dict[str, dict]:
    """The forms this viewer may use now, by action name (incidents:act), each with what its form needs: an action
    of the loop only when the table allows it from the state (`allowed_actions`) AND the authority table from where
    the viewer stands (`permitted`); an extra action when `permitted` and its state and records let the service
    succeed. Nothing is offered that the service would refuse for a reason the page can know."""
    incident, held, facts = data["incident"], data["held"], data["facts"]
    role = user.role
    ok = {a for a in allowed_actions(facts, role) if permitted(role, a, held)}
    if incident.state == State.REGISTERED and permitted(role, Action.DISPATCH, held):
        # dispatch writes its orders in the same step: the guard is asked about the orders the form will send
        planned = (("lead", OrderState.SENT),) + ((("co", OrderState.SENT),) if incident.tier == Tier.WHISTLE
                                                   else ())
        if Action.DISPATCH in allowed_actions(replace(facts, orders=planned), role):
            ok.add(Action.DISPATCH)
    forms: dict[str, dict] = {}
    simple = [Action.REGISTER, Action.DISMISS, Action.MERGE, Action.ACCEPT, Action.RETURN, Action.HANDLE,
              Action.HANDLE_ON_SPOT, Action.REOPEN, Action.ARCHIVE, Action.DISPATCH]
    for action in simple:
        if action in ok:
            forms[action.value] = {"label": pgettext(ACTION_CONTEXT, ACTION_LABELS[action])}
    if ({Action.VERIFY, Action.REWORK} & ok) and incident.handled_by_id != user.pk:
        # one form, two buttons: passed (核查通过) or failed (返工; a failure always needs a photo)
        forms["verify"] = {"label": pgettext(ACTION_CONTEXT, ACTION_LABELS[Action.VERIFY]),
                           "pass": Action.VERIFY in ok, "fail": Action.REWORK in ok,
                           "fail_label": pgettext(ACTION_CONTEXT, ACTION_LABELS[Action.REWORK]),
                           "photo_required": incident.category_id is None or incident.category.verify_photo}
    close = next((a for a in (Action.CLOSE, Action.CLOSE_UNSOLVED) if a in ok), None)
    if close is not None:
        forms["close"] = {"label": pgettext(ACTION_CONTEXT, ACTION_LABELS[close])}
    rated_rounds = {(r.report_id, r.round) for r in data["ratings"]}
    if Action.REVIEW in ok and (incident.pk, incident.reopen_count) not in rated_rounds:
        forms["review"] = {"label": pgettext(ACTION_CONTEXT, ACTION_LABELS[Action.REVIEW])}
    own = _own_report(user, incident, data["merged"])
    rate_state = Action.RATE in ok or (incident.state == State.REVIEWED and permitted(role, Action.RATE, held))
    if rate_state and own is not None and (own.pk, incident.reopen_count) not in rated_rounds:
        forms["rate"] = {"label": pgettext(ACTION_CONTEXT, ACTION_LABELS[Action.RATE])}
    if incident.state == State.REGISTERED and permitted(role, Extra.MEETING, held):
        forms["meeting"] = {"label": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.MEETING])}
    department_id = getattr(user, "department_id", None)
    mine = [o for o in data["orders"] if department_id and o.department_id == department_id]
    if incident.state in (State.DISPATCHED, State.HANDLING) and permitted(role, Extra.PART, held):
        co = next((o for o in mine if o.role == "co" and o.state in ACTIVE_ORDER_STATES), None)
        steps = {OrderState.SENT: ["accept", "return", "done"], OrderState.ACCEPTED: ["done"]}.get(co.state, []) \
            if co else []
        if steps:
            forms["part"] = {"label": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.PART]), "order": co,
                             "steps": steps}
    if incident.state in (State.DISPATCHED, State.HANDLING) and permitted(role, Extra.ADD_PART, held):
        active = [o for o in data["orders"] if o.state in ACTIVE_ORDER_STATES]
        if any(o.role == "lead" for o in active):  # not a matter the grid worker handles on the spot
            running_round = max(o.round for o in active)
            returned = [o for o in data["orders"] if o.role == "co" and o.state == OrderState.RETURNED
                        and o.round == running_round]
            forms["add_part"] = {"label": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.ADD_PART]),
                                 "busy": {o.department_id for o in active}, "returned": returned}
    pending_orders = {e.order_id for e in data["extensions"] if e.status == ExtensionRequest.Status.PENDING}
    if permitted(role, Extra.EXTEND, held):
        running = next((o for o in mine if o.state in RUNNING_ORDERS), None)
        if running is not None and running.pk not in pending_orders:
            forms["extend"] = {"label": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.EXTEND]), "order": running}
    if pending_orders and permitted(role, Extra.DECIDE_EXTENSION, held):
        forms["decide_extension"] = {
            "label": pgettext(ACTION_CONTEXT, EXTRA_LABELS[Extra.DECIDE_EXTENSION]),
            "pending": [e for e in data["extensions"] if e.status == ExtensionRequest.Status.PENDING]}
    return forms
