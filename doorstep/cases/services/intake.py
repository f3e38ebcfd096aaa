"""Taking cases in: at the window (one item, a bundle), refusal with the one-time notice, online applications."""

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext

from doorstep.audit.services import audit_record
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.models import (
    Case,
    Channel,
    Delivery,
)
from doorstep.cases.services.common import (
    _active_item,
    _material_ids,
    _record,
    _window_node,
    case_intake_check,
    case_next_number,
    reason_text,
)
from doorstep.cases.workflow import (
    Action,
    CaseFacts,
    State,
    TransitionNotAllowed,
    advance,
)
from doorstep.core.errors import Conflict, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import derived_key, idempotent_create
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.org.selectors import acting_post_holders
from doorstep.registry.selectors import resident_get_for_user


def applicant_for_intake(actor, applicant_id):
    """The resident a case may be taken in for: one the actor may open (resident_get_for_user: NotFound otherwise)
    and still on the register. A resident who died or moved out of the district is archived (registry.changes): they
    stay readable, but nothing is applied for in their name — ValidationFailed (400) saying why; a relative applies
    in their own name."""
    from doorstep.registry.models import ResidentStatus

    applicant = resident_get_for_user(actor, applicant_id)
    if applicant.status != ResidentStatus.ACTIVE:
        raise ValidationFailed(gettext("{name}{status}，不能作为申请人；如需办理相关事项，请由家属以本人名义申请。").format(
            name=applicant.name, status=applicant.get_status_display()), field="applicant")
    return applicant


def case_accept_at_window(*, actor, item_code: str, applicant_id, channel: str = Channel.WINDOW,
                          materials_present=(), consent: bool = False, delivery: str = Delivery.PICKUP,
                          bundle=None, ineligible_acknowledged: bool = False, missing_material_ids=(),
                          delivery_address: str = "", idempotency_key: str) -> Case:
    """Take in an application at any window of the district (全区通办), or by a grid worker, accepted at once.

    Preconditions: the actor is a clerk or grid worker at a community, street or district; the applicant is in
    the actor's scope; the item is active; case_intake_check passes (materials, consent, shared data, rules; a
    promised item whose rules fail needs `ineligible_acknowledged`, the clerk's record that the applicant was told
    and insists).
    Result: an accepted Case with its number, first-contact owner (首问负责), promised date in working days, the
    shared-data results and consent time. Audit: case.accept. Side effects: the day's number counter advances;
    the applicant is notified after commit. Idempotent: a replay of idempotency_key returns the first case, a
    different submission under the same key is a Conflict (doorstep.core.idempotency).
    """
    if actor.role == "grid_worker":
        raise PermissionDenied(gettext("网格员代收：请拍下材料照片提交给服务站，由服务站受理。"))
    item = _active_item(item_code)
    both = _material_ids(materials_present) & _material_ids(missing_material_ids)
    if both:
        names = pgettext("list separator", "、").join(m.name for m in item.materials.all() if m.id in both)
        raise ValidationFailed(gettext("“{names}”同时勾选了“已提交”和“缺少”，请只选一项。").format(names=names),
                               field="materials")
    if channel not in Channel.values:
        raise ValidationFailed(gettext("受理渠道无效。"), field="channel")
    if delivery not in Delivery.values:
        raise ValidationFailed(gettext("送达方式无效。"), field="delivery")
    address = _postal_address(delivery, delivery_address)
    applicant = applicant_for_intake(actor, applicant_id)
    node = _window_node(actor)
    try:
        facts = advance(CaseFacts(instant=item.kind == "instant", approval_level=item.approval_level,
                                  review_level=node.level), Action.ACCEPT, actor.role)
    except TransitionNotAllowed as exc:
        raise ValidationFailed(reason_text(exc.reason)) from None
    now = timezone.now()
    today = timezone.localdate(now)
    checks, eligibility = case_intake_check(item=item, applicant=applicant, materials_present=materials_present,
                                            consent=consent, today=today,
                                            ineligible_acknowledged=ineligible_acknowledged)
    center = node.service_centers.first()
    due = work_calendar().add_working_days(today, item.promised_days)
    def create() -> Case:  # everything read before: the number's row lock is held only for the writes
        case = Case.objects.create(
            number=case_next_number(district=node.code[:6], day=today), item=item, applicant=applicant,
            applicant_path=applicant.path, channel=channel, state=facts.state, review_level=node.level,
            review_node=node, center=center, first_contact=actor, accepted_at=now, due_date=due, bundle=bundle,
            consent_at=now if checks else None, shared_checks=checks, eligibility=eligibility, delivery=delivery,
            delivery_address=address,
        )
        summary = {"shared_checks": len(checks), "channel": channel}
        note = ""
        if eligibility.get("eligible") is False:  # on the timeline and the approver's view, not only the audit
            summary["ineligible_acknowledged"] = True
            note = "资格核查不符合：已告知申请人，申请人坚持申请并将提供证明，由审批层级核实决定"  # zh: stored record (history note)
        _record(case, actor=actor, before=State.DRAFT, action=Action.ACCEPT, note=note, summary=summary)
        return case

    inputs = {"item": item.code, "applicant": applicant.pk, "channel": channel, "delivery": delivery,
              "consent": bool(consent), "materials": sorted(_material_ids(materials_present)),
              "bundle": bundle.pk if bundle else None}
    if ineligible_acknowledged:
        inputs["ineligible_acknowledged"] = True
    if address:
        inputs["address"] = address
    case, _ = idempotent_create(actor=actor, key=idempotency_key, kind="case.accept", inputs=inputs, create=create)
    return case


def eligibility_check_at_window(*, actor, item, applicant) -> dict | None:
    """The eligibility rules read against the applicant's registry facts at the material check, before the clerk
    decides (issue #11 item 2; journey 12: which rule, which figures, which outcome).

    Returns None for an item without rules, else {"eligible": True | False | None, "sentences": [str, ...],
    "summary": str}. The applicant must already be in the actor's scope (resident_get_for_user). Side effect: an
    audit event resident.eligibility_check — the figures are personal data (household income per head)."""
    from doorstep.catalog.eligibility import evaluate
    from doorstep.registry.selectors import resident_facts

    if not item.eligibility_rules:
        return None
    today = timezone.localdate()
    result = evaluate(item.eligibility_rules, resident_facts(applicant, year=today.year - 1, today=today))
    audit_record(actor=actor, action="resident.eligibility_check", target=applicant,
                 summary={"item": item.code, "eligible": result.eligible})
    lines = result.explanation.split("\n")
    return {"eligible": result.eligible, "sentences": lines[:-1], "summary": lines[-1]}


def bundle_accept_at_window(*, actor, bundle_code: str, applicant_id, materials_present_names=(),
                            consent: bool = False, delivery: str = Delivery.PICKUP,
                            ineligible_acknowledged: bool = False, delivery_address: str = "",
                            idempotency_key: str):
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
    applicant = applicant_for_intake(actor, applicant_id)
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
                                      ineligible_acknowledged=ineligible_acknowledged,
                                      delivery_address=delivery_address,
                                      idempotency_key=derived_key(idempotency_key, item.code))
            except ValidationFailed as exc:
                raise ValidationFailed(gettext("“{item}”：{problem}").format(item=item.name, problem=exc.message),
                                       field=exc.field) from None
        audit_record(actor=actor, action="bundle.accept", target=bundle,
                     summary={"definition": definition.code, "cases": definition.items.count()})
        return bundle

    inputs = {"bundle": definition.code, "applicant": applicant.pk, "materials": sorted(names),
              "consent": bool(consent), "delivery": delivery}
    if ineligible_acknowledged:
        inputs["ineligible_acknowledged"] = True
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
    if actor.role == "grid_worker":
        raise PermissionDenied(gettext("网格员不出具不予受理决定：请把缺少的材料告诉申请人，或代收后由服务站决定。"))
    item = _active_item(item_code)
    applicant = applicant_for_intake(actor, applicant_id)
    node = _window_node(actor)
    wanted = _material_ids(missing_material_ids)
    missing = [{"name": m.name, "form": m.form, "note": m.note} for m in item.materials.all() if m.id in wanted]
    reason = " ".join((reason or "").split())[:300]
    if not missing and len(reason) < 2:
        raise ValidationFailed(gettext("请勾选缺少的材料或填写不予受理的理由。"), field="materials")
    now = timezone.now()

    def create() -> Case:
        case = Case.objects.create(
            number=case_next_number(district=node.code[:6], day=timezone.localdate(now)), item=item,
            applicant=applicant, applicant_path=applicant.path, channel=Channel.WINDOW, state=State.REFUSED,
            review_level=node.level, review_node=node, center=node.service_centers.first(), first_contact=actor,
            decided_at=now, decision_reason=reason or "材料不齐", missing_materials=missing,  # zh: stored record
        )
        _record(case, actor=actor, before=State.DRAFT, action=Action.REFUSE, note=reason,
                summary={"missing": len(missing)})
        return case

    inputs = {"item": item.code, "applicant": applicant.pk, "missing": sorted(wanted), "reason": reason}
    case, _ = idempotent_create(actor=actor, key=idempotency_key, kind="case.refuse", inputs=inputs, create=create)
    return case


def _postal_address(delivery: str, address: str) -> str:
    """The postal address a result is sent to: required (5 characters at least) when the delivery is by post,
    dropped otherwise. As case_choose_delivery asks for it."""
    address = " ".join(str(address or "").split())[:200]
    if delivery == Delivery.POST and len(address) < 5:
        raise ValidationFailed(gettext("邮寄请填写完整的收件地址。"), field="address")
    return address if delivery == Delivery.POST else ""


# an application in these states is still being handled: the same person may not apply online for the item again
OPEN_APPLICATION_STATES = (State.SUBMITTED, State.ACCEPTED, State.IN_REVIEW, State.SUPPLEMENT_REQUESTED, State.APPROVED)


def case_apply_online(*, actor, item_code: str, consent: bool = False, files: dict | None = None,
                      delivery: str = Delivery.PICKUP, delivery_address: str = "", idempotency_key: str) -> Case:
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
    if actor.role != "resident" or not actor.resident_id:
        raise PermissionDenied(gettext("网上申请须以居民本人身份登录。"))
    item = _active_item(item_code)
    if not item.online_allowed:
        raise ValidationFailed(gettext("该事项暂不支持网上申请，请到家门口的服务站办理。"), field="item")
    return _submit_with_photos(actor=actor, applicant=actor.resident, item=item, channel=Channel.ONLINE,
                               consent=consent, files=files, delivery=delivery, delivery_address=delivery_address,
                               idempotency_key=idempotency_key,
                               kind="case.apply_online", audience="resident")


def case_collect(*, actor, item_code: str, applicant_id, consent: bool = False, files: dict | None = None,
                 delivery: str = Delivery.PICKUP, delivery_address: str = "", idempotency_key: str) -> Case:
    """网格员代收 (issue #11 item 6): a grid worker takes an application at the doorstep with photos of the papers
    taken on the phone; the community station accepts and concludes it. Any item may be collected (the papers come
    as photos; the station may still ask for the originals).

    Preconditions: the actor is a grid worker; the applicant lives in the worker's grid (resident_get_for_user);
    as case_apply_online otherwise: one photo or PDF per paper material, the applicant's consent to the shared-data
    checks (recorded by the worker), the rules. Result: a submitted Case (channel grid) at the applicant's community
    station with the worker as first contact (首问负责). Audit: case.submit. Side effects as case_apply_online.
    Idempotent as case_apply_online; Conflict when the person already has an open case for the item."""
    if actor.role != "grid_worker":
        raise PermissionDenied(gettext("只有网格员可以代收申请。"))
    item = _active_item(item_code)
    applicant = applicant_for_intake(actor, applicant_id)
    return _submit_with_photos(actor=actor, applicant=applicant, item=item, channel=Channel.GRID, consent=consent,
                               files=files, delivery=delivery, delivery_address=delivery_address,
                               idempotency_key=idempotency_key, kind="case.collect",
                               audience="staff", first_contact=actor)


def _submit_with_photos(*, actor, applicant, item, channel: str, consent: bool, files: dict | None, delivery: str,
                        delivery_address: str = "",
                        idempotency_key: str, kind: str, audience: str, first_contact=None) -> Case:
    """The part online applications and grid workers' collections share: the files checked by content, the intake
    check, then a submitted case at the applicant's community station with its uploads (one transaction)."""
    import hashlib

    from django.conf import settings
    from django.core.files.base import ContentFile

    from doorstep.cases.models import CaseUpload
    from doorstep.cases.uploads import check_upload
    from doorstep.org.models import OrgNode

    if delivery not in Delivery.values:
        raise ValidationFailed(gettext("送达方式无效。"), field="delivery")
    address = _postal_address(delivery, delivery_address)
    files = files or {}
    if len(files) > settings.DOORSTEP_UPLOAD_MAX_FILES:
        raise ValidationFailed(gettext("上传的文件太多。"), field="files")
    papers = [m for m in item.materials.all() if not m.shared_data]
    accepted_files = []
    for m in papers:
        upload = files.get(m.id)
        if upload is None:
            raise ValidationFailed(gettext("请上传“{material}”的照片或扫描件。").format(material=m.name),
                                   field=f"material_{m.id}")
        head = upload.read(16)
        upload.seek(0)
        verdict = check_upload(head, upload.size, max_bytes=settings.DOORSTEP_UPLOAD_MAX_BYTES, name=upload.name)
        if not verdict.ok:
            raise ValidationFailed(gettext("{material}：{problem}").format(material=m.name, problem=verdict.message),
                                   field=f"material_{m.id}")
        data = upload.read()
        accepted_files.append((m, upload.name, verdict, data))
    today = timezone.localdate()
    checks, eligibility = case_intake_check(item=item, applicant=applicant, materials_present=[m.id for m in papers],
                                            consent=consent, today=today, audience=audience,
                                            ineligible_acknowledged=True)
    community = OrgNode.objects.get(code=applicant.path[:12])
    now = timezone.now()

    def create() -> Case:
        # one open application per person and item: a reload or a second tab made a new key and a new case
        type(applicant).objects.select_for_update().filter(pk=applicant.pk).first()  # serialise the same person
        open_one = Case.objects.filter(applicant=applicant, item=item, state__in=OPEN_APPLICATION_STATES).first()
        if open_one is not None:
            if audience == "resident":
                message = gettext("您已有一件“{item}”的申请正在办理（办件编号 {number}），请勿重复申请；"
                                  "可在“我的办件”中查看进度。")
            else:
                message = gettext("申请人已有一件“{item}”的申请正在办理（办件编号 {number}），请勿重复申请；"
                                  "可在“办件台账”中查看进度。")
            raise Conflict(message.format(item=item.name, number=open_one.number))
        case = Case.objects.create(
            number=case_next_number(district=community.code[:6], day=today), item=item, applicant=applicant,
            applicant_path=applicant.path, channel=channel, state=State.SUBMITTED, first_contact=first_contact,
            review_level=community.level, review_node=community, center=community.service_centers.first(),
            consent_at=now if checks else None, shared_checks=checks, eligibility=eligibility, delivery=delivery,
            delivery_address=address)
        for m, name, verdict, data in accepted_files:
            digest = hashlib.sha256(data).hexdigest()
            record = CaseUpload(case=case, material=m, original_name=str(name)[:120],
                                content_type=verdict.content_type, extension=verdict.extension, size=len(data),
                                sha256=digest)
            record.file.save(f"{digest}{verdict.extension}", ContentFile(data), save=False)
            record.save()
        _record(case, actor=actor, before=State.DRAFT, action=Action.SUBMIT,
                summary={"uploads": len(accepted_files), "shared_checks": len(checks), "channel": channel})
        title = gettext_noop("新的网格员代收：{item}") if channel == Channel.GRID else gettext_noop("新的网上申请：{item}")
        notify(acting_post_holders(community), kind="case.online", title=said(title, item=item.name),
               body=said(gettext_noop("办件编号 {number}，请审核材料后受理或不予受理。"), number=case.number),
               link=f"/cases/{case.pk}/")
        return case

    inputs = {"item": item.code, "consent": bool(consent), "delivery": delivery, "applicant": applicant.pk,
              "files": {str(m.id): hashlib.sha256(data).hexdigest() for m, _, _, data in accepted_files}}
    if address:
        inputs["address"] = address
    if channel == Channel.ONLINE:
        del inputs["applicant"]  # as before: keys of earlier online applications still replay
    case, _ = idempotent_create(actor=actor, key=idempotency_key, kind=kind, inputs=inputs, create=create)
    return case
