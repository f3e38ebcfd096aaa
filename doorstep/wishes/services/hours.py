"""The service-hours ledger (志愿服务记录, 民政部令第67号): one row per confirmed sign-up, never edited or deleted.

The only writes: `hours_record_confirmed`, called by services.activities inside the confirmation's transaction (no
row with positive minutes is written anywhere else), and `hours_correct`, which adds a row with negative minutes and
its reason. A volunteer's hours are the sum of their rows. A certificate (志愿服务记录证明) is issued from the ledger
as it stands, and the issuance is audited."""

import datetime
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from doorstep.audit.services import audit_record
from doorstep.core.errors import ValidationFailed
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.wishes.authority import Extra
from doorstep.wishes.models import HoursEntry, Signup, Volunteer
from doorstep.wishes.selectors.hours import VERIFY_SALT, certificate_rows, hours_text
from doorstep.wishes.services.common import (
    activity_relations,
    authorize,
    get_or_404,
    volunteer_relations,
)
from doorstep.wishes.workflow import SignupAction, SignupState

REASON_MAX = 300


def hours_record_confirmed(signup: Signup, *, actor, now: datetime.datetime) -> HoursEntry:
    """The ledger row of a sign-up just confirmed, in the caller's transaction (services.activities._confirm). The
    sign-up is read again from the database: only a confirmed one, checked in, with its minutes, gets a row, and
    the one-to-one on signup refuses a second."""
    saved = Signup.objects.filter(pk=signup.pk, state=SignupState.CONFIRMED, checked_in_at__isnull=False,
                                  minutes__gt=0).first()
    if saved is None:
        raise ValidationFailed(gettext("只有签到并经确认的报名才能记入服务时长。"))
    return HoursEntry.objects.create(
        volunteer_id=saved.volunteer_id, signup=saved, activity_id=saved.activity_id,
        served_on=timezone.localdate(signup.activity.starts_at), minutes=saved.minutes, recorded_by=actor,
        recorded_at=now)


def hours_correct(*, actor, entry_id, minutes_delta, reason: str,
                  now: datetime.datetime | None = None) -> HoursEntry:
    """更正: take minutes off a ledger row by adding a row with negative minutes and the reason (the row itself is
    never edited). Who may: whoever may confirm the activity's sign-ups (its coordinator, the community's staff).
    Errors: NotFound, PermissionDenied, ValidationFailed (not a negative whole number, no reason, more than the
    activity's hours left, a correction row). Audit hours.correct; the volunteer is told."""
    now = now or timezone.now()
    text = str(minutes_delta if minutes_delta is not None else "").strip()
    if not (text.startswith("-") and text[1:].isascii() and text[1:].isdigit() and len(text) <= 6
            and int(text) < 0):
        raise ValidationFailed(gettext("更正只能减少时长：请填写负的分钟数，如 -30。"), field="minutes_delta")
    delta = int(text)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationFailed(gettext("请填写更正原因。"), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(gettext("更正原因最多{limit}个字。").format(limit=REASON_MAX), field="reason")
    with transaction.atomic():
        entry = get_or_404(HoursEntry.objects.select_for_update(of=("self",))
                           .select_related("activity__community", "volunteer__user"), entry_id)
        authorize(actor, SignupAction.CONFIRM, activity_relations(actor, entry.activity))
        if entry.signup_id is None:
            raise ValidationFailed(gettext("请更正原始记录，而不是更正记录。"), field="entry")
        left = HoursEntry.objects.filter(volunteer_id=entry.volunteer_id, activity_id=entry.activity_id).aggregate(
            total=Sum("minutes"))["total"] or 0
        if left + delta < 0:
            raise ValidationFailed(gettext("该活动只剩{left}分钟，更正后不能为负。").format(left=left),
                                   field="minutes_delta")
        correction = HoursEntry.objects.create(
            volunteer_id=entry.volunteer_id, activity_id=entry.activity_id, served_on=entry.served_on, minutes=delta,
            recorded_by=actor, recorded_at=now, note=reason)
        audit_record(actor=actor, action="hours.correct", target=correction, reason=reason,
                     summary={"entry": entry.pk, "minutes": delta})
        notify([entry.volunteer.user], kind="wishes.hours", link="/activities/hours/",
               title=said(gettext_noop("服务时长已更正：{title} {minutes}分钟"), title=entry.activity.title,
                          minutes=delta))
    return correction


@dataclass
class Certificate:
    """志愿服务记录证明: what the paper shows, from the ledger as it stands."""

    volunteer: Volunteer
    start: datetime.date | None
    end: datetime.date | None
    rows: list = field(default_factory=list)  # [{"served_on", "title", "place", "minutes", "hours"}]
    total_minutes: int = 0
    issued_on: datetime.date | None = None
    code: str = ""  # the verification code (signed: volunteer, period, total, issue date)

    @property
    def total_hours(self) -> str:
        return hours_text(self.total_minutes)


def hours_certificate_issue(*, actor, volunteer_id, start=None, end=None, fmt: str = "html",
                            now: datetime.datetime | None = None) -> Certificate:
    """Issue a certificate of service hours for a volunteer (the volunteer themself, or staff over their community:
    Extra.SEE_HOURS) for a period (either end open). Errors: NotFound, PermissionDenied, ValidationFailed (a period
    ending before it starts, a volunteer without a number). Audit wishes.certificate (period, total, format)."""
    now = now or timezone.now()
    volunteer = get_or_404(Volunteer.objects.select_related("community", "user"), volunteer_id)
    authorize(actor, Extra.SEE_HOURS, volunteer_relations(actor, volunteer))
    if not volunteer.number:
        raise ValidationFailed(gettext("该志愿者尚未经社区确认，没有志愿者编号，不能出具证明。"))
    if start and end and end < start:
        raise ValidationFailed(gettext("结束日期不能早于开始日期。"), field="to")
    rows, total = certificate_rows(volunteer, start, end)
    issued_on = timezone.localdate(now)
    cert = Certificate(volunteer=volunteer, start=start or (rows[0]["served_on"] if rows else None),
                       end=end or (rows[-1]["served_on"] if rows else issued_on), rows=rows, total_minutes=total,
                       issued_on=issued_on)
    cert.code = signing.dumps({"v": volunteer.pk, "s": cert.start.isoformat() if cert.start else "",
                               "e": cert.end.isoformat(), "m": total, "i": issued_on.isoformat()},
                              salt=VERIFY_SALT, compress=True)
    with transaction.atomic():
        audit_record(actor=actor, action="wishes.certificate", target=volunteer,
                     summary={"start": cert.start.isoformat() if cert.start else "", "end": cert.end.isoformat(),
                              "minutes": total, "format": fmt})
    return cert
