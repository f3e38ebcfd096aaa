"""The command center's steps of the loop: register (立案), dismiss (不予立案, the 值班长), merge duplicates, record a
meeting (会议处置), dispatch to a lead department and co-departments (派遣, 吹哨), close (结案), follow up (回访),
reopen and archive. Each step is one service: row lock, authority check, the loop's table, history, audit, and
notifications after commit."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.core.errors import Conflict, ValidationFailed
from doorstep.incidents.authority import Extra
from doorstep.incidents.clock import due
from doorstep.incidents.models import (
    Category,
    DispatchDecision,
    DispatchOrder,
    Incident,
    IncidentRating,
    Meeting,
)
from doorstep.incidents.selectors import incident_get_for_user
from doorstep.incidents.services.common import (
    clean_note,
    incident_authorize,
    incident_step,
    record,
    tell_reporter,
)
from doorstep.incidents.workflow import (
    ACTIVE_ORDER_STATES,
    FINAL,
    Action,
    OrderState,
    Resolution,
    State,
    Tier,
)
from doorstep.notifications.services import notify
from doorstep.notifications.words import said


def center_users(path: str) -> list:
    """The command-center staff over a place: dispatchers at its district, street or community."""
    from doorstep.accounts.models import User

    prefixes = [path[:n] for n in (6, 9, 12) if len(path) >= n]
    return list(User.objects.filter(role="dispatcher", is_active=True, org_node__code__in=prefixes))


def department_users(department_id: int) -> list:
    from doorstep.accounts.models import User

    return list(User.objects.filter(role="department", department_id=department_id, is_active=True))


def _category(code, *, field: str = "category") -> Category:
    category = Category.objects.select_related("lead_department").filter(
        code=str(code or "").strip()[:12], active=True).first()
    if category is None:
        raise ValidationFailed(gettext("请选择问题类别。"), field=field)
    return category


def _tier(value, default: str) -> str:
    value = str(value or default)
    if value not in {t.value for t in Tier}:
        raise ValidationFailed(gettext("处置方式无效。"), field="tier")
    return value


def incident_register(*, actor, incident_id, category: str = "", tier: str = "", note: str = "") -> Incident:
    """立案: the command center takes a report on, in a category (kept or corrected) and a tier (the category's
    default unless chosen). Preconditions: REPORTED, the actor's center over it (else PermissionDenied / Conflict).
    Audit incident.register; the reporter hears it was taken on."""
    note = clean_note(note)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.REGISTER, now=now)
        chosen = _category(category or (incident.category.code if incident.category_id else ""))
        before = incident.state
        incident.state = facts.state
        incident.category = chosen
        incident.tier = _tier(tier, chosen.default_tier)
        incident.priority = chosen.priority
        incident.registered_at = now
        incident.save(update_fields=["state", "category", "tier", "priority", "registered_at"])
        record(incident, actor=actor, before=before, action=Action.REGISTER, at=now, note=note,
               data={"category": chosen.code, "tier": incident.tier})
        tell_reporter(incident, kind="incident.register", title=gettext_noop("您反映的问题已立案：{number}"))
    return incident


def incident_dismiss(*, actor, incident_id, reason: str) -> Incident:
    """不予立案: only the acting 值班长 of a center over the report (authority DUTY_CHIEF), with a reason of at least
    two characters that the reporter sees. Audit incident.dismiss."""
    reason = clean_note(reason, field="reason", required=True, limit=300)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.DISMISS, now=now)
        before = incident.state
        incident.state, incident.dismiss_reason = facts.state, reason
        incident.save(update_fields=["state", "dismiss_reason"])
        record(incident, actor=actor, before=before, action=Action.DISMISS, at=now, note=reason)
        tell_reporter(incident, kind="incident.dismiss", title=gettext_noop("您反映的问题不予立案：{number}"),
                      note=reason)
    return incident


def incident_merge(*, actor, incident_id, into_id) -> Incident:
    """Merge a duplicate report into another (合并): the duplicate ends MERGED pointing at the one kept, and reports
    merged into the duplicate before now point at the one kept too, so merges form no chain and never a cycle.
    Preconditions: both in the actor's scope, different, the kept one neither merged nor dismissed nor archived, the
    duplicate REPORTED or REGISTERED. Both rows are locked (lower id first: no deadlock between two merges). Every
    merged reporter hears the outcome when the kept one is closed (tell_reporter). Audit incident.merge."""
    with transaction.atomic():
        first = incident_get_for_user(actor, incident_id)
        kept = incident_get_for_user(actor, into_id)
        if first.pk == kept.pk:
            raise ValidationFailed(gettext("不能合并到自身。"), field="into")
        for pk in sorted((first.pk, kept.pk)):
            incident_get_for_user(actor, pk, for_update=True)
        incident = incident_get_for_user(actor, incident_id)
        kept = incident_get_for_user(actor, into_id)
        if kept.state in FINAL:
            raise Conflict(gettext("目标事件当前为“{state}”，不能合并到它。").format(state=kept.get_state_display()))
        now = timezone.now()
        facts = incident_step(actor, incident, Action.MERGE, now=now)
        before = incident.state
        incident.state, incident.merged_into = facts.state, kept
        incident.save(update_fields=["state", "merged_into"])
        moved = Incident.objects.filter(merged_into=incident).update(merged_into=kept)
        record(incident, actor=actor, before=before, action=Action.MERGE, at=now,
               data={"into": kept.number, "moved": moved})
        tell_reporter(incident, kind="incident.merge", title=gettext_noop("您反映的问题已与同一问题合并办理：{number}"),
                      note=gettext("合并到 {number}，办理结果会通知您。").format(number=kept.number))
    return incident


def incident_meeting(*, actor, incident_id, held_at: datetime.datetime | str, participants: str,
                     decisions: str) -> Meeting:
    """Record a meeting on a complex matter (会议处置): when, who took part, what was decided — required before a
    meeting-tier incident is dispatched. Preconditions: the incident is registered and not yet dispatched, the
    actor's center over it. Audit incident.meeting."""
    participants = clean_note(participants, field="participants", limit=500)
    decisions = str(decisions or "").strip()[:2000]
    if len(participants) < 2:
        raise ValidationFailed(gettext("请填写参会人员。"), field="participants")
    if len(decisions) < 2:
        raise ValidationFailed(gettext("请填写议定事项。"), field="decisions")
    if isinstance(held_at, str):
        try:
            held_at = datetime.datetime.fromisoformat(held_at.strip())
        except ValueError:
            raise ValidationFailed(gettext("会议时间无效。"), field="held_at") from None
    if not isinstance(held_at, datetime.datetime) or not 2000 <= held_at.year <= 2999:
        raise ValidationFailed(gettext("会议时间无效。"), field="held_at")
    if timezone.is_naive(held_at):
        held_at = timezone.make_aware(held_at)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        incident_authorize(actor, incident, Extra.MEETING)
        if incident.state != State.REGISTERED:
            raise Conflict(gettext("只有已立案、尚未派遣的事件可以记录会议。"))
        if held_at > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationFailed(gettext("会议时间不能晚于现在。"), field="held_at")
        if held_at < incident.reported_at - datetime.timedelta(days=1):
            raise ValidationFailed(gettext("会议时间不能早于问题上报的时间。"), field="held_at")
        meeting = Meeting.objects.create(incident=incident, held_at=held_at, participants=participants,
                                         decisions=decisions, recorded_by=actor)
        record(incident, actor=actor, before=incident.state, action="meeting", at=timezone.now(),
               data={"meeting": meeting.pk})
    return meeting


def _department(value, *, field: str):
    from doorstep.org.models import Department

    text = str(value or "").strip()[:30]
    department = None
    if text.isdigit():
        department = Department.objects.filter(pk=int(text)).first()
    department = department or Department.objects.filter(short_name=text).first() or \
        Department.objects.filter(code=text).first()
    if department is None:
        raise ValidationFailed(gettext("请选择部门。"), field=field)
    return department


def incident_dispatch(*, actor, incident_id, department, category: str = "", part: str = "",
                      co: list[tuple[object, str]] | None = None, note: str = "") -> Incident:
    """派遣: send the incident to a lead department (its id, short name or code) and, for a whistle (吹哨), to
    co-departments, each with its part. The category may be corrected here. Clocks start: the response and
    handling limits of the category, in working time (incidents.clock). Preconditions: REGISTERED; a meeting-tier
    incident has a meeting record; a whistle has at least one co-department; no department twice. Of two dispatchers
    dispatching one report at once, one wins (row lock + state) and the other gets Conflict. Records the decision
    next to the suggestion shown (DispatchDecision: the suggestion's training data). Audit incident.dispatch; the
    departments' staff are told."""
    note = clean_note(note)
    part = clean_note(part, field="part", limit=300)
    lead = _department(department, field="department")
    co_rows = []
    for i, (dept, co_part) in enumerate(co or []):
        co_department = _department(dept, field=f"co_{i}")
        co_rows.append((co_department, clean_note(co_part, field=f"co_part_{i}", limit=300)))
    ids = [lead.pk] + [d.pk for d, _p in co_rows]
    if len(ids) != len(set(ids)):
        raise ValidationFailed(gettext("同一部门不能重复派遣。"), field="co_0")
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        chosen = _category(category) if category else incident.category
        if chosen is None:
            raise ValidationFailed(gettext("请选择问题类别。"), field="category")
        now = timezone.now()
        if incident.state == State.REGISTERED and incident.tier in (Tier.DISPATCH, Tier.FRONT_LINE):
            # sent to departments, it is theirs (no longer the grid worker's to handle on the spot); several at
            # once is a whistle
            incident.tier = Tier.WHISTLE if co_rows else Tier.DISPATCH
        # the orders about to be written are what the table's guards look at (a lead; co-departments for a whistle)
        facts = incident_step(actor, incident, Action.DISPATCH, now=now, orders=(("lead", OrderState.SENT),) + tuple(
            ("co", OrderState.SENT) for _r in co_rows))
        response_due = due(now, chosen.response_limit, chosen.response_unit)
        handling_due = due(now, chosen.handling_limit, chosen.handling_unit)
        round_no = (DispatchOrder.objects.filter(incident=incident).order_by("-round")
                    .values_list("round", flat=True).first() or 0) + 1
        DispatchOrder.objects.create(incident=incident, department=lead, role="lead", part=part, round=round_no,
                                     sent_at=now, sent_by=actor, response_due=response_due, due_at=handling_due)
        for co_department, co_part in co_rows:
            DispatchOrder.objects.create(incident=incident, department=co_department, role="co", part=co_part,
                                         round=round_no, sent_at=now, sent_by=actor, response_due=response_due,
                                         due_at=handling_due)
        before = incident.state
        incident.state, incident.category, incident.priority = facts.state, chosen, chosen.priority
        incident.dispatched_at, incident.response_due, incident.handling_due = now, response_due, handling_due
        incident.sla_mark = ""
        incident.save(update_fields=["state", "category", "priority", "tier", "dispatched_at", "response_due",
                                     "handling_due", "sla_mark"])
        suggested = incident.suggestion or {}
        DispatchDecision.objects.create(
            incident=incident, text=incident.description, department=lead, category=chosen,
            suggested_department=str(suggested.get("department", ""))[:20],
            suggested_category=str(suggested.get("category", ""))[:12],
            confidence=suggested.get("confidence"),
            accepted=bool(suggested) and suggested.get("department") == lead.short_name,
            decided_by=actor, decided_at=now)
        record(incident, actor=actor, before=before, action=Action.DISPATCH, at=now, note=note,
               data={"lead": lead.short_name or lead.code, "co": [d.short_name or d.code for d, _p in co_rows],
                     "category": chosen.code, "round": round_no})
        for dept in [lead, *(d for d, _p in co_rows)]:
            notify(department_users(dept.pk), kind="incident.dispatch",
                   title=said(gettext_noop("新派单：{number}"), number=incident.number),
                   body=said(gettext_noop("{category}：{text}"), category=chosen.name, text=incident.description[:100]),
                   link=f"/incidents/{incident.pk}/")
    return incident


def _close_kind(incident: Incident) -> Action:
    return Action.CLOSE if incident.resolution == Resolution.SOLVED else Action.CLOSE_UNSOLVED


def incident_close(*, actor, incident_id, note: str = "") -> Incident:
    """结案: the command center closes a verified incident — as solved when the handling solved it, else as closed
    but not solved (无法解决 / 不属实, its own ending). Preconditions: VERIFIED with a passed verification record
    since the last handling (the loop's guard: no path closes without one). Every reporter, merged ones too, hears
    the outcome. Audit incident.close / incident.close_unsolved."""
    note = clean_note(note)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        incident_authorize(actor, incident, Action.CLOSE)  # a refusal names 结案, whichever ending it would be
        action = _close_kind(incident)
        facts = incident_step(actor, incident, action, now=now)
        before = incident.state
        incident.state, incident.closed_at = facts.state, now
        incident.save(update_fields=["state", "closed_at"])
        record(incident, actor=actor, before=before, action=action, at=now, note=note,
               data={"resolution": incident.resolution})
        tell_reporter(incident, kind=f"incident.{action}", title=gettext_noop("您反映的问题已办结：{number}"),
                      note=note)
    return incident


def _level(value) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if not 1 <= level <= 5:
        raise ValidationFailed(gettext("请选择满意度。"), field="level")
    return level


def incident_review(*, actor, incident_id, level, solved: bool | None = None, comment: str = "") -> Incident:
    """回访: the command center calls the reporter back after closing and writes down their rating (five levels) and
    whether the problem is solved in their eyes. Preconditions: CLOSED or CLOSED_UNSOLVED, a reporter to call.
    Audit incident.review."""
    level = _level(level)
    comment = clean_note(comment, field="comment", limit=300)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.REVIEW, now=now)
        before = incident.state
        if IncidentRating.objects.filter(report=incident, round=incident.reopen_count).exists():
            raise Conflict(gettext("该诉求已经评价过。"))
        IncidentRating.objects.create(incident=incident, report=incident, round=incident.reopen_count,
                                      level=level, solved=solved,
                                      comment=comment, source=IncidentRating.Source.FOLLOW_UP, recorded_by=actor,
                                      at=now)
        incident.state = facts.state
        incident.save(update_fields=["state"])
        record(incident, actor=actor, before=before, action=Action.REVIEW, at=now, note=comment,
               data={"level": level, "solved": solved})
    return incident


def incident_reopen(*, actor, incident_id, reason: str) -> Incident:
    """重新办理: the reporter or the command center reopens a closed incident within
    DOORSTEP_INCIDENT_REOPEN_DAYS of closing, with a reason. It goes back to the command center (REGISTERED) to be
    dispatched again; the closed round's done orders become superseded (the departments' answers stay in their
    records) and any other active order is cancelled; its resolution is cleared, the reopen counted. Audit
    incident.reopen; the center is told."""
    reason = clean_note(reason, field="reason", required=True, limit=300)
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.REOPEN, now=now)
        before = incident.state
        # the closed round's answers stay answers (superseded, not withdrawn); anything else still open is withdrawn
        DispatchOrder.objects.filter(incident=incident, state=OrderState.DONE).update(state=OrderState.SUPERSEDED)
        DispatchOrder.objects.filter(incident=incident, state__in=list(ACTIVE_ORDER_STATES)).update(
            state=OrderState.CANCELLED)
        incident.state, incident.resolution = facts.state, ""
        incident.reopen_count += 1
        incident.closed_at = incident.verified_at = None
        incident.response_due = incident.handling_due = None
        incident.sla_mark = ""
        incident.save(update_fields=["state", "resolution", "reopen_count", "closed_at", "verified_at",
                                     "response_due", "handling_due", "sla_mark"])
        record(incident, actor=actor, before=before, action=Action.REOPEN, at=now, note=reason)
        notify(center_users(incident.path), kind="incident.reopen",
               title=said(gettext_noop("重新办理：{number}"), number=incident.number),
               body=said(gettext_noop("{text}"), text=reason), link=f"/incidents/{incident.pk}/")
    return incident


def incident_archive(*, actor, incident_id) -> Incident:
    """归档: a closed incident past its reopen window (and a request followed up), or a dismissed report, leaves the
    working lists. Audit incident.archive."""
    with transaction.atomic():
        incident = incident_get_for_user(actor, incident_id, for_update=True)
        now = timezone.now()
        facts = incident_step(actor, incident, Action.ARCHIVE, now=now)
        before = incident.state
        incident.state, incident.archived_at = facts.state, now
        incident.save(update_fields=["state", "archived_at"])
        record(incident, actor=actor, before=before, action=Action.ARCHIVE, at=now)
    return incident
