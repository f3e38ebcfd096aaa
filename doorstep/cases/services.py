"""Case writes. Every transition: one function, one transaction, the row locked, the actor's role and scope
checked, the state machine applied, a history row and an audit event written together."""

import datetime

from django.db import transaction
from django.utils import timezone

from doorstep.audit.services import audit_record
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.models import Case, CaseHistory, CaseNumberCounter, Channel
from doorstep.cases.selectors import case_facts, case_get_for_user
from doorstep.cases.workflow import (
    ACTION_LABELS,
    LEVELS,
    Action,
    CaseFacts,
    State,
    TransitionNotAllowed,
    advance,
)
from doorstep.catalog.models import ServiceItem
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.registry.selectors import resident_get_for_user

REASON_REQUIRED = {Action.REFUSE, Action.REJECT, Action.REQUEST_SUPPLEMENT}
# Actions taken by the level where the case sits: the actor's own node must be that review node.
AT_REVIEW_NODE = {Action.FORWARD, Action.APPROVE, Action.REJECT, Action.REQUEST_SUPPLEMENT}


def case_next_number(*, district: str, day: datetime.date) -> str:
    """District code + date + 5-digit daily sequence, e.g. 43030220261122 00042. Call inside a transaction: the
    day's counter row stays locked until it commits, so concurrent windows never get the same number."""
    CaseNumberCounter.objects.get_or_create(district=district, day=day)
    counter = CaseNumberCounter.objects.select_for_update().get(district=district, day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{district}{day:%Y%m%d}{counter.last:05d}"


def _record(case: Case, *, actor, before: str, action: Action, note: str = "") -> None:
    CaseHistory.objects.create(case=case, from_state=before, action=action, to_state=case.state, actor=actor,
                               note=note)
    audit_record(actor=actor, action=f"case.{action}", target=case, reason=note,
                 summary={"from": before, "to": case.state, "level": case.review_level})


def case_accept_at_window(*, actor, item_code: str, applicant_id, channel: str = Channel.WINDOW) -> Case:
    """Take in an application at a window (or by a grid worker), accepted at once.

    Preconditions: the actor is a clerk or grid worker; the applicant is in the actor's scope; the item is active.
    Result: an accepted Case with its number, first-contact owner and promised date (working days).
    Audit: case.accept. Side effects: the day's number counter advances.
    """
    item = ServiceItem.objects.filter(code=str(item_code)[:20], is_active=True).first()
    if item is None:
        raise NotFound("没有这个事项，或它已停止办理。")
    if channel not in Channel.values:
        raise ValidationFailed("受理渠道无效。", field="channel")
    applicant = resident_get_for_user(actor, applicant_id)
    node = actor.org_node
    if node is None or node.level not in LEVELS:
        raise ValidationFailed("只有社区、街道或区级窗口可以受理。")
    try:
        facts = advance(CaseFacts(instant=item.kind == "instant", approval_level=item.approval_level,
                                  review_level=node.level), Action.ACCEPT, actor.role)
    except TransitionNotAllowed as exc:
        raise ValidationFailed(exc.message) from None
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        case = Case.objects.create(
            number=case_next_number(district=node.code[:6], day=today), item=item, applicant=applicant,
            applicant_path=applicant.path, channel=channel, state=facts.state, review_level=node.level,
            review_node=node, center=node.service_centers.first(), first_contact=actor, accepted_at=now,
            due_date=work_calendar().add_working_days(today, item.promised_days),
        )
        _record(case, actor=actor, before=State.DRAFT, action=Action.ACCEPT)
    return case


def case_transition(*, actor, case_id, action: str, note: str = "") -> Case:
    """Apply one workflow action to a case.

    Preconditions: the case is in the actor's scope (else NotFound); the state machine allows the action for the
    actor's role and the case's facts (else Conflict with the reason); refusals, rejections and supplement requests
    carry a reason. Result: the case in its new state. Audit: case.<action>. The row is locked while it changes, so
    of two people acting at once exactly one wins and the other is told the case has moved on.
    """
    try:
        act = Action(action)
    except ValueError:
        raise ValidationFailed("不支持的操作。", field="action") from None
    note = " ".join((note or "").split())[:300]
    if act in REASON_REQUIRED and len(note) < 2:
        raise ValidationFailed("请填写理由。", field="note")
    with transaction.atomic():
        case = case_get_for_user(actor, case_id, for_update=True)
        before = case.state
        if act in AT_REVIEW_NODE and (actor.org_node_id is None or actor.org_node_id != case.review_node_id):
            raise PermissionDenied(f"办件目前在{case.review_node.name}，只有该处的工作人员可以{ACTION_LABELS[act]}。")
        try:
            facts = advance(case_facts(case), act, actor.role)
        except TransitionNotAllowed as exc:
            raise Conflict(exc.message) from None
        case.state = facts.state
        fields = ["state"]
        if act == Action.FORWARD:
            case.review_level, case.review_node = facts.review_level, case.review_node.parent
            fields += ["review_level", "review_node"]
        if act in (Action.APPROVE, Action.REJECT, Action.REFUSE):
            case.decided_at, case.decision_reason = timezone.now(), note
            fields += ["decided_at", "decision_reason"]
        if act == Action.CONCLUDE:
            case.concluded_at = timezone.now()
            fields.append("concluded_at")
        case.save(update_fields=fields)
        _record(case, actor=actor, before=before, action=act, note=note)
    return case
