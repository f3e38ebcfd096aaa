"""Moving a case along the state machine, the delivery choice, material hand-overs and the audited exact search."""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext

from doorstep.audit.services import audit_record
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.authority import REASON_REQUIRED_FOR_STAFF, Extra
from doorstep.cases.models import (
    Case,
    CaseUpload,
    Certificate,
    Delivery,
    DeliveryProof,
    MaterialHandover,
)
from doorstep.cases.selectors import case_facts, case_get_for_user
from doorstep.cases.services.common import (
    REASON_REQUIRED,
    _record,
    case_authorize,
    reason_text,
)
from doorstep.cases.workflow import (
    ACTION_CONTEXT,
    ACTION_LABELS,
    STATE_CONTEXT,
    STATE_LABELS,
    Action,
    State,
    TransitionNotAllowed,
    advance,
)
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.org.hours import next_open_time
from doorstep.org.selectors import acting_post_holders, grid_governors


def _ready_time(case: Case, now: datetime.datetime) -> datetime.datetime:
    """When the result can be picked up: now if the center is open, else its next opening (Saturday service and
    holidays included). A case without a center, or a center without hours, is ready now."""
    if case.center_id is None:
        return now
    rows = list(case.center.opening_hours.values_list("weekday", "opens", "closes"))
    if not rows:
        return now
    return next_open_time(rows, timezone.localtime(now), work_calendar()) or now


def _issue_certificate(case: Case, *, actor, now: datetime.datetime) -> None:
    issuer = case.review_node.name
    Certificate.objects.create(case=case, title=case.item.certificate, number=f"Z{case.number}", issued_at=now,
                               issued_by=actor, issuer_name=issuer)


@dataclass(frozen=True)
class DeliveryProofIn:
    """What the person delivering records (issue #11 item 6): who received the result, their relation to the
    applicant (DeliveryProof.Relation), and a photo (an uploaded file) or the recipient's signature (PNG bytes)."""

    recipient_name: str
    relation: str
    photo: object | None = None
    signature_png: bytes = b""


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 512 * 1024


def _checked_proof(proof: DeliveryProofIn | None) -> tuple[str, str, tuple | None, bytes]:
    """The proof's fields checked before the case is locked; ValidationFailed in words for the person delivering."""
    from doorstep.cases.uploads import check_upload

    if proof is None:
        raise ValidationFailed(gettext("送达须记录签收人，并拍一张送达照片或请签收人签名。"), field="recipient_name")
    from doorstep.core.names import normalize_name

    if not " ".join(str(proof.recipient_name or "").split()):
        raise ValidationFailed(gettext("请填写签收人姓名（50字以内）。"), field="recipient_name")
    name = normalize_name(str(proof.recipient_name), field="recipient_name")  # the registry's rules for a name
    if proof.relation not in DeliveryProof.Relation.values:
        raise ValidationFailed(gettext("请选择签收人与申请人的关系。"), field="relation")
    photo = None
    if proof.photo is not None:
        head = proof.photo.read(16)
        proof.photo.seek(0)
        verdict = check_upload(head, proof.photo.size, max_bytes=settings.DOORSTEP_UPLOAD_MAX_BYTES,
                               name=getattr(proof.photo, "name", ""))
        if not verdict.ok or not verdict.content_type.startswith("image/"):
            raise ValidationFailed(verdict.message or gettext("送达照片须是图片（JPG、PNG）。"), field="photo")
        photo = (verdict, proof.photo.read())
    signature = bytes(proof.signature_png or b"")
    if signature and (not signature.startswith(PNG_MAGIC) or len(signature) > SIGNATURE_MAX_BYTES):
        raise ValidationFailed(gettext("签名无法识别，请重新签名。"), field="signature")
    if photo is None and not signature:
        raise ValidationFailed(gettext("请拍一张送达照片，或请签收人签名。"), field="photo")
    return name, proof.relation, photo, signature


def _store_upload(case: Case, *, purpose: str, name: str, content_type: str, extension: str,
                  data: bytes) -> CaseUpload:
    digest = hashlib.sha256(data).hexdigest()
    record = CaseUpload(case=case, purpose=purpose, original_name=name[:120], content_type=content_type,
                        extension=extension, size=len(data), sha256=digest)
    record.file.save(f"{digest}{extension}", ContentFile(data), save=False)
    record.save()
    return record


def _record_delivery(case: Case, *, actor, checked, now) -> dict:
    name, relation, photo, signature = checked
    photo_row = signature_row = None
    if photo is not None:
        verdict, data = photo
        photo_row = _store_upload(case, purpose=CaseUpload.Purpose.DELIVERY_PHOTO,  # zh: stored file name
                                  name=f"送达照片{verdict.extension}",
                                  content_type=verdict.content_type, extension=verdict.extension, data=data)
    if signature:
        signature_row = _store_upload(case, purpose=CaseUpload.Purpose.DELIVERY_SIGNATURE,  # zh: stored file name
                                      name="签收签名.png",
                                      content_type="image/png", extension=".png", data=signature)
    DeliveryProof.objects.create(case=case, recipient_name=name, relation=relation, photo=photo_row,
                                 signature=signature_row, recorded_by=actor, recorded_at=now)
    return {"relation": relation, "photo": photo_row is not None, "signature": signature_row is not None}


# Deciding, or handing papers on to the next level, while the papers handed to this level are unsigned for needs the
# actor's confirmation (issue #11 item 5; a review found papers forwarded that nobody had received).
UNRECEIVED_ASKS = frozenset({Action.APPROVE, Action.REJECT, Action.FORWARD})


def unreceived_handovers(case: Case) -> list[MaterialHandover]:
    """Hand-overs of paper materials to the level now holding the case that nobody there has signed for (待签收)."""
    return [h for h in MaterialHandover.objects.filter(case=case, to_node_id=case.review_node_id,
                                                       received_at__isnull=True) if h.materials]


def case_transition(*, actor, case_id, action: str, note: str = "", materials: list[str] | None = None,
                    confirm_unreceived: bool = False, proof: DeliveryProofIn | None = None) -> Case:
    """Apply one workflow action to a case.

    Preconditions: the case is in the actor's scope (else NotFound); the authority table allows the actor's role
    the action from where they stand relative to the case (cases.authority.CASE_AUTHORITY: the node that holds it,
    the center that took it in, the applicant …; else PermissionDenied saying where); the state machine allows the
    action for the role and the case's facts (else Conflict with the reason); an approval or rejection while paper
    materials handed up to this level are still 待签收 needs `confirm_unreceived` (the decider's statement that the
    electronic copies were checked; else ValidationFailed, field confirm_unreceived; issue #11 item 5, see
    decisions.md); refusals, rejections and supplement
    requests carry a reason, and so does a withdrawal by staff on the applicant's behalf (the applicant is told).
    Result: the case in its new state. Side effects by action: forward records the material hand-over to the next
    level and tells its approvers; a supplement request stops the clock and supply restarts it with the due date
    moved by the working days paused; conclude issues the item's certificate and sets the pickup time; deliver
    needs `proof` (DeliveryProofIn: the recipient and a photo or signature, else ValidationFailed) and records it
    with who delivered. Audit: case.<action>. The row is locked while it changes, so of two people acting at
    once exactly one wins and the other is told the case has moved on.
    """
    try:
        act = Action(action)
    except ValueError:
        raise ValidationFailed(gettext("不支持的操作。"), field="action") from None
    note = " ".join((note or "").split())[:300]
    if act in REASON_REQUIRED and len(note) < 2:
        raise ValidationFailed(gettext("请填写理由。"), field="note")
    if act in REASON_REQUIRED_FOR_STAFF and actor.role != "resident" and len(note) < 2:
        raise ValidationFailed(gettext("代申请人{action}须填写理由，申请人会收到通知。").format(
            action=pgettext(ACTION_CONTEXT, ACTION_LABELS[act])), field="note")
    with transaction.atomic():
        case = case_get_for_user(actor, case_id, for_update=True)
        before = case.state
        case_authorize(actor, case, act)
        try:
            facts = advance(case_facts(case), act, actor.role)
        except TransitionNotAllowed as exc:
            raise Conflict(reason_text(exc.reason)) from None
        # the proof is asked for only of whom the tables let deliver now (others hear why not, as for any action)
        checked_proof = _checked_proof(proof) if act == Action.DELIVER else None
        summary: dict = {}
        if act in UNRECEIVED_ASKS and unreceived_handovers(case):
            if not confirm_unreceived:
                raise ValidationFailed(gettext("上报的纸质材料尚未签收：请先签收材料再办理；如已核对电子材料，勾选"
                                               "“材料尚未签收，已核对电子材料”后再办理。"), field="confirm_unreceived")
            summary["unreceived_confirmed"] = True
        now = timezone.now()
        today = timezone.localdate(now)
        case.state = facts.state
        fields = ["state"]
        if act == Action.FORWARD:
            from_node, to_node = case.review_node, case.review_node.parent
            case.review_level, case.review_node = facts.review_level, to_node
            fields += ["review_level", "review_node"]
            handed = [str(m)[:100] for m in (materials if materials is not None else
                                             [m.name for m in case.item.materials.all() if not m.shared_data])]
            MaterialHandover.objects.create(case=case, from_node=from_node, to_node=to_node, handed_by=actor,
                                            materials=handed)
            summary["handover"] = {"from": from_node.code, "to": to_node.code, "materials": len(handed)}
            notify(acting_post_holders(to_node, role="approver"), kind="case.queue",
                   title=said(gettext_noop("新的代办件待审核：{item}"), item=case.item.name),
                   body=said(gettext_noop("办件编号 {number}，由{node}上报。"), number=case.number, node=from_node.name),
                   link=f"/cases/{case.pk}/")
        elif act == Action.REQUEST_SUPPLEMENT:
            case.paused_on = today
            fields.append("paused_on")
        elif act == Action.SUPPLY:
            paused = work_calendar().working_days_between(case.paused_on or today, today)
            if case.due_date:
                case.due_date = work_calendar().add_working_days(case.due_date, paused)
            case.paused_working_days += paused
            case.paused_on, case.sla_mark = None, ""  # a new due date: warn afresh when it nears
            fields += ["paused_on", "paused_working_days", "due_date", "sla_mark"]
            summary["paused_working_days"] = paused
        elif before == State.SUPPLEMENT_REQUESTED:  # withdrawn while paused: the pause ends with the case
            case.paused_on = None
            fields.append("paused_on")
        if act == Action.ACCEPT:  # an online application taken in by a clerk: the clock starts now
            case.accepted_at = now
            case.due_date = work_calendar().add_working_days(today, case.item.promised_days)
            case.first_contact = case.first_contact or actor
            fields += ["accepted_at", "due_date", "first_contact"]
        if act in (Action.APPROVE, Action.REJECT, Action.REFUSE):
            case.decided_at, case.decision_reason = now, note
            fields += ["decided_at", "decision_reason"]
        if act == Action.CONCLUDE:
            case.concluded_at = now
            case.ready_at = _ready_time(case, now)
            fields += ["concluded_at", "ready_at"]
            if case.item.certificate:
                _issue_certificate(case, actor=actor, now=now)
                summary["certificate"] = case.item.certificate
            if case.delivery == Delivery.HOME:
                _delivery_due(case)
        if act == Action.DELIVER:
            case.delivered_at, case.delivered_by = now, actor
            fields += ["delivered_at", "delivered_by"]
            summary["proof"] = _record_delivery(case, actor=actor, checked=checked_proof, now=now)
        case.save(update_fields=fields)
        _record(case, actor=actor, before=before, action=act, note=note, summary=summary)
    return case


def case_choose_delivery(*, actor, case_id, delivery: str, address: str = "") -> Case:
    """The applicant (or a clerk for them) chooses how the result reaches them: pickup, home delivery by the grid
    worker (网格员送达), or post. Allowed until the result is delivered. Audit: case.delivery."""
    if delivery not in Delivery.values:
        raise ValidationFailed(gettext("送达方式无效。"), field="delivery")
    address = " ".join((address or "").split())[:200]
    if delivery == Delivery.POST and len(address) < 5:
        raise ValidationFailed(gettext("邮寄请填写完整的收件地址。"), field="address")
    with transaction.atomic():
        case = case_get_for_user(actor, case_id, for_update=True)
        case_authorize(actor, case, Extra.CHOOSE_DELIVERY)
        if case.state in (State.DELIVERED, State.RATED, State.REFUSED, State.REJECTED, State.WITHDRAWN):
            raise Conflict(gettext("办件当前为“{state}”，不能再更改送达方式。").format(
                state=pgettext(STATE_CONTEXT, STATE_LABELS[State(case.state)])))
        case.delivery, case.delivery_address = delivery, address if delivery == Delivery.POST else ""
        case.save(update_fields=["delivery", "delivery_address"])
        audit_record(actor=actor, action="case.delivery", target=case, summary={"delivery": delivery})
        if delivery == Delivery.HOME and case.state == State.CONCLUDED:
            _delivery_due(case)
    return case


def _delivery_due(case: Case) -> None:
    """Tell the applicant's grid governor a result waits to be taken home."""
    notify(grid_governors(case.applicant_path), kind="case.delivery",
           title=said(gettext_noop("待送达：{item}"), item=case.item.name),
           body=said(gettext_noop("办件编号 {number}，请送达申请人家中。"), number=case.number), link=f"/cases/{case.pk}/")


def case_search_record(*, actor, query: str, cases) -> None:
    """An exact ledger search across the district (a case number with its query code, or an applicant's ID number,
    for roles in cases.authority.CASE_EXACT_SEARCH) leaves an audit event `case.search` with the query masked, and lets the
    searcher open the cases it showed (SearchGrant). Other queries and roles: nothing."""
    from doorstep.cases.selectors import case_search_exact_for_user
    from doorstep.registry.models import SearchGrant
    from doorstep.registry.services import masked_query, search_grants_record

    if case_search_exact_for_user(actor, query) is None:
        return
    with transaction.atomic():
        parts = query.split()  # "number query-code": the code is the applicant's, never kept in the audit
        shown = f"{parts[0]} ****" if len(parts) == 2 else masked_query(query)
        audit_record(actor=actor, action="case.search", target_type="cases.case",
                     summary={"query": shown, "shown": len(cases)})
        search_grants_record(actor=actor, kind=SearchGrant.Kind.CASE, object_ids=[c.pk for c in cases])


def handover_receive(*, actor, handover_id) -> MaterialHandover:
    """The receiving level confirms the physical materials arrived. Preconditions: the actor works at the receiving
    node and the hand-over is not yet received (else Conflict). Audit: case.handover_received."""
    try:
        pk = int(handover_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    with transaction.atomic():
        handover = MaterialHandover.objects.select_for_update().filter(pk=pk).select_related("to_node").first()
        if handover is None:
            raise NotFound()
        case_get_for_user(actor, handover.case_id)  # scope: same 404 for others
        if actor.org_node_id != handover.to_node_id:
            raise PermissionDenied(gettext("只有{node}的工作人员可以签收这批材料。").format(node=handover.to_node.name))
        if handover.received_at:
            raise Conflict(gettext("这批材料已经签收。"))
        handover.received_by, handover.received_at = actor, timezone.now()
        handover.save(update_fields=["received_by", "received_at"])
        audit_record(actor=actor, action="case.handover_received", target_type="cases.case",
                     target_id=str(handover.case_id), summary={"handover": handover.pk})
    return handover


