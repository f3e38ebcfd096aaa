"""Rating writes (好差评): the applicant rates a decided case — from the app, the window's rating pad or an SMS link; a
bad rating opens a follow-up that the center's supervisor or leader answers by its deadline (never the rated clerk);
the rated staff member may appeal a malicious bad rating to the district, which decides it with a reason; unrated
cases get an invitation. Who may act is ratings.authority's table."""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext

from doorstep.audit.services import audit_record
from doorstep.calendar.selectors import work_calendar
from doorstep.cases.authority import Extra
from doorstep.cases.workflow import STATE_CONTEXT, STATE_LABELS, State
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import clean_key, idempotent_create
from doorstep.core.links import public_url
from doorstep.notifications.services import notify
from doorstep.notifications.words import day, label, said
from doorstep.ratings.authority import RatingAction, refusal
from doorstep.ratings.models import BAD_LEVELS, DIMENSIONS, Appeal, FollowUp, Level, Rating, Source
from doorstep.ratings.selectors import (
    PAD_ROLES,
    RATEABLE_STATES,
    LinkGone,
    appeal_deadline,
    appeals_in_scope,
    follow_ups_in_scope,
    pad_case_for_user,
    rating_link_case,
    rating_link_token,
    rating_relations,
)

ANSWERING_ROLES = ("supervisor", "leader")  # ratings.authority: who answers a bad rating
BAD_COMMENT = gettext_lazy("选择“不满意”时，请写下哪里不满意，便于整改。")


def _stored(label) -> str:
    """A choice label written into a record (an audit label, a notification's title): in the site's language,
    whatever the language of the page that caused it, like the rest of what is stored."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def _level(value, field: str) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise ValidationFailed(_("请为“{dimension}”选择一个评价等级。").format(dimension=DIMENSIONS[field]), field=field)
    return level


def _comment(comment, levels: dict, *, message: str = BAD_COMMENT) -> str:
    comment = " ".join((comment or "").split())[:500]
    if levels["overall"] in BAD_LEVELS and len(comment) < 2:
        raise ValidationFailed(str(message), field="comment")
    return comment


def _check_rateable(case) -> None:
    if Rating.objects.filter(case_id=case.pk).exists():
        raise Conflict(_("该办件已经评价过，每件只评一次。"))
    if case.state not in RATEABLE_STATES:
        raise Conflict(_("办件当前为“{state}”，办结、送达、不予受理或不予批准后才能评价。").format(
            state=pgettext(STATE_CONTEXT, STATE_LABELS[State(case.state)])))


def _answerers(node, *, besides: int | None = None) -> list:
    """Who answers a bad rating owed by this node: the supervisors and leaders at the node, or at the nearest node
    above it that has any (a community station without a supervisor is answered for by its street)."""
    from doorstep.accounts.models import User

    codes = [node.code[:n] for n in (6, 9, 12, 15) if n <= len(node.code)]
    people = [u for u in User.objects.filter(org_node__code__in=codes, role__in=ANSWERING_ROLES, is_active=True)
              .select_related("org_node") if u.pk != besides]
    nearest = max((len(u.org_node.code) for u in people), default=0)
    return [u for u in people if len(u.org_node.code) == nearest]


def _rate(case, *, source: str, levels: dict, comment: str, rated_by, staff_id, audit_actor,
          submission_key: str = "") -> Rating:
    """The rating and, for a bad one, its follow-up owed by the center that served (its answerers notified after
    commit). Called inside the caller's transaction with the case row locked. Audit: rating.create."""
    node = case.center.org_node if case.center_id else case.review_node
    rating = Rating.objects.create(case=case, rated_by=rated_by, source=source, comment=comment, center=case.center,
                                   staff_id=staff_id, submission_key=submission_key, **levels)
    audit_record(actor=audit_actor, action="rating.create", target=rating,
                 actor_label="" if audit_actor else _stored(Source(source).label),
                 summary={**levels, "case": case.number, "source": source})
    if rating.is_bad:
        due = work_calendar().add_working_days(timezone.localdate(), settings.DOORSTEP_FOLLOWUP_WORKING_DAYS)
        follow_up = FollowUp.objects.create(rating=rating, org_node=node, due_date=due)
        notify(_answerers(node, besides=staff_id), kind="rating.bad",
               title=said(gettext_noop("差评待整改：{item}（{level}）"), item=case.item.name,
                          level=label(_stored(Level(rating.overall).label))),
               body=said(gettext_noop("办件编号 {number}。居民意见：{comment}。请在{due}前答复。"), number=case.number,
                         comment=comment, due=day(due)),
               link=f"/ratings/follow-ups/?open={follow_up.pk}")
    return rating


def rating_submit(*, actor, case_id, overall, efficiency, service, attitude, comment: str = "",
                  idempotency_key: str) -> Rating:
    """The applicant rates a decided case (concluded, delivered, refused or rejected) on the five levels and the
    four national dimensions, in the app.

    Preconditions: the actor is the resident who applied (others get NotFound, or PermissionDenied from
    cases.authority's rate row); the case is in ratings.selectors.RATEABLE_STATES and not rated yet (else
    Conflict; one rating per case is also a unique constraint). A 不满意 or 非常不满意 overall needs a comment
    saying what went wrong. The case keeps its state. Result: the Rating (source app, rating the case's first
    contact); for a bad one a FollowUp due in DOORSTEP_FOLLOWUP_WORKING_DAYS working days, owned by the center's
    node. Audit: rating.create. Side effects: the center's supervisors or leaders are notified of a bad rating after
    commit. Idempotent: a replay of idempotency_key returns the first rating (doorstep.core.idempotency).
    """
    from doorstep.cases.selectors import case_get_for_user
    from doorstep.cases.services import case_authorize

    levels = {f: _level(v, f) for f, v in
              {"overall": overall, "efficiency": efficiency, "service": service, "attitude": attitude}.items()}
    comment = _comment(comment, levels)
    if actor.role != "resident":
        raise PermissionDenied(_("评价由申请人本人作出。"))

    def create() -> Rating:
        case = case_get_for_user(actor, case_id, for_update=True)
        case_authorize(actor, case, Extra.RATE)
        _check_rateable(case)
        return _rate(case, source=Source.APP, levels=levels, comment=comment, rated_by=actor,
                     staff_id=case.first_contact_id, audit_actor=actor)

    inputs = {"case": str(case_id), **levels, "comment": comment}
    rating, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="rating.create", inputs=inputs,
                                  create=create)
    return rating


def rating_submit_at_pad(*, actor, case_id, overall, comment: str = "", idempotency_key: str) -> Rating:
    """The applicant rates at the window's rating pad (评价器): one of five faces for the case the clerk just served.

    The pad runs on the clerk's own session (docs/decisions.md); it rates only the case ratings.selectors.
    pad_case_for_user shows — the newest case this clerk took in or handed over, within
    DOORSTEP_RATING_PAD_MINUTES — so a pad cannot be pointed at another case. Preconditions: the actor's role may
    use a pad (PAD_ROLES, else PermissionDenied); case_id is that case (else Conflict); the case is rateable and not
    rated (else Conflict); a bad face needs a reason (chosen or typed). Result: the Rating with source pad, the
    overall level only (the pad asks one question), rating the clerk; a follow-up for a bad one as in the app.
    Audit: rating.create by the clerk's account. Idempotent on idempotency_key.
    """
    levels = {"overall": _level(overall, "overall")}
    comment = _comment(comment, levels, message=_("请选择或写下不满意的原因，便于整改。"))
    if actor.role not in PAD_ROLES:
        raise PermissionDenied(_("评价器在窗口人员的工作账号上使用。"))
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound() from None

    def create() -> Rating:
        from doorstep.cases.models import Case

        served = pad_case_for_user(actor)
        if served is None or served.pk != pk:
            raise Conflict(_("评价器只能评价本窗口刚刚办理的办件，请刷新评价器。"))
        case = Case.objects.select_for_update(of=("self",)).select_related(
            "item", "center__org_node", "review_node").get(pk=pk)
        _check_rateable(case)
        return _rate(case, source=Source.PAD, levels=levels, comment=comment, rated_by=None, staff_id=actor.pk,
                     audit_actor=actor)

    rating, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="rating.pad",
                                  inputs={"case": pk, **levels, "comment": comment}, create=create)
    return rating


def rating_link(case) -> str:
    """The SMS rating link of a case: a signed, timestamped token (ratings.selectors.rating_link_token) under the
    public base URL (core.links.public_url), valid DOORSTEP_RATING_LINK_DAYS and usable once (a case is rated
    once). Reads only; sending the text message is the SMS gateway's."""
    return public_url(reverse("rating-sms", args=[rating_link_token(case.pk)]))


def rating_submit_by_link(*, token: str, overall, efficiency, service, attitude, comment: str = "",
                          idempotency_key: str) -> Rating:
    """The applicant rates through the SMS link, without logging in: the token names the case.

    Errors: those of ratings.selectors.rating_link_case (404 wrong token, 410 expired or used, 409 case not
    rateable); ValidationFailed for missing levels or a bad rating without a comment. Result: the Rating with
    source sms (no account; rating the case's first contact), a follow-up for a bad one. Audit: rating.create,
    actor "短信评价". Idempotent: there is no account to hold the key, so the page's key is kept on the rating; the
    same key again (a doubled submission) returns the first rating, any other use of the link is 410.
    """
    from doorstep.cases.models import Case

    key = clean_key(idempotency_key)
    levels = {f: _level(v, f) for f, v in
              {"overall": overall, "efficiency": efficiency, "service": service, "attitude": attitude}.items()}
    comment = _comment(comment, levels)
    with transaction.atomic():
        try:
            case = rating_link_case(token)
        except LinkGone:
            first = Rating.objects.filter(case__in=_token_case(token), source=Source.SMS, submission_key=key).first()
            if first is None:
                raise
            first._idempotency_replayed = True
            return first
        case = Case.objects.select_for_update(of=("self",)).select_related(
            "item", "center__org_node", "review_node").get(pk=case.pk)
        _check_rateable(case)
        return _rate(case, source=Source.SMS, levels=levels, comment=comment, rated_by=None,
                     staff_id=case.first_contact_id, audit_actor=None, submission_key=key)


def _token_case(token: str) -> list[int]:
    from django.core import signing

    from doorstep.ratings.selectors import SMS_SALT

    try:
        return [int(signing.loads(str(token)[:300], salt=SMS_SALT)["c"])]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return []


def _authorize(actor, action: RatingAction, *, staff_id, node_code: str) -> None:
    """Raise PermissionDenied unless ratings.authority lets the actor take the action from where they stand."""
    reason = refusal(actor.role, action, rating_relations(actor, staff_id=staff_id, node_code=node_code))
    if reason:
        raise PermissionDenied(reason)


def follow_up_answer(*, actor, follow_up_id, answer: str, idempotency_key: str) -> FollowUp:
    """The center's supervisor or leader answers a bad rating (整改答复); the resident sees the answer on the case.

    Preconditions: the follow-up is in the actor's scope (ratings.selectors.FOLLOW_UP_SCOPE; else NotFound, the
    same as missing); ratings.authority lets the actor answer — a supervisor or leader of the center's node or above,
    never the staff member rated (else PermissionDenied saying who answers); the answer is at least 10
    characters; not answered before (else Conflict). Audit: rating.follow_up_answer. Side effects: the resident is
    notified after commit. Idempotent: a replay of idempotency_key returns the answered follow-up without
    answering again.
    """
    answer = (answer or "").strip()[:2000]
    if len(answer) < 10:
        raise ValidationFailed(_("答复请至少写10个字：说明核实情况和整改措施。"), field="answer")
    try:
        pk = int(follow_up_id)
    except (TypeError, ValueError):
        raise NotFound() from None

    def create() -> FollowUp:
        follow_up = (follow_ups_in_scope(actor).select_for_update(of=("self",))
                     .select_related("org_node", "rating__case__item").filter(pk=pk).first())
        if follow_up is None:
            raise NotFound()
        _authorize(actor, RatingAction.ANSWER, staff_id=follow_up.rating.staff_id, node_code=follow_up.org_node.code)
        if follow_up.answered_at:
            raise Conflict(_("这条差评已经答复。"))
        follow_up.answer, follow_up.answered_by, follow_up.answered_at = answer, actor, timezone.now()
        follow_up.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(actor=actor, action="rating.follow_up_answer", target=follow_up,
                     summary={"late": timezone.localdate() > follow_up.due_date})
        case = follow_up.rating.case
        from doorstep.accounts.models import User

        notify(User.objects.filter(resident_id=case.applicant_id), kind="rating.answered",
               title=said(gettext_noop("您对“{item}”的评价已有答复"), item=case.item.name), body=answer[:200],
               link=f"/cases/{case.pk}/")
        return follow_up

    follow_up, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="rating.follow_up_answer",
                                     inputs={"follow_up": pk, "answer": answer}, create=create)
    return follow_up


def appeal_file(*, actor, rating_id, reason: str, idempotency_key: str) -> Appeal:
    """The rated staff member appeals a bad rating as malicious or mistaken (申诉复核), to the district.

    Preconditions: the rating is the actor's own (ratings.authority: appeal needs the rated-staff relation; a rating
    the actor neither received nor sees is NotFound); it is bad and not appealed before (else Conflict; one appeal
    per rating is also a unique constraint); filed within DOORSTEP_RATING_APPEAL_WORKING_DAYS working days of the
    rating (else Conflict naming the last day); the reason has at least 10 characters. Result: the Appeal, due to
    be decided within DOORSTEP_RATING_APPEAL_DECIDE_WORKING_DAYS working days by the district that the center
    belongs to. The rating still counts, and the follow-up must still be answered, until the district decides.
    Audit: rating.appeal. Side effects: the district's leaders are notified after commit. Idempotent on
    idempotency_key.
    """
    from doorstep.accounts.models import User
    from doorstep.org.models import OrgNode

    reason = (reason or "").strip()[:2000]
    if len(reason) < 10:
        raise ValidationFailed(_("申诉理由请至少写10个字：说明为何认为这条差评是误评或恶意差评，以及可核实的依据。"),
                               field="reason")
    try:
        pk = int(rating_id)
    except (TypeError, ValueError):
        raise NotFound() from None

    def create() -> Appeal:
        rating = (Rating.objects.select_for_update(of=("self",)).select_related("follow_up__org_node", "case__item")
                  .filter(pk=pk).first())
        follow_up = getattr(rating, "follow_up", None) if rating else None
        if rating is None or (rating.staff_id != actor.pk
                              and not follow_ups_in_scope(actor).filter(pk=getattr(follow_up, "pk", None)).exists()):
            raise NotFound()
        if follow_up is None:
            raise Conflict(_("只能对差评（不满意、非常不满意）申诉。"))
        _authorize(actor, RatingAction.APPEAL, staff_id=rating.staff_id, node_code=follow_up.org_node.code)
        if Appeal.objects.filter(rating=rating).exists():
            raise Conflict(_("这条差评已经申诉过，每条只能申诉一次。"))
        last_day = appeal_deadline(rating)
        if timezone.localdate() > last_day:
            raise Conflict(_("申诉须在差评后{days}个工作日内提出，已于{date}截止。").format(
                days=settings.DOORSTEP_RATING_APPEAL_WORKING_DAYS, date=_("{date:%Y年%m月%d日}").format(date=last_day)))
        district = OrgNode.objects.get(code=follow_up.org_node.code[:6])
        due = work_calendar().add_working_days(timezone.localdate(),
                                               settings.DOORSTEP_RATING_APPEAL_DECIDE_WORKING_DAYS)
        appeal = Appeal.objects.create(rating=rating, appellant=actor, reason=reason, district=district, due_date=due)
        audit_record(actor=actor, action="rating.appeal", target=appeal,
                     summary={"rating": rating.pk, "case": rating.case.number})
        leaders = User.objects.filter(org_node=district, role="leader", is_active=True)
        notify(leaders, kind="rating.appeal",
               title=said(gettext_noop("差评申诉待复核：{item}"), item=rating.case.item.name),
               body=said(gettext_noop("办件编号 {number}。请在{due}前复核。"), number=rating.case.number, due=day(due)),
               link="/ratings/follow-ups/?status=appeals")
        return appeal

    appeal, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="rating.appeal",
                                  inputs={"rating": pk, "reason": reason}, create=create)
    return appeal


def appeal_decide(*, actor, appeal_id, outcome: str, reason: str) -> Appeal:
    """The district decides an appeal (复核), with a reason: upheld → the rating is excluded from the figures
    (Rating.excluded) but kept and shown as such; dismissed → it counts as before. Nothing is deleted.

    Preconditions: the appeal is in the actor's scope (else NotFound); ratings.authority lets the actor decide — a
    leader at the district node, never the staff member rated (else PermissionDenied); outcome is upheld or
    dismissed and the reason has at least 5 characters (else ValidationFailed); not decided yet (else Conflict —
    except the same decision sent again by the same person, which returns the appeal unchanged). Audit:
    rating.appeal_decide with the outcome and whether it was late. Side effects: the appellant is notified after
    commit.
    """
    if outcome not in (Appeal.Outcome.UPHELD, Appeal.Outcome.DISMISSED):
        raise ValidationFailed(_("请选择复核结果：申诉成立或申诉不成立。"), field="outcome")
    reason = (reason or "").strip()[:2000]
    if len(reason) < 5:
        raise ValidationFailed(_("请写明复核理由（至少5个字），申诉人和被评价单位都会看到。"), field="reason")
    try:
        pk = int(appeal_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    with transaction.atomic():
        appeal = (appeals_in_scope(actor).select_for_update(of=("self",))
                  .select_related("rating__follow_up__org_node", "rating__case__item").filter(pk=pk).first())
        if appeal is None:
            raise NotFound()
        rating = appeal.rating
        _authorize(actor, RatingAction.DECIDE_APPEAL, staff_id=rating.staff_id,
                   node_code=rating.follow_up.org_node.code)
        if appeal.outcome != Appeal.Outcome.PENDING:
            if (appeal.decided_by_id, appeal.outcome, appeal.decision_reason) == (actor.pk, outcome, reason):
                return appeal  # the same decision sent twice
            raise Conflict(_("这条申诉已经复核：{outcome}。").format(outcome=appeal.get_outcome_display()))
        now = timezone.now()
        appeal.outcome, appeal.decided_by, appeal.decided_at, appeal.decision_reason = outcome, actor, now, reason
        appeal.save(update_fields=["outcome", "decided_by", "decided_at", "decision_reason"])
        if outcome == Appeal.Outcome.UPHELD:
            rating.excluded = True
            rating.save(update_fields=["excluded"])
        audit_record(actor=actor, action="rating.appeal_decide", target=appeal, reason=reason,
                     summary={"outcome": outcome, "rating": rating.pk, "excluded": rating.excluded,
                              "late": timezone.localdate(now) > appeal.due_date})
        notify([appeal.appellant], kind="rating.appeal_decided",
               title=said(gettext_noop("差评申诉复核结果：{outcome}"),
                          outcome=label(_stored(Appeal.Outcome(appeal.outcome).label))),
               body=said(gettext_noop("办件编号 {number}。复核理由：{reason}"), number=rating.case.number,
                         reason=reason[:150]),
               link="/ratings/follow-ups/?status=appeals")
    return appeal


def rating_invitations(*, now: datetime.datetime | None = None) -> int:
    """Invite applicants to rate cases decided DOORSTEP_RATING_INVITE_DAYS ago or earlier and still unrated (huey,
    daily): concluded or delivered cases, and refused or rejected ones decided within the SMS link's validity
    (DOORSTEP_RATING_LINK_DAYS; older refusals are past rating by link anyway). Each case is invited once; the
    invitation carries the case's SMS rating link (rating_link), which the SMS gateway sends as the text message.
    Result: how many invitations. No audit (no state changes but a timestamp); the notification is the record."""
    from django.db.models import Q

    from doorstep.accounts.models import User
    from doorstep.cases.models import Case

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.DOORSTEP_RATING_INVITE_DAYS)
    oldest = now - datetime.timedelta(days=settings.DOORSTEP_RATING_LINK_DAYS)
    due = (Case.objects.filter(Q(state__in=["concluded", "delivered"], concluded_at__lte=cutoff)
                               | Q(state__in=["refused", "rejected"], decided_at__lte=cutoff, decided_at__gte=oldest),
                               rating_invited_at=None, rating=None)
           .select_related("item"))
    sent = 0
    with transaction.atomic():
        while chunk := list(due[:1000]):  # invited rows leave the filter
            users = {}
            for u in User.objects.filter(resident_id__in={c.applicant_id for c in chunk}, is_active=True):
                users.setdefault(u.resident_id, []).append(u)
            for case in chunk:
                body = (gettext_noop("办件编号 {number} 已办结，您的评价帮助我们改进服务。也可打开 {link} 评价。")
                        if case.state in ("concluded", "delivered") else
                        gettext_noop("办件编号 {number} 已有办理结果，您的评价帮助我们改进服务。也可打开 {link} 评价。"))
                notify(users.get(case.applicant_id, []), kind="rating.invite",
                       title=said(gettext_noop("请为“{item}”评价"), item=case.item.name),
                       body=said(body, number=case.number, link=rating_link(case)), link=f"/cases/{case.pk}/")
            sent += len(chunk)
            Case.objects.filter(pk__in=[c.pk for c in chunk]).update(rating_invited_at=now)
    return sent
