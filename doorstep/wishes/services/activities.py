"""Activities and service posts (志愿活动, 服务岗位) and their sign-ups (issue #15 item 4): the community posts an
activity with its place, time and places; volunteers sign up; they check in by scanning the QR code at the place; the
coordinator confirms the minutes, and only then is a row written to the service-hours ledger (services.hours).

Never overbooked, by the database: a place is taken by `UPDATE activity SET signed_up = signed_up + 1 WHERE id = …
AND signed_up < places AND state = 'open'` (PostgreSQL waits on a concurrent taker's row lock and re-reads the row;
SQLite serializes writers), and the CHECK signed_up ≤ places refuses anything else. One active sign-up per volunteer
and activity is a partial unique index. Hours are honest by construction: the CHECK signup_minutes_only_when_confirmed
refuses minutes on any sign-up not confirmed after a check-in, and the ledger row is written in the confirmation's own
transaction. Sources: 志愿服务条例 art. 19; 民政部令第67号 (hours from the time actually served, recorded timely).
"""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_noop

from doorstep.accounts.models import User
from doorstep.audit.services import audit_record
from doorstep.core.errors import Conflict, NotFound, ValidationFailed
from doorstep.core.idempotency import already_claimed, idempotent_create
from doorstep.core.ids import parse_id
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.org.models import OrgNode
from doorstep.wishes.authority import Extra
from doorstep.wishes.models import Activity, Signup, Wish
from doorstep.wishes.services.common import (
    activity_relations,
    authorize,
    community_relations,
    get_or_404,
    policy_for,
    refused,
    signup_relations,
    volunteer_of,
)
from doorstep.wishes.services.hours import hours_record_confirmed
from doorstep.wishes.workflow import ACTIVE_SIGNUP_STATES, MoveRefused, SignupAction, SignupState, signup_move

PLACES_MAX = 500
LONGEST = datetime.timedelta(hours=24)  # a longer service post is posted shift by shift
FARTHEST = datetime.timedelta(days=366)  # an activity is posted at most a year ahead
TITLE_MAX, PLACE_MAX, DESCRIPTION_MAX, REASON_MAX = 60, 100, 1000, 300


def full() -> Conflict:
    return Conflict(gettext("名额已满。"), field="activity")


def already_signed_up() -> Conflict:
    return Conflict(gettext("您已报名该活动。"), field="activity")


def _text(value, limit: int, *, field: str, label: str, required: bool = True) -> str:
    text = " ".join(str(value or "").split()) if field != "description" else str(value or "").strip()
    if required and not text:
        raise ValidationFailed(gettext("请填写{label}。").format(label=label), field=field)
    if len(text) > limit:
        raise ValidationFailed(gettext("{label}最多{limit}个字。").format(label=label, limit=limit), field=field)
    return text


def parse_moment(value, *, field: str) -> datetime.datetime:
    """An aware moment from a datetime or the form's text (2026-05-01T09:00, local time); ValidationFailed else."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = str(value or "").strip()[:40]
        try:
            moment = parse_datetime(text) if text else None
        except ValueError:
            moment = None
        if moment is None:
            raise ValidationFailed(gettext("时间无效，请按“年-月-日 时:分”填写。"), field=field)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _places(value) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6 or not 1 <= int(text) <= PLACES_MAX:
        raise ValidationFailed(gettext("名额须为1到{most}之间的整数。").format(most=PLACES_MAX), field="places")
    return int(text)


def _coordinator(actor, community, coordinator_id) -> User:
    if coordinator_id in (None, ""):
        return actor
    try:
        pk = parse_id(coordinator_id)
    except NotFound:
        pk = None
    found = User.objects.select_related("org_node").filter(pk=pk, is_active=True).first() if pk else None
    if found is None or not community_relations(found, community):
        raise ValidationFailed(gettext("负责人须是本社区（或其上级）的工作人员。"), field="coordinator")
    return found


def activity_post(*, actor, community_id, kind, title, description="", place, starts_at, ends_at, places,
                  coordinator_id=None, wish_id=None, idempotency_key, now: datetime.datetime | None = None) -> Activity:
    """Post an activity or service post for a community.

    Preconditions: the actor is the community's staff (authority Extra.POST_ACTIVITY); it starts in the future (at
    most 366 days ahead), ends after it starts and lasts at most 24 hours; 1–500 places; the coordinator (default the actor) is staff of the
    community; a wish, when given, is the community's. Result: the open Activity with a fresh check-in token.
    Errors: NotFound (community), PermissionDenied, ValidationFailed (field named). Audit activity.post.
    Idempotent by idempotency_key."""
    now = now or timezone.now()
    community = get_or_404(OrgNode.objects.filter(level="community"), community_id)
    authorize(actor, Extra.POST_ACTIVITY, community_relations(actor, community))
    if str(kind or "") not in Activity.Kind.values:
        raise ValidationFailed(gettext("请选择活动类型。"), field="kind")
    title = _text(title, TITLE_MAX, field="title", label=gettext("名称"))
    description = _text(description, DESCRIPTION_MAX, field="description", label=gettext("内容"), required=False)
    place = _text(place, PLACE_MAX, field="place", label=gettext("地点"))
    starts = parse_moment(starts_at, field="starts_at")
    ends = parse_moment(ends_at, field="ends_at")
    if starts <= now:
        raise ValidationFailed(gettext("开始时间须晚于现在。"), field="starts_at")
    if starts - now > FARTHEST:
        raise ValidationFailed(gettext("活动开始时间不能晚于一年后。"), field="starts_at")
    if ends <= starts:
        raise ValidationFailed(gettext("结束时间须晚于开始时间。"), field="ends_at")
    if ends - starts > LONGEST:
        raise ValidationFailed(gettext("一次活动最长24小时；长期的服务岗位请按班次分别发布。"), field="ends_at")
    places = _places(places)
    coordinator = _coordinator(actor, community, coordinator_id)
    wish = None
    if wish_id not in (None, ""):
        try:
            wish = get_or_404(Wish.objects.filter(community=community), wish_id)
        except NotFound:
            raise ValidationFailed(gettext("请选择本社区的心愿。"), field="wish") from None

    def create() -> Activity:
        activity = Activity.objects.create(
            community=community, kind=kind, title=title, description=description, place=place, starts_at=starts,
            ends_at=ends, places=places, coordinator=coordinator, wish=wish, created_at=now,
            checkin_token=secrets.token_urlsafe(16)[:32])
        audit_record(actor=actor, action="activity.post", target=activity,
                     summary={"community": community.code, "kind": kind, "starts_at": starts.isoformat(),
                              "ends_at": ends.isoformat(), "places": places, "coordinator": coordinator.pk})
        return activity

    inputs = {"community": community.pk, "kind": kind, "title": title, "place": place, "starts_at": starts.isoformat(),
              "ends_at": ends.isoformat(), "places": places, "coordinator": coordinator.pk,
              "wish": wish.pk if wish else None, "description": description}
    activity, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="activity.post", inputs=inputs,
                                            create=create)
    return activity


def _locked_activity(activity_id) -> Activity:
    return get_or_404(Activity.objects.select_for_update(of=("self",)).select_related("community"), activity_id)


def _tell(signups, title, *, link: str = "/activities/mine/") -> None:
    notify([s.volunteer.user for s in signups], kind="wishes.activity", title=title, link=link)


def activity_cancel(*, actor, activity_id, reason: str, now: datetime.datetime | None = None) -> Activity:
    """Cancel an activity before it starts, with the reason; its sign-ups are cancelled and their volunteers told.
    Errors: NotFound, PermissionDenied (Extra.POST_ACTIVITY), ValidationFailed (no reason), Conflict (cancelled
    already, begun, or someone checked in). Audit activity.cancel."""
    now = now or timezone.now()
    reason = _text(reason, REASON_MAX, field="reason", label=gettext("取消原因"))
    with transaction.atomic():
        activity = _locked_activity(activity_id)
        authorize(actor, Extra.POST_ACTIVITY, community_relations(actor, activity.community))
        if activity.state != Activity.State.OPEN:
            raise Conflict(gettext("该活动已取消。"))
        if activity.starts_at <= now:
            raise Conflict(gettext("活动已开始，不能取消。"))
        signups = list(activity.signups.filter(state__in=ACTIVE_SIGNUP_STATES).select_related("volunteer__user"))
        if any(s.state != SignupState.SIGNED_UP for s in signups):
            raise Conflict(gettext("已有志愿者签到，不能取消活动；请在活动结束后确认时长或记为缺席。"))
        Signup.objects.filter(pk__in=[s.pk for s in signups]).update(state=SignupState.CANCELLED)
        activity.state, activity.signed_up = Activity.State.CANCELLED, 0
        activity.save(update_fields=["state", "signed_up"])
        audit_record(actor=actor, action="activity.cancel", target=activity, reason=reason,
                     summary={"signups": len(signups)})
        _tell(signups, said(gettext_noop("活动已取消：{title}"), title=activity.title))
    return activity


def activity_sign_up(*, actor, activity_id, idempotency_key, now: datetime.datetime | None = None) -> Signup:
    """Sign the actor (an active volunteer, Extra.SIGN_UP) up for an open activity before its start. Errors:
    NotFound, PermissionDenied, Conflict 名额已满 (no place left, decided by the conditional update) or 您已报名该活动
    (the partial unique index). Audit activity.sign_up; the volunteer is told. Idempotent by idempotency_key."""
    now = now or timezone.now()
    volunteer = volunteer_of(actor)
    activity = get_or_404(Activity.objects.select_related("community"), activity_id)
    authorize(actor, Extra.SIGN_UP, activity_relations(actor, activity, volunteer=volunteer))
    if activity.state != Activity.State.OPEN:
        raise Conflict(gettext("该活动已取消。"))
    if activity.starts_at <= now:
        raise Conflict(gettext("活动已开始，不能再报名。"))
    if not already_claimed(actor, idempotency_key):  # a replay gets its sign-up back below
        if Signup.objects.filter(activity=activity, volunteer=volunteer, state__in=ACTIVE_SIGNUP_STATES).exists():
            raise already_signed_up()
        if activity.signed_up >= activity.places:
            raise full()

    def create() -> Signup:
        signup = _take_place(activity, volunteer, now)
        audit_record(actor=actor, action="activity.sign_up", target=signup, summary={"activity": activity.pk})
        notify([actor], kind="wishes.activity", link="/activities/mine/",
               title=said(gettext_noop("报名成功：{title} {when}"), title=activity.title,
                          when=f"{timezone.localtime(activity.starts_at):%m-%d %H:%M}"))
        return signup

    signup, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="activity.sign_up",
                                          inputs={"activity": activity.pk}, create=create)
    return signup


def _take_place(activity: Activity, volunteer, now, *, state=SignupState.SIGNED_UP) -> Signup:
    """One place of the activity for the volunteer, inside the caller's transaction: the conditional update, then the
    row under the partial unique index (in a savepoint, so the refusal is answered, not a broken transaction)."""
    if not Activity.objects.filter(pk=activity.pk, signed_up__lt=F("places"), state=Activity.State.OPEN).update(
            signed_up=F("signed_up") + 1):
        raise full()
    try:
        with transaction.atomic():
            return Signup.objects.create(activity=activity, volunteer=volunteer, state=state, signed_up_at=now,
                                         checked_in_at=now if state == SignupState.CHECKED_IN else None)
    except IntegrityError:
        raise already_signed_up() from None


def _locked_signup(signup_id) -> Signup:
    return get_or_404(Signup.objects.select_for_update(of=("self",))
                      .select_related("activity__community", "volunteer__user"), signup_id)


def _move(signup: Signup, action: SignupAction) -> SignupState:
    try:
        return signup_move(signup.state, action)
    except MoveRefused as exc:
        raise refused(exc) from None


def _give_back(activity: Activity) -> None:
    Activity.objects.filter(pk=activity.pk, signed_up__gt=0).update(signed_up=F("signed_up") - 1)


def signup_cancel(*, actor, signup_id, now: datetime.datetime | None = None) -> Signup:
    """The volunteer withdraws before the start; the place goes back at once. Errors: NotFound, PermissionDenied
    (only the volunteer themself), Conflict (not signed up any more, or begun). Audit activity.sign_up_cancel."""
    now = now or timezone.now()
    with transaction.atomic():
        signup = _locked_signup(signup_id)
        held = signup_relations(actor, signup)
        authorize(actor, SignupAction.CANCEL, held)  # the volunteer themself (staff cancel the activity)
        after = _move(signup, SignupAction.CANCEL)
        if signup.activity.starts_at <= now:
            raise Conflict(gettext("活动已开始，不能再取消报名。"))
        _give_back(signup.activity)
        signup.state = after
        signup.save(update_fields=["state"])
        audit_record(actor=actor, action="activity.sign_up_cancel", target=signup,
                     summary={"activity": signup.activity_id})
    return signup


def signup_check_in(*, actor, token, now: datetime.datetime | None = None) -> Signup:
    """签到 by the QR code at the place: the signed-up volunteer themself, from the community's checkin_early_minutes
    before the start until the end. A second scan is answered with the first check-in. A volunteer who did not sign
    up is signed up and checked in on the spot while a place is free (walk-in). Errors: NotFound (bad token),
    PermissionDenied, Conflict (outside the window, cancelled, full). Audit activity.check_in."""
    now = now or timezone.now()
    text = str(token or "").strip()[:40]
    activity = Activity.objects.select_related("community").filter(checkin_token=text).first() if text else None
    if activity is None:
        raise NotFound()
    volunteer = volunteer_of(actor)
    with transaction.atomic():
        signup = (Signup.objects.select_for_update(of=("self",)).select_related("activity__community", "volunteer__user")
                  .filter(activity=activity, volunteer=volunteer, state__in=ACTIVE_SIGNUP_STATES).first()
                  if volunteer else None)
        if signup is not None:
            authorize(actor, SignupAction.CHECK_IN, signup_relations(actor, signup))
            if signup.state in (SignupState.CHECKED_IN, SignupState.CONFIRMED):
                signup.repeated = True
                return signup
        elif volunteer is None:  # not a volunteer, or not confirmed: the table's own words
            authorize(actor, Extra.SIGN_UP if actor.role == "volunteer" else SignupAction.CHECK_IN, frozenset())
        else:
            authorize(actor, Extra.SIGN_UP, activity_relations(actor, activity, volunteer=volunteer))
        _check_window(activity, now)
        if signup is None:  # walk-in: a place, signed up and checked in at once
            signup = _take_place(activity, volunteer, now, state=SignupState.CHECKED_IN)
            audit_record(actor=actor, action="activity.check_in", target=signup, summary={"walk_in": True})
            return signup
        signup.state = _move(signup, SignupAction.CHECK_IN)
        signup.checked_in_at = now
        signup.save(update_fields=["state", "checked_in_at"])
        audit_record(actor=actor, action="activity.check_in", target=signup, summary={"activity": activity.pk})
    return signup


def checkin_window(activity: Activity) -> tuple[datetime.datetime, datetime.datetime]:
    """When the QR code signs volunteers in: from the community's checkin_early_minutes before the start to the end."""
    early = datetime.timedelta(minutes=policy_for(activity.community).checkin_early_minutes)
    return activity.starts_at - early, activity.ends_at


def _check_window(activity: Activity, now) -> None:
    if activity.state != Activity.State.OPEN:
        raise Conflict(gettext("该活动已取消。"))
    opens, closes = checkin_window(activity)
    if now < opens:
        raise Conflict(gettext("还未到签到时间：{time}起可以签到。").format(
            time=f"{timezone.localtime(opens):%m-%d %H:%M}"))
    if now > closes:
        raise Conflict(gettext("活动已结束，不能再签到。"))


def served_minutes(signup: Signup) -> int:
    """The minutes a check-in counts by default: from the check-in (or the start, whichever is later) to the end,
    within 1 … the activity's length (民政部令第67号: the time actually served; confirmed only after the end)."""
    activity = signup.activity
    begin = max(signup.checked_in_at or activity.starts_at, activity.starts_at)
    return max(1, min(int((activity.ends_at - begin).total_seconds() // 60), activity.duration_minutes))


def not_ended() -> Conflict:
    return Conflict(gettext("活动结束后才能确认时长。"))


def _parse_minutes(value, most: int) -> int:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 5 or not 1 <= int(text) <= most:
        raise ValidationFailed(gettext("时长须为1到{most}分钟之间的整数（不超过活动时长）。").format(most=most),
                               field="minutes")
    return int(text)


def _confirm(signup: Signup, *, actor, minutes, now) -> Signup:
    after = _move(signup, SignupAction.CONFIRM)
    activity = signup.activity
    if activity.ends_at > now:
        raise not_ended()
    signup.minutes = (served_minutes(signup) if minutes in (None, "")
                      else _parse_minutes(minutes, activity.duration_minutes))
    signup.state, signup.confirmed_at, signup.confirmed_by = after, now, actor
    signup.save(update_fields=["state", "minutes", "confirmed_at", "confirmed_by"])
    entry = hours_record_confirmed(signup, actor=actor, now=now)
    audit_record(actor=actor, action="activity.confirm", target=signup,
                 summary={"activity": activity.pk, "minutes": signup.minutes, "entry": entry.pk})
    _tell([signup], said(gettext_noop("服务时长已确认：{title} {minutes}分钟"), title=activity.title,
                         minutes=signup.minutes), link="/activities/hours/")
    return signup


def signup_confirm(*, actor, signup_id, minutes=None, now: datetime.datetime | None = None) -> Signup:
    """确认时长: the coordinator or the community's staff, once the activity has ended, for a checked-in sign-up.
    `minutes` defaults to served_minutes; given, 1 … the activity's length. Writes the one ledger row (HoursEntry) in
    the same transaction and tells the volunteer. Errors: NotFound, PermissionDenied (SignupAction.CONFIRM),
    Conflict (not checked in, not ended: 活动结束后才能确认时长), ValidationFailed (minutes). Audit activity.confirm."""
    now = now or timezone.now()
    with transaction.atomic():
        signup = _locked_signup(signup_id)
        authorize(actor, SignupAction.CONFIRM, signup_relations(actor, signup))
        return _confirm(signup, actor=actor, minutes=minutes, now=now)


def signups_confirm_all(*, actor, activity_id, now: datetime.datetime | None = None) -> int:
    """Confirm every checked-in sign-up of an activity with its default minutes, in one transaction (the usual button
    after an activity). Result: how many were confirmed. Errors as signup_confirm."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = _locked_activity(activity_id)
        authorize(actor, SignupAction.CONFIRM, activity_relations(actor, activity))
        if activity.ends_at > now:
            raise not_ended()
        signups = list(Signup.objects.select_for_update(of=("self",)).select_related("activity__community",
                                                                                       "volunteer__user")
                       .filter(activity=activity, state=SignupState.CHECKED_IN).order_by("pk"))
        for signup in signups:
            _confirm(signup, actor=actor, minutes=None, now=now)
    return len(signups)


def signup_mark_absent(*, actor, signup_id, now: datetime.datetime | None = None) -> Signup:
    """记为缺席: the coordinator or community staff, once the activity has started, for a sign-up not confirmed; its
    place is given back (a walk-in may take it). Errors: NotFound, PermissionDenied, Conflict. Audit
    activity.absent; the volunteer is told."""
    now = now or timezone.now()
    with transaction.atomic():
        signup = _locked_signup(signup_id)
        authorize(actor, SignupAction.MARK_ABSENT, signup_relations(actor, signup))
        after = _move(signup, SignupAction.MARK_ABSENT)
        if signup.activity.starts_at > now:
            raise Conflict(gettext("活动尚未开始，不能记为缺席。"))
        _give_back(signup.activity)
        signup.state = after
        signup.save(update_fields=["state"])
        audit_record(actor=actor, action="activity.absent", target=signup, summary={"activity": signup.activity_id})
        _tell([signup], said(gettext_noop("您被记为缺席：{title}"), title=signup.activity.title))
    return signup

