"""Rating writes (好差评): the applicant rates a concluded case; a bad rating opens a follow-up the center must
answer by its deadline; unrated cases get an invitation."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doorstep.audit.services import audit_record
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.services import case_transition
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import idempotent_create
from doorstep.notifications.services import notify
from doorstep.org.selectors import acting_post_holders
from doorstep.ratings.models import DIMENSIONS, FollowUp, Level, Rating


def _level(value, field: str) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise ValidationFailed(f"请为“{DIMENSIONS[field]}”选择一个评价等级。", field=field)
    return level


def rating_submit(*, actor, case_id, overall, efficiency, service, attitude, comment: str = "",
                  idempotency_key: str) -> Rating:
    """The applicant rates a concluded (or delivered) case on the five levels and the four national dimensions.

    Preconditions: the actor is the resident who applied (others get NotFound or PermissionDenied); the case is
    concluded or delivered and not yet rated (the state machine's rate transition). A 不满意 or 非常不满意 overall
    needs a comment saying what went wrong. Result: the Rating; for a bad one a FollowUp due in
    DOORSTEP_FOLLOWUP_WORKING_DAYS working days, owned by the center's node. Audit: case.rate and rating.create.
    Side effects: the center's post holders are notified of a bad rating after commit. Idempotent: a replay of
    idempotency_key returns the first rating (doorstep.core.idempotency).
    """
    levels = {f: _level(v, f) for f, v in
              {"overall": overall, "efficiency": efficiency, "service": service, "attitude": attitude}.items()}
    comment = " ".join((comment or "").split())[:500]
    bad = levels["overall"] <= Level.DISSATISFIED
    if bad and len(comment) < 2:
        raise ValidationFailed("选择“不满意”时，请写下哪里不满意，便于整改。", field="comment")
    if actor.role != "resident":
        raise PermissionDenied("评价由申请人本人作出。")
    def create() -> Rating:
        case = case_transition(actor=actor, case_id=case_id, action="rate", note=comment[:300])
        node = case.center.org_node if case.center_id else case.review_node
        rating = Rating.objects.create(case=case, rated_by=actor, comment=comment, center=case.center, **levels)
        audit_record(actor=actor, action="rating.create", target=rating,
                     summary={**levels, "case": case.number})
        if bad:
            due = work_calendar().add_working_days(timezone.localdate(), settings.DOORSTEP_FOLLOWUP_WORKING_DAYS)
            follow_up = FollowUp.objects.create(rating=rating, org_node=node, due_date=due)
            notify(acting_post_holders(node), kind="rating.bad",
                   title=f"差评待整改：{case.item.name}（{rating.get_overall_display()}）",
                   body=f"办件编号 {case.number}。居民意见：{comment}。请在{due:%Y年%m月%d日}前答复。",
                   link=f"/ratings/follow-ups/?open={follow_up.pk}")
        return rating

    inputs = {"case": str(case_id), **levels, "comment": comment}
    rating, _ = idempotent_create(actor=actor, key=idempotency_key, kind="rating.create", inputs=inputs,
                                  create=create)
    return rating


def follow_up_answer(*, actor, follow_up_id, answer: str, idempotency_key: str) -> FollowUp:
    """The center answers a bad rating (整改答复); the resident sees the answer on the case.

    Preconditions: the follow-up is in the actor's scope (ratings.selectors.FOLLOW_UP_SCOPE; else NotFound, the
    same as missing) and the role may answer (FOLLOW_UP_ANSWER; else PermissionDenied);
    the answer is at least 10 characters; not answered before (else Conflict). Audit: rating.follow_up_answer.
    Side effects: the resident is notified after commit. Idempotent: a replay of idempotency_key returns the
    answered follow-up without answering again.
    """
    answer = (answer or "").strip()[:2000]
    if len(answer) < 10:
        raise ValidationFailed("答复请至少写10个字：说明核实情况和整改措施。", field="answer")
    try:
        pk = int(follow_up_id)
    except (TypeError, ValueError):
        raise NotFound() from None

    def create() -> FollowUp:
        from doorstep.ratings.selectors import FOLLOW_UP_ANSWER, follow_ups_in_scope

        follow_up = (follow_ups_in_scope(actor).select_for_update(of=("self",))
                     .select_related("org_node", "rating__case__item").filter(pk=pk).first())
        if follow_up is None:
            raise NotFound()
        if actor.role not in FOLLOW_UP_ANSWER:
            raise PermissionDenied("您的角色只能查看差评整改，不能答复。")
        if follow_up.answered_at:
            raise Conflict("这条差评已经答复。")
        follow_up.answer, follow_up.answered_by, follow_up.answered_at = answer, actor, timezone.now()
        follow_up.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(actor=actor, action="rating.follow_up_answer", target=follow_up,
                     summary={"late": timezone.localdate() > follow_up.due_date})
        case = follow_up.rating.case
        from doorstep.accounts.models import User

        notify(User.objects.filter(resident_id=case.applicant_id), kind="rating.answered",
               title=f"您对“{case.item.name}”的评价已有答复", body=answer[:200], link=f"/cases/{case.pk}/")
        return follow_up

    follow_up, _ = idempotent_create(actor=actor, key=idempotency_key, kind="rating.follow_up_answer",
                                     inputs={"follow_up": pk, "answer": answer}, create=create)
    return follow_up


def rating_invitations(*, now: datetime.datetime | None = None) -> int:
    """Invite applicants to rate cases concluded DOORSTEP_RATING_INVITE_DAYS ago or earlier and still unrated
    (huey, daily). Each case is invited once. Result: how many invitations. No audit (no state changes but a
    timestamp); the notification is the record."""
    from doorstep.accounts.models import User
    from doorstep.cases.models import Case

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.DOORSTEP_RATING_INVITE_DAYS)
    due = Case.objects.filter(state__in=["concluded", "delivered"], concluded_at__lte=cutoff,
                              rating_invited_at=None).select_related("item")
    sent = 0
    with transaction.atomic():
        while chunk := list(due[:1000]):  # invited rows leave the filter
            users = {}
            for u in User.objects.filter(resident_id__in={c.applicant_id for c in chunk}, is_active=True):
                users.setdefault(u.resident_id, []).append(u)
            for case in chunk:
                notify(users.get(case.applicant_id, []), kind="rating.invite", title=f"请为“{case.item.name}”评价",
                       body=f"办件编号 {case.number} 已办结，您的评价帮助我们改进服务。", link=f"/cases/{case.pk}/")
            sent += len(chunk)
            Case.objects.filter(pk__in=[c.pk for c in chunk]).update(rating_invited_at=now)
    return sent
