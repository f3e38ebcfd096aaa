"""Case writes. Every transition: one function, one transaction, the row locked, the actor's role and scope
checked, the state machine applied, a history row and an audit event written together, and the people concerned
notified after the commit."""

import datetime

from django.db import transaction
from django.utils import timezone

from doorstep.audit.services import audit_record
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.authority import REASON_REQUIRED_FOR_STAFF, Extra, refusal
from doorstep.cases.models import (
    Case,
    CaseHistory,
    CaseNumberCounter,
    Certificate,
    Channel,
    Delivery,
    MaterialHandover,
)
from doorstep.cases.selectors import case_facts, case_get_for_user, case_relations
from doorstep.cases.workflow import (
    ACTION_LABELS,
    LEVELS,
    STATE_LABELS,
    Action,
    CaseFacts,
    State,
    TransitionNotAllowed,
    advance,
)
from doorstep.catalog.eligibility import evaluate
from doorstep.catalog.models import ServiceItem
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import derived_key, idempotent_create
from doorstep.notifications.services import notify
from doorstep.org.hours import next_open_time
from doorstep.org.selectors import acting_post_holders, grid_governors
from doorstep.registry.selectors import resident_facts, resident_get_for_user
from doorstep.registry.shared_data import shared_data_checks

REASON_REQUIRED = {Action.REFUSE, Action.REJECT, Action.REQUEST_SUPPLEMENT}
# What the applicant is told, and when.
APPLICANT_NEWS = {
    Action.ACCEPT: "您的申请已受理", Action.REFUSE: "您的申请不予受理", Action.REQUEST_SUPPLEMENT: "请补正材料",
    Action.APPROVE: "您的申请已批准", Action.REJECT: "您的申请不予批准", Action.CONCLUDE: "您的办件已办结",
    Action.DELIVER: "您的办理结果已送达", Action.WITHDRAW: "您的申请已撤回",
}


def case_authorize(actor, case: Case, action) -> None:
    """Raise PermissionDenied unless the authority table (cases.authority.CASE_AUTHORITY) lets this actor take
    this action on this case from where they stand. The state machine is checked separately (Conflict)."""
    reason = refusal(actor.role, action, case_relations(actor, case), holding_node_name=case.review_node.name)
    if reason:
        raise PermissionDenied(reason)


def case_next_number(*, district: str, day: datetime.date) -> str:
    """District code + date + 5-digit daily sequence, e.g. 43030220261122 00042. One statement: insert the day's
    counter or add one to it, returning the new value. Call it inside a transaction and as late as possible: the
    counter row stays locked until commit, so concurrent windows never get the same number — and wait only for
    each other's last few statements."""
    from django.db import connection

    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} (district, day, last) VALUES (%s, %s, 1) ON CONFLICT (district, day) "
                    f"DO UPDATE SET last = {table}.last + 1 RETURNING last", [district, day])
        last = cur.fetchone()[0]
    return f"{district}{day:%Y%m%d}{last:05d}"


def _applicant_users(case: Case):
    from doorstep.accounts.models import User

    return list(User.objects.filter(resident_id=case.applicant_id, is_active=True))


def _record(case: Case, *, actor, before: str, action: Action, note: str = "", summary: dict | None = None) -> None:
    CaseHistory.objects.create(case=case, from_state=before, action=action, to_state=case.state, actor=actor,
                               note=note)
    audit_record(actor=actor, action=f"case.{action}", target=case, reason=note,
                 summary={"from": before, "to": case.state, "level": case.review_level, **(summary or {})})
    if action in APPLICANT_NEWS:
        notify(_applicant_users(case), kind=f"case.{action}", title=f"{APPLICANT_NEWS[action]}：{case.item.name}",
               body=f"办件编号 {case.number}，当前状态：{STATE_LABELS[State(case.state)]}。{note}".strip(),
               link=f"/cases/{case.pk}/")


def _window_node(actor):
    node = actor.org_node
    if node is not None and node.level == "grid" and actor.role == "grid_worker":
        node = node.parent  # a grid worker takes in for the community station (网格员代收)
    if node is None or node.level not in LEVELS or actor.role not in ("clerk", "grid_worker"):
        raise ValidationFailed("只有社区、街道或区级窗口的工作人员（或网格员）可以受理。")
    return node


def _active_item(item_code) -> ServiceItem:
    from doorstep.catalog.selectors import active_item_for_intake

    item = active_item_for_intake(item_code)
    return item


def _material_ids(raw) -> set[int]:
    try:
        return {int(m) for m in raw or []}
    except (TypeError, ValueError):
        raise ValidationFailed("材料清单有误。", field="materials") from None


def case_intake_check(*, item: ServiceItem, applicant, materials_present, consent: bool,
                      today: datetime.date) -> tuple[list[dict], dict]:
    """What the window checks before accepting: every paper material ticked as present, the applicant's consent
    when shared data will be read, every shared-data check confirmed (or its paper ticked instead), and the
    eligibility rules. Returns (shared checks, eligibility) to store on the case; raises ValidationFailed with
    what is missing, in words a clerk can read to the applicant. An instant item whose rules fail is refused here
    (the window decides it); for a promised item the evaluation goes with the case to the level that decides, as
    registry data may be out of date and the applicant may bring proof. Reads only."""
    present = _material_ids(materials_present)
    materials = list(item.materials.all())
    shared = [m for m in materials if m.shared_data]
    missing = [m.name for m in materials if not m.shared_data and m.id not in present]
    if missing:
        raise ValidationFailed(f"缺少材料：{'、'.join(missing)}。可出具一次性告知书，请申请人补齐后再来。",
                               field="materials")
    checks: list[dict] = []
    if shared:
        if not consent:
            raise ValidationFailed("本事项须调取共享数据核验，请先征得申请人同意并勾选“申请人同意”。", field="consent")
        checks = shared_data_checks(applicant, shared, today=today)
        failed = [c for c in checks if not c["ok"] and c["material_id"] not in present]
        if failed:
            raise ValidationFailed("共享数据未能核验：" + "；".join(f"{c['material']}（{c['data']}）" for c in failed)
                                   + "。请申请人提供纸质材料并勾选。", field="materials")
    eligibility = {}
    if item.eligibility_rules:
        result = evaluate(item.eligibility_rules, resident_facts(applicant, year=today.year - 1, today=today))
        eligibility = {"eligible": result.eligible, "explanation": result.explanation}
        if result.eligible is False and item.kind == "instant":  # decided here and now: refuse, say why
            raise ValidationFailed("不符合办理条件：\n" + result.explanation, field="eligibility")
    return checks, eligibility


def case_accept_at_window(*, actor, item_code: str, applicant_id, channel: str = Channel.WINDOW,
                          materials_present=(), consent: bool = False, delivery: str = Delivery.PICKUP,
                          bundle=None, idempotency_key: str) -> Case:
    """Take in an application at any window of the district (全区通办), or by a grid worker, accepted at once.

    Preconditions: the actor is a clerk or grid worker at a community, street or district; the applicant is in
    the actor's scope; the item is active; case_intake_check passes (materials, consent, shared data, rules).
    Result: an accepted Case with its number, first-contact owner (首问负责), promised date in working days, the
    shared-data results and consent time. Audit: case.accept. Side effects: the day's number counter advances;
    the applicant is notified after commit. Idempotent: a replay of idempotency_key returns the first case, a
    different submission under the same key is a Conflict (doorstep.core.idempotency).
    """
    item = _active_item(item_code)
    if channel not in Channel.values:
        raise ValidationFailed("受理渠道无效。", field="channel")
    if delivery not in Delivery.values:
        raise ValidationFailed("送达方式无效。", field="delivery")
    applicant = resident_get_for_user(actor, applicant_id)
    node = _window_node(actor)
    try:
        facts = advance(CaseFacts(instant=item.kind == "instant", approval_level=item.approval_level,
                                  review_level=node.level), Action.ACCEPT, actor.role)
    except TransitionNotAllowed as exc:
        raise ValidationFailed(exc.message) from None
    now = timezone.now()
    today = timezone.localdate(now)
    checks, eligibility = case_intake_check(item=item, applicant=applicant, materials_present=materials_present,
                                            consent=consent, today=today)
    center = node.service_centers.first()
    due = work_calendar().add_working_days(today, item.promised_days)
    def create() -> Case:  # everything read before: the number's row lock is held only for the writes
        case = Case.objects.create(
            number=case_next_number(district=node.code[:6], day=today), item=item, applicant=applicant,
            applicant_path=applicant.path, channel=channel, state=facts.state, review_level=node.level,
            review_node=node, center=center, first_contact=actor, accepted_at=now, due_date=due, bundle=bundle,
            consent_at=now if checks else None, shared_checks=checks, eligibility=eligibility, delivery=delivery,
        )
        _record(case, actor=actor, before=State.DRAFT, action=Action.ACCEPT,
                summary={"shared_checks": len(checks), "channel": channel})
        return case

    inputs = {"item": item.code, "applicant": applicant.pk, "channel": channel, "delivery": delivery,
              "consent": bool(consent), "materials": sorted(_material_ids(materials_present)),
              "bundle": bundle.pk if bundle else None}
    case, _ = idempotent_create(actor=actor, key=idempotency_key, kind="case.accept", inputs=inputs, create=create)
    return case


def bundle_accept_at_window(*, actor, bundle_code: str, applicant_id, materials_present_names=(),
                            consent: bool = False, delivery: str = Delivery.PICKUP, idempotency_key: str):
    """Take in a bundle (一件事): every member item accepted at once from one set of materials.

    Preconditions: as case_accept_at_window for every member item; the clerk ticks each paper material once by
    name and it counts for every item that needs it. All-or-nothing: if any member cannot be accepted, nothing is
    (the error names the item). Result: the Bundle with its member cases. Audit: bundle.accept and case.accept
    for each member. Side effects: case numbers; the applicant is notified per case. Idempotent as
    case_accept_at_window: a replay returns the first bundle (each member's key is derived from the bundle's).
    """
    from doorstep.cases.models import Bundle
    from doorstep.catalog.selectors import bundle_get

    definition = bundle_get(bundle_code)
    names = {str(n)[:100] for n in materials_present_names or []}
    applicant = resident_get_for_user(actor, applicant_id)
    node = _window_node(actor)
    today = timezone.localdate()
    def create():
        bundle = Bundle.objects.create(number="B" + case_next_number(district=node.code[:6], day=today),
                                       definition=definition, applicant=applicant, created_by=actor)
        for item in definition.items.all():
            present = [m.id for m in item.materials.all() if m.name in names]
            try:
                case_accept_at_window(actor=actor, item_code=item.code, applicant_id=applicant.pk,
                                      materials_present=present, consent=consent, delivery=delivery, bundle=bundle,
                                      idempotency_key=derived_key(idempotency_key, item.code))
            except ValidationFailed as exc:
                raise ValidationFailed(f"“{item.name}”：{exc.message}", field=exc.field) from None
        audit_record(actor=actor, action="bundle.accept", target=bundle,
                     summary={"definition": definition.code, "cases": definition.items.count()})
        return bundle

    inputs = {"bundle": definition.code, "applicant": applicant.pk, "materials": sorted(names),
              "consent": bool(consent), "delivery": delivery}
    bundle, _ = idempotent_create(actor=actor, key=idempotency_key, kind="bundle.accept", inputs=inputs,
                                  create=create)
    return bundle


def case_refuse_at_window(*, actor, item_code: str, applicant_id, missing_material_ids, reason: str = "",
                          idempotency_key: str) -> Case:
    """不予受理 at the window: the application is recorded as refused with the one-time notice of what is missing.

    Preconditions: as for acceptance; at least one material named missing, or a reason. Result: a refused Case
    whose missing_materials list the notice prints. Audit: case.refuse. Side effects: a case number is used.
    Idempotent as case_accept_at_window: a replay returns the first refused case.
    """
    item = _active_item(item_code)
    applicant = resident_get_for_user(actor, applicant_id)
    node = _window_node(actor)
    wanted = _material_ids(missing_material_ids)
    missing = [{"name": m.name, "form": m.form, "note": m.note} for m in item.materials.all() if m.id in wanted]
    reason = " ".join((reason or "").split())[:300]
    if not missing and len(reason) < 2:
        raise ValidationFailed("请勾选缺少的材料或填写不予受理的理由。", field="materials")
    now = timezone.now()

    def create() -> Case:
        case = Case.objects.create(
            number=case_next_number(district=node.code[:6], day=timezone.localdate(now)), item=item,
            applicant=applicant, applicant_path=applicant.path, channel=Channel.WINDOW, state=State.REFUSED,
            review_level=node.level, review_node=node, center=node.service_centers.first(), first_contact=actor,
            decided_at=now, decision_reason=reason or "材料不齐", missing_materials=missing,
        )
        _record(case, actor=actor, before=State.DRAFT, action=Action.REFUSE, note=reason,
                summary={"missing": len(missing)})
        return case

    inputs = {"item": item.code, "applicant": applicant.pk, "missing": sorted(wanted), "reason": reason}
    case, _ = idempotent_create(actor=actor, key=idempotency_key, kind="case.refuse", inputs=inputs, create=create)
    return case


# an application in these states is still being handled: the same person may not apply online for the item again
OPEN_APPLICATION_STATES = (State.SUBMITTED, State.ACCEPTED, State.IN_REVIEW, State.SUPPLEMENT_REQUESTED)


def case_apply_online(*, actor, item_code: str, consent: bool = False, files: dict | None = None,
                      delivery: str = Delivery.PICKUP, idempotency_key: str) -> Case:
    """A resident applies online for an item that allows it (网上申请): one upload per paper material.

    Preconditions: the actor is a resident with a registry record; the item allows online application; every paper
    material has one file that is an image or a PDF by content and within DOORSTEP_UPLOAD_MAX_BYTES; consent given
    when shared data will be read; the shared-data checks and the rules pass as at a window. Anything wrong raises
    ValidationFailed and stores nothing. Result: a submitted Case at the applicant's community station, waiting for a
    clerk to accept it (the clock starts then). Audit: case.submit. Side effects: files under MEDIA_ROOT; the
    station's post holders are told after commit. Idempotent as case_accept_at_window (the files count by their
    content): a replay returns the first case and stores no file again. Conflict when the person already has an
    open application for the item (OPEN_APPLICATION_STATES), whatever the key.
    """
    import hashlib

    from django.conf import settings
    from django.core.files.base import ContentFile

    from doorstep.cases.models import CaseUpload
    from doorstep.cases.uploads import check_upload
    from doorstep.org.models import OrgNode

    if actor.role != "resident" or not actor.resident_id:
        raise PermissionDenied("网上申请须以居民本人身份登录。")
    item = _active_item(item_code)
    if not item.online_allowed:
        raise ValidationFailed("该事项暂不支持网上申请，请到家门口的服务站办理。", field="item")
    if delivery not in Delivery.values:
        raise ValidationFailed("送达方式无效。", field="delivery")
    applicant = actor.resident
    files = files or {}
    if len(files) > settings.DOORSTEP_UPLOAD_MAX_FILES:
        raise ValidationFailed("上传的文件太多。", field="files")
    papers = [m for m in item.materials.all() if not m.shared_data]
    accepted_files = []
    for m in papers:
        upload = files.get(m.id)
        if upload is None:
            raise ValidationFailed(f"请上传“{m.name}”的照片或扫描件。", field=f"material_{m.id}")
        head = upload.read(16)
        upload.seek(0)
        verdict = check_upload(head, upload.size, max_bytes=settings.DOORSTEP_UPLOAD_MAX_BYTES, name=upload.name)
        if not verdict.ok:
            raise ValidationFailed(f"{m.name}：{verdict.message}", field=f"material_{m.id}")
        data = upload.read()
        accepted_files.append((m, upload.name, verdict, data))
    today = timezone.localdate()
    checks, eligibility = case_intake_check(item=item, applicant=applicant, materials_present=[m.id for m in papers],
                                            consent=consent, today=today)
    community = OrgNode.objects.get(code=applicant.path[:12])
    now = timezone.now()

    def create() -> Case:
        # one open online application per person and item: a reload or a second tab made a new key and a new case
        type(applicant).objects.select_for_update().filter(pk=applicant.pk).first()  # serialise the same person
        open_one = Case.objects.filter(applicant=applicant, item=item, state__in=OPEN_APPLICATION_STATES).first()
        if open_one is not None:
            raise Conflict(f"您已有一件“{item.name}”的申请正在办理（办件编号 {open_one.number}），请勿重复申请；"
                           f"可在“我的办件”中查看进度。")
        case = Case.objects.create(
            number=case_next_number(district=community.code[:6], day=today), item=item, applicant=applicant,
            applicant_path=applicant.path, channel=Channel.ONLINE, state=State.SUBMITTED,
            review_level=community.level, review_node=community, center=community.service_centers.first(),
            consent_at=now if checks else None, shared_checks=checks, eligibility=eligibility, delivery=delivery)
        for m, name, verdict, data in accepted_files:
            digest = hashlib.sha256(data).hexdigest()
            record = CaseUpload(case=case, material=m, original_name=str(name)[:120],
                                content_type=verdict.content_type, extension=verdict.extension, size=len(data),
                                sha256=digest)
            record.file.save(f"{digest}{verdict.extension}", ContentFile(data), save=False)
            record.save()
        _record(case, actor=actor, before=State.DRAFT, action=Action.SUBMIT,
                summary={"uploads": len(accepted_files), "shared_checks": len(checks)})
        notify(acting_post_holders(community), kind="case.online", title=f"新的网上申请：{item.name}",
               body=f"办件编号 {case.number}，请审核材料后受理或不予受理。", link=f"/cases/{case.pk}/")
        return case

    inputs = {"item": item.code, "consent": bool(consent), "delivery": delivery,
              "files": {str(m.id): hashlib.sha256(data).hexdigest() for m, _, _, data in accepted_files}}
    case, _ = idempotent_create(actor=actor, key=idempotency_key, kind="case.apply_online", inputs=inputs,
                                create=create)
    return case


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


def case_transition(*, actor, case_id, action: str, note: str = "", materials: list[str] | None = None) -> Case:
    """Apply one workflow action to a case.

    Preconditions: the case is in the actor's scope (else NotFound); the authority table allows the actor's role
    the action from where they stand relative to the case (cases.authority.CASE_AUTHORITY: the node that holds it,
    the center that took it in, the applicant …; else PermissionDenied saying where); the state machine allows the
    action for the role and the case's facts (else Conflict with the reason); refusals, rejections and supplement
    requests carry a reason, and so does a withdrawal by staff on the applicant's behalf (the applicant is told).
    Result: the case in its new state. Side effects by action: forward records the material hand-over to the next
    level and tells its approvers; a supplement request stops the clock and supply restarts it with the due date
    moved by the working days paused; conclude issues the item's certificate and sets the pickup time; deliver
    records who delivered. Audit: case.<action>. The row is locked while it changes, so of two people acting at
    once exactly one wins and the other is told the case has moved on.
    """
    try:
        act = Action(action)
    except ValueError:
        raise ValidationFailed("不支持的操作。", field="action") from None
    note = " ".join((note or "").split())[:300]
    if act in REASON_REQUIRED and len(note) < 2:
        raise ValidationFailed("请填写理由。", field="note")
    if act in REASON_REQUIRED_FOR_STAFF and actor.role != "resident" and len(note) < 2:
        raise ValidationFailed(f"代申请人{ACTION_LABELS[act]}须填写理由，申请人会收到通知。", field="note")
    with transaction.atomic():
        case = case_get_for_user(actor, case_id, for_update=True)
        before = case.state
        case_authorize(actor, case, act)
        try:
            facts = advance(case_facts(case), act, actor.role)
        except TransitionNotAllowed as exc:
            raise Conflict(exc.message) from None
        now = timezone.now()
        today = timezone.localdate(now)
        case.state = facts.state
        fields = ["state"]
        summary: dict = {}
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
                   title=f"新的代办件待审核：{case.item.name}", body=f"办件编号 {case.number}，由{from_node.name}上报。",
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
                notify(grid_governors(case.applicant_path), kind="case.delivery", title=f"待送达：{case.item.name}",
                       body=f"办件编号 {case.number}，请送达申请人家中。", link=f"/cases/{case.pk}/")
        if act == Action.DELIVER:
            case.delivered_at, case.delivered_by = now, actor
            fields += ["delivered_at", "delivered_by"]
        case.save(update_fields=fields)
        _record(case, actor=actor, before=before, action=act, note=note, summary=summary)
    return case


def case_choose_delivery(*, actor, case_id, delivery: str, address: str = "") -> Case:
    """The applicant (or a clerk for them) chooses how the result reaches them: pickup, home delivery by the grid
    worker (网格员送达), or post. Allowed until the result is delivered. Audit: case.delivery."""
    if delivery not in Delivery.values:
        raise ValidationFailed("送达方式无效。", field="delivery")
    address = " ".join((address or "").split())[:200]
    if delivery == Delivery.POST and len(address) < 5:
        raise ValidationFailed("邮寄请填写完整的收件地址。", field="address")
    with transaction.atomic():
        case = case_get_for_user(actor, case_id, for_update=True)
        case_authorize(actor, case, Extra.CHOOSE_DELIVERY)
        if case.state in (State.DELIVERED, State.RATED, State.REFUSED, State.REJECTED, State.WITHDRAWN):
            raise Conflict(f"办件当前为“{STATE_LABELS[State(case.state)]}”，不能再更改送达方式。")
        case.delivery, case.delivery_address = delivery, address if delivery == Delivery.POST else ""
        case.save(update_fields=["delivery", "delivery_address"])
        audit_record(actor=actor, action="case.delivery", target=case, summary={"delivery": delivery})
        if delivery == Delivery.HOME and case.state == State.CONCLUDED:
            notify(grid_governors(case.applicant_path), kind="case.delivery", title=f"待送达：{case.item.name}",
                   body=f"办件编号 {case.number}，请送达申请人家中。", link=f"/cases/{case.pk}/")
    return case


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
            raise PermissionDenied(f"只有{handover.to_node.name}的工作人员可以签收这批材料。")
        if handover.received_at:
            raise Conflict("这批材料已经签收。")
        handover.received_by, handover.received_at = actor, timezone.now()
        handover.save(update_fields=["received_by", "received_at"])
        audit_record(actor=actor, action="case.handover_received", target_type="cases.case",
                     target_id=str(handover.case_id), summary={"handover": handover.pk})
    return handover


def supervision_sweep(*, today: datetime.date | None = None) -> dict[str, int]:
    """The periodic electronic-supervision sweep (huey, every 30 minutes).

    Finds running cases that turned yellow (due within the warning window) or red (overdue) since the last sweep,
    tells whoever answers for the node where each case sits — the post's A holder, or the B backup when A is marked
    absent (AB岗) — in one message per node and mark, and remembers the mark so nobody is told twice.
    Result: counts. Audit: one supervision.sweep event when anything was marked. Idempotent.
    """
    from collections import defaultdict

    from doorstep.cases.selectors import supervision_limits
    from doorstep.cases.workflow import CLOCK_RUNNING
    from doorstep.org.models import OrgNode

    today, limit = supervision_limits(today)
    running = Case.objects.filter(state__in_literal=CLOCK_RUNNING)  # the partial index case_running_due
    found = {
        "red": running.filter(due_date__lt=today).exclude(sla_mark="red"),
        "yellow": running.filter(due_date__gte=today, due_date__lte=limit, sla_mark=""),
    }
    counts = {"red": 0, "yellow": 0, "notified": 0}
    with transaction.atomic():
        for mark, qs in found.items():
            by_node: dict[int, list[int]] = defaultdict(list)
            for pk, node_id in qs.values_list("id", "review_node_id"):
                by_node[node_id].append(pk)
            for node in OrgNode.objects.filter(pk__in=by_node):
                ids = by_node[node.pk]
                holders = acting_post_holders(node, role="") or acting_post_holders(node, role="approver")
                word = "已超期" if mark == "red" else "即将到期"
                notify(holders, kind=f"supervision.{mark}", title=f"电子监察：{len(ids)}件办件{word}",
                       body=f"{node.name}有{len(ids)}件办件{word}，请尽快办理。", link=f"/cases/supervision/?mark={mark}")
                counts["notified"] += len(holders)
                Case.objects.filter(pk__in=ids).update(sla_mark=mark)
                counts[mark] += len(ids)
        if counts["red"] or counts["yellow"]:
            audit_record(actor=None, action="supervision.sweep", target_type="cases.case",
                         summary={**counts, "day": today.isoformat()})
    return counts


# -- 资格复核: the periodic re-check of current beneficiaries -------------------------------------------------------

BENEFIT_STATES = (State.CONCLUDED, State.DELIVERED, State.RATED)
REVIEW_DECISIONS = {"kept": "继续享受", "referred": "报请停发"}
REVIEW_DECIDERS = {"clerk", "approver", "admin"}  # leaders and supervisors read the reviews; these decide them


def eligibility_recheck(*, today: datetime.date | None = None) -> dict[str, int]:
    """Re-evaluate the eligibility rules for every current beneficiary (the latest concluded case per resident and
    item whose item has rules) against today's registry figures.

    Result: counts {checked, flagged}. Each beneficiary who no longer qualifies gets an open EligibilityReview with
    the read-aloud explanation — unless one is already open, or a closed review saw exactly the same figures (a
    person has decided on them). Nothing about the benefit itself changes: a person decides. Audit: one
    eligibility.recheck event with the counts. Side effects: the acting post holders of each flagged resident's
    community are notified after commit.
    """
    from doorstep.cases.models import EligibilityReview
    from doorstep.org.models import OrgNode
    from doorstep.registry.selectors import residents_facts

    today = today or timezone.localdate()
    rules = {i.pk: i.eligibility_rules for i in ServiceItem.objects.filter(is_active=True) if i.eligibility_rules}
    latest: dict[tuple[int, int], tuple[int, str]] = {}
    for case_id, applicant_id, item_id, path in (
            Case.objects.filter(item_id__in=rules, state__in=BENEFIT_STATES)
            .order_by("concluded_at", "id").values_list("id", "applicant_id", "item_id", "applicant_path")
            .iterator(chunk_size=5000)):
        latest[(applicant_id, item_id)] = (case_id, path)
    facts = residents_facts([a for a, _ in latest], year=today.year - 1, today=today)
    seen: dict[int, set[str]] = {}
    for case_id, status, explanation in EligibilityReview.objects.values_list("case_id", "status", "explanation"):
        seen.setdefault(case_id, set()).add("open" if status == "open" else explanation)
    flagged, communities = [], {}
    for (applicant_id, item_id), (case_id, path) in latest.items():
        result = evaluate(rules[item_id], facts.get(applicant_id, {}))
        if result.eligible is not False:
            continue
        earlier = seen.get(case_id, set())
        if "open" in earlier or result.explanation in earlier:
            continue
        flagged.append(EligibilityReview(case_id=case_id, applicant_path=path, found_on=today,
                                         explanation=result.explanation))
        communities[path[:12]] = communities.get(path[:12], 0) + 1
    with transaction.atomic():
        EligibilityReview.objects.bulk_create(flagged, batch_size=1000)
        audit_record(actor=None, actor_label="资格复核任务", action="eligibility.recheck",
                     summary={"checked": len(latest), "flagged": len(flagged)})
        for node in OrgNode.objects.filter(code__in=communities):
            notify(acting_post_holders(node, role=""), kind="eligibility.flag",
                   title=f"资格复核：{communities[node.code]}名享受对象可能已不符合条件",
                   body="系统按最新数据复核发现，请入户核实后作出决定；系统不会自动停发。", link="/cases/reviews/")
    return {"checked": len(latest), "flagged": len(flagged)}


def eligibility_review_resolve(*, actor, review_id, decision: str, note: str):
    """A person's decision on a flagged beneficiary: keep (继续享受) or refer for stopping (报请停发).

    Preconditions: the review is open and its resident is in the actor's scope (else NotFound / Conflict); staff
    who handle cases; a note saying what was found. Result: the closed review. Audit: eligibility.resolve with the
    decision. Side effects: none on the benefit itself — stopping is the department's own procedure.
    """
    from doorstep.cases.models import EligibilityReview
    from doorstep.cases.selectors import eligibility_reviews_in_scope

    if decision not in REVIEW_DECISIONS:
        raise ValidationFailed("请选择复核结论：继续享受或报请停发。", field="decision")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写复核意见（入户核实的情况）。", field="note")
    try:
        pk = int(review_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if actor.role not in REVIEW_DECIDERS:
        raise PermissionDenied("只有窗口、审批或管理人员可以作出复核结论。")
    with transaction.atomic():
        review = eligibility_reviews_in_scope(actor).select_for_update().filter(pk=pk).first()
        if review is None:
            raise NotFound()
        if review.status != EligibilityReview.Status.OPEN:
            raise Conflict("该复核已有结论，不能重复处理。")
        review.status = decision
        review.resolved_by = actor
        review.resolved_at = timezone.now()
        review.resolution_note = note[:300]
        review.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
        audit_record(actor=actor, action="eligibility.resolve", target=review, reason=note[:300],
                     summary={"decision": decision, "case": review.case_id})
    return review
