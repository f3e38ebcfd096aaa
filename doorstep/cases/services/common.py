"""What every case write shares: the authority check, case numbers, history rows, the window's node, the
item and material lookups, and the intake check the window and online applications both run."""

import datetime

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext

from doorstep.audit.services import audit_record
from doorstep.cases.authority import refusal
from doorstep.cases.models import (
    Case,
    CaseHistory,
    CaseNumberCounter,
)
from doorstep.cases.selectors import case_relations
from doorstep.cases.workflow import (
    LEVELS,
    STATE_CONTEXT,
    STATE_LABELS,
    Action,
    Reason,
    State,
)
from doorstep.catalog.eligibility import evaluate, outcomes_data
from doorstep.catalog.models import ServiceItem
from doorstep.core.daily_numbers import next_daily_number
from doorstep.core.errors import PermissionDenied, ValidationFailed
from doorstep.notifications.services import notify
from doorstep.notifications.words import label, said
from doorstep.registry.selectors import resident_facts
from doorstep.registry.shared_data import shared_data_read

REASON_REQUIRED = {Action.REFUSE, Action.REJECT, Action.REQUEST_SUPPLEMENT}
# What the applicant is told, and when: notification titles, stored in Chinese as every record.
# The applicant's inbox title per action (notifications.words: stored in Chinese, shown in the reader's language).
APPLICANT_NEWS = {
    Action.ACCEPT: gettext_noop("您的申请已受理：{item}"), Action.REFUSE: gettext_noop("您的申请不予受理：{item}"),
    Action.REQUEST_SUPPLEMENT: gettext_noop("请补正材料：{item}"), Action.APPROVE: gettext_noop("您的申请已批准：{item}"),
    Action.REJECT: gettext_noop("您的申请不予批准：{item}"), Action.CONCLUDE: gettext_noop("您的办件已办结：{item}"),
    Action.DELIVER: gettext_noop("您的办理结果已送达：{item}"), Action.WITHDRAW: gettext_noop("您的申请已撤回：{item}"),
}


def case_authorize(actor, case: Case, action) -> None:
    """Raise PermissionDenied unless the authority table (cases.authority.CASE_AUTHORITY) lets this actor take
    this action on this case from where they stand. The state machine is checked separately (Conflict)."""
    reason = refusal(actor.role, action, case_relations(actor, case), holding_node_name=case.review_node.name)
    if reason:
        raise PermissionDenied(reason_text(reason))


def reason_text(reason: Reason) -> str:
    """A refusal of the state machine or the authority table (workflow.Reason) in the reader's language."""
    return reason.text(gettext, pgettext)


def case_next_number(*, district: str, day: datetime.date) -> str:
    """District code + date + 5-digit daily sequence, e.g. 43030220261122 00042 (core.daily_numbers: one
    statement; call it inside the transaction and as late as possible, the counter row stays locked until commit)."""
    return next_daily_number(CaseNumberCounter, district=district, day=day)


def _applicant_users(case: Case):
    from doorstep.accounts.models import User

    return list(User.objects.filter(resident_id=case.applicant_id, is_active=True))


def _record(case: Case, *, actor, before: str, action: Action, note: str = "", summary: dict | None = None) -> None:
    CaseHistory.objects.create(case=case, from_state=before, action=action, to_state=case.state, actor=actor,
                               note=note)
    audit_record(actor=actor, action=f"case.{action}", target=case, reason=note,
                 summary={"from": before, "to": case.state, "level": case.review_level, **(summary or {})})
    if action in APPLICANT_NEWS:  # the notification is a record: written in Chinese, as every record is
        state = label(STATE_LABELS[State(case.state)], STATE_CONTEXT)
        body = (said(gettext_noop("办件编号 {number}，当前状态：{state}。{note}"), number=case.number, state=state,
                     note=note) if note else
                said(gettext_noop("办件编号 {number}，当前状态：{state}。"), number=case.number, state=state))
        notify(_applicant_users(case), kind=f"case.{action}", title=said(APPLICANT_NEWS[action], item=case.item.name),
               body=body, link=f"/cases/{case.pk}/")


def _window_node(actor):
    node = actor.org_node
    if node is not None and node.level == "grid" and actor.role == "grid_worker":
        node = node.parent  # a grid worker takes in for the community station (网格员代收)
    if node is None or node.level not in LEVELS or actor.role not in ("clerk", "grid_worker"):
        raise ValidationFailed(gettext("只有社区、街道或区级窗口的工作人员（或网格员）可以受理。"))
    return node


def _active_item(item_code) -> ServiceItem:
    from doorstep.catalog.selectors import active_item_for_intake

    item = active_item_for_intake(item_code)
    return item


def _material_ids(raw) -> set[int]:
    try:
        return {int(m) for m in raw or []}
    except (TypeError, ValueError):
        raise ValidationFailed(gettext("材料清单有误。"), field="materials") from None


def case_intake_check(*, item: ServiceItem, applicant, materials_present, consent: bool, today: datetime.date,
                      ineligible_acknowledged: bool = False, audience: str = "staff") -> tuple[list[dict], dict]:
    """What the window checks before accepting: every paper material ticked as present, the applicant's consent
    when shared data will be read, every shared-data check confirmed (or its paper ticked instead), and the
    eligibility rules. Returns (shared checks, eligibility) to store on the case; raises ValidationFailed with
    what is missing, in words for `audience` ("staff": a clerk reads them to the applicant; "resident": the
    applicant reads them online). An instant item whose rules fail is refused here (the window decides it). A
    promised item whose rules fail is taken in only when the clerk acknowledges it (`ineligible_acknowledged`:
    the applicant insists and brings proof, as registry data may be out of date); the evaluation then goes with the
    case to the level that decides (issue #11 item 2: a 低保 case was accepted at 64,750 元 a head unread). Reads
    only."""
    present = _material_ids(materials_present)
    materials = list(item.materials.all())
    shared = [m for m in materials if m.shared_data]
    missing = [m.name for m in materials if not m.shared_data and m.id not in present]
    if missing:
        listed = pgettext("list separator", "、").join(missing)
        if audience == "resident":
            raise ValidationFailed(gettext("请上传：{materials}。").format(materials=listed), field="materials")
        raise ValidationFailed(gettext("缺少材料：{materials}。可出具一次性告知书，请申请人补齐后再来。").format(
            materials=listed), field="materials")
    checks: list[dict] = []
    if shared:
        if not consent:
            if audience == "resident":
                raise ValidationFailed(gettext("本事项须调取您的共享数据核验：请勾选“我同意服务站调取……共享数据”一项后"
                                               "再提交。已选的文件会保留。"), field="consent")
            raise ValidationFailed(gettext("本事项须调取共享数据核验，请先征得申请人同意并勾选“申请人同意”。"),
                                   field="consent")
        read = shared_data_read(applicant, shared, today=today)
        checks = [c.record for c in read]  # stored in the site's language; the refusal speaks the reader's
        failed = [c for c in read if not c.record["ok"] and c.record["material_id"] not in present]
        listed = pgettext("list separator", "；").join(
            gettext("{material}（{data}）").format(material=c.record["material"], data=c.shown) for c in failed)
        if failed and audience == "resident":
            raise ValidationFailed(gettext("共享数据未能核验：{checks}。请带上纸质材料到家门口的服务站办理。").format(
                checks=listed), field="materials")
        if failed:
            raise ValidationFailed(gettext("共享数据未能核验：{checks}。请申请人提供纸质材料并勾选。").format(
                checks=listed), field="materials")
    eligibility = {}
    if item.eligibility_rules:
        result = evaluate(item.eligibility_rules, resident_facts(applicant, year=today.year - 1, today=today))
        with translation.override("zh-hans"):  # the case keeps the Chinese text as read at the time
            stored = result.explanation
        eligibility = {"eligible": result.eligible, "explanation": stored, "outcomes": outcomes_data(result)}
        if result.eligible is False and item.kind == "instant":  # decided here and now: refuse, say why
            raise ValidationFailed(gettext("不符合办理条件：\n{explanation}").format(explanation=result.explanation),
                                   field="eligibility")
        if result.eligible is False and not ineligible_acknowledged and audience == "staff":
            raise ValidationFailed(gettext("资格核查不符合：\n{explanation}\n如申请人坚持申请并能提供证明，请勾选“已告知"
                                           "不符合的条件，申请人坚持申请”后再受理；否则可不予受理。").format(
                                               explanation=result.explanation), field="eligibility")
    return checks, eligibility


