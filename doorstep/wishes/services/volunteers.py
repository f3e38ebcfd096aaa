"""Volunteer registration (issue #15 item 1): a party member or volunteer registers with a community — on their own
phone (no login; a volunteer account is made with the password they chose) or at the station by its staff (active at
once, the account must change its password at first login); the community confirms (a volunteer number: V + the
community's 12-digit code + a 4-digit sequence), rejects, or removes; the volunteer edits their profile or leaves.
The phone is stored encrypted with a blind index and shown masked; staff reveal it whole with a reason (audited,
also when refused).

Sources: issue #15 item 1; MZ/T 061-2015 (a volunteer number, not the ID number, identifies a volunteer to others);
志愿服务记录与证明出具办法 (民政部令第67号).
"""

import datetime
import re
from types import SimpleNamespace

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from doorstep.accounts.models import User
from doorstep.accounts.roles import Role
from doorstep.audit.services import audit_record
from doorstep.core.crypto import blind_index, decrypt, encrypt
from doorstep.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.idempotency import clean_key, idempotent_create
from doorstep.core.ids import parse_id
from doorstep.core.names import normalize_name
from doorstep.core.phones import is_mobile, mask_phone, validate_phone
from doorstep.notifications.services import notify
from doorstep.notifications.words import said
from doorstep.org.models import OrgNode
from doorstep.registry.services import MIN_REASON_LENGTH, REASON_MAX_LENGTH
from doorstep.wishes.authority import Extra
from doorstep.wishes.models import Availability, ClaimState, Kind, Offer, Pairing, Volunteer, VolunteerCounter
from doorstep.wishes.services.common import (
    authorize,
    community_relations,
    refused,
    registration_of,
    volunteer_relations,
)
from doorstep.wishes.workflow import MoveRefused, RegistrationAction, RegistrationState, registration_move

MAX_SKILLS = 8
SKILL_MAX_LENGTH = 12
EMPLOYER_MAX_LENGTH = 100  # the model's columns
POSITION_MAX_LENGTH = 50
STATE_REASON_MAX_LENGTH = 300
MIN_NOTE_LENGTH = 2  # a rejection's or removal's reason
# A public registration has no account yet to claim its submission key under: its keys are claimed under actor id 0.
# They are fresh uuid4s per rendered form, so two people never share one; a different form under a reused key is
# refused (idempotency: Conflict).
ANONYMOUS = SimpleNamespace(pk=0)
_SKILL_SPLIT = re.compile(r"[,，、;；/\s]+")


def _text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[: limit + 1]


def _limited(value, limit: int, field: str, label: str) -> str:
    text = _text(value, limit)
    if len(text) > limit:
        raise ValidationFailed(_("%(label)s不能超过%(count)s个字。") % {"label": label, "count": limit}, field=field)
    return text


def _members(values, enum, *, field: str, message: str) -> list[str]:
    """The chosen values of a checkbox group, in the enum's order; ValidationFailed for anything not in it."""
    if values is None:
        values = []
    if isinstance(values, str):
        values = [values]
    chosen = {str(v) for v in values}
    if not chosen <= set(enum.values):
        raise ValidationFailed(message, field=field)
    return [v for v in enum.values if v in chosen]


def clean_skills(raw) -> list[str]:
    """Free tags: a list, or text separated by commas, 、 or spaces; at most MAX_SKILLS of SKILL_MAX_LENGTH each."""
    items = _SKILL_SPLIT.split(str(raw)[:400]) if isinstance(raw, str) else [str(s) for s in (raw or [])][:50]
    skills = list(dict.fromkeys(s.strip() for s in items if s and s.strip()))
    if len(skills) > MAX_SKILLS:
        raise ValidationFailed(_("技能特长最多填写%(count)s项。") % {"count": MAX_SKILLS}, field="skills")
    if any(len(s) > SKILL_MAX_LENGTH for s in skills):
        raise ValidationFailed(_("每项技能特长不能超过%(count)s个字。") % {"count": SKILL_MAX_LENGTH}, field="skills")
    return skills


def clean_profile(*, kind, employer, position, skills, offers, availability) -> dict:
    if str(kind or "") not in Kind.values:
        raise ValidationFailed(_("请选择身份：在职党员或志愿者。"), field="kind")
    return {
        "kind": str(kind),
        "employer": _limited(employer, EMPLOYER_MAX_LENGTH, "employer", _("工作单位")),
        "position": _limited(position, POSITION_MAX_LENGTH, "position", _("职务")),
        "skills": clean_skills(skills),
        "offers": _members(offers, Offer, field="offers", message=_("请从列表中选择“三认”承诺。")),
        "availability": _members(availability, Availability, field="availability",
                                 message=_("请从列表中选择可服务时间。")),
    }


def community_for_registration(community_id) -> OrgNode:
    """A community-level node by id; ValidationFailed (the form's field) for anything else."""
    try:
        pk = parse_id(community_id)
    except NotFound:
        pk = None
    node = OrgNode.objects.select_related("parent").filter(pk=pk, level="community").first() if pk else None
    if node is None:
        raise ValidationFailed(_("请从列表中选择报到的社区。"), field="community")
    return node


def _mobile(phone) -> str:
    phone = validate_phone(str(phone or "")[:40])
    if not is_mobile(phone):
        raise ValidationFailed(_("请填写11位手机号：手机号是志愿者账号的登录名。"), field="phone")
    return phone


def _check_password(password, user: User) -> None:
    """AUTH_PASSWORD_VALIDATORS, their Chinese messages joined (as accounts.services does)."""
    if not password:
        raise ValidationFailed(_("请设置登录密码。"), field="password")
    try:
        validate_password(str(password)[:200], user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from None


def _phone_taken() -> ValidationFailed:
    return ValidationFailed(_("该手机号已注册，请直接登录。"), field="phone")


def _refuse_logged_in(actor) -> None:
    """Public registration makes a new account: someone already logged in is told what to do instead."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    if actor.role == Role.RESIDENT:
        raise PermissionDenied(_("您正在使用居民账号。志愿者报到需要单独的志愿者账号：请先退出登录，"
                                 "再用一个未注册过的手机号报到。"))
    if actor.role == Role.VOLUNTEER:
        raise Conflict(_("您的账号已是志愿者账号，请在“我的报到”查看报到情况。"))
    raise PermissionDenied(_("工作人员请在志愿者名册中“代为报到”。"))


def _new_account(*, name: str, phone: str, password, must_change: bool) -> User:
    if User.objects.filter(username=phone).exists():
        raise _phone_taken()
    user = User(username=phone, role=Role.VOLUNTEER, full_name=name, must_change_password=must_change)
    _check_password(password, user)
    user.set_password(str(password))
    return user


def _save_account(user: User) -> User:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same phone registered at the same moment
        raise _phone_taken() from None
    return user


def next_volunteer_number(community: OrgNode) -> str:
    """V + the community's code + its next 4-digit sequence, from VolunteerCounter in one statement (the counter row
    stays locked until commit, so two confirmations never take one number; as core.daily_numbers)."""
    table = connection.ops.quote_name(VolunteerCounter._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} (community_id, last) VALUES (%s, 1) ON CONFLICT (community_id) "
                    f"DO UPDATE SET last = {table}.last + 1 RETURNING last", [community.pk])
        last = cur.fetchone()[0]
    return f"V{community.code}{last:04d}"


def _staff_of(community: OrgNode):
    return list(User.objects.filter(role=Role.CLERK, org_node_id=community.pk, is_active=True))


def _link(volunteer: Volunteer) -> str:
    return f"/volunteers/{volunteer.pk}/"


def _inputs(*, community, name, phone, profile) -> dict:
    return {"community": community.pk, "name": name, "phone": blind_index("phone", phone), **profile}


def volunteer_register(*, actor=None, community_id, name, phone, password, kind, employer="", position="",
                       skills=(), offers=(), availability=(), idempotency_key, now: datetime.datetime | None = None
                       ) -> Volunteer:
    """Self-registration on the public form (no login): a volunteer account (login name: the mobile phone, the
    password the person chose) and a registration waiting for the community's confirmation.

    Refused: anyone already logged in (a resident needs a separate volunteer account); a community that is not a
    community-level node; a phone any account already uses; a password the validators refuse. A doubled submission
    (same key) returns the first registration. Audit: volunteer.register. Notifies the community's staff."""
    _refuse_logged_in(actor)
    community = community_for_registration(community_id)
    name = normalize_name(str(name or "")[:60], field="name")
    phone = _mobile(phone)
    profile = clean_profile(kind=kind, employer=employer, position=position, skills=skills, offers=offers,
                            availability=availability)
    key = clean_key(idempotency_key)
    now = now or timezone.now()

    def create() -> Volunteer:
        user = _save_account(_new_account(name=name, phone=phone, password=password, must_change=False))
        volunteer = _new_registration(user, community=community, name=name, phone=phone, profile=profile, now=now)
        audit_record(actor=user, action="volunteer.register", target=volunteer,
                     summary={"community": community.code, "kind": profile["kind"], "channel": "self"})
        notify(_staff_of(community), kind="volunteer.applied",
               title=said(gettext_noop("新的志愿者报到待确认：{name}"), name=name),
               body=said(gettext_noop("{community}收到一份志愿者报到，请核实后确认。"), community=community.name),
               link=_link(volunteer))
        return volunteer

    volunteer, _replayed = idempotent_create(actor=ANONYMOUS, key=key, kind="volunteer.register",
                                             inputs=_inputs(community=community, name=name, phone=phone,
                                                            profile=profile), create=create)
    return volunteer


def _new_registration(user: User, *, community, name, phone, profile, now, state=RegistrationState.APPLIED,
                      number=None, confirmed_by=None) -> Volunteer:
    active = state == RegistrationState.ACTIVE
    return Volunteer.objects.create(
        user=user, community=community, name=name, phone_enc=encrypt(phone), phone_index=blind_index("phone", phone),
        phone_masked=mask_phone(phone), state=state, number=number, applied_at=now,
        confirmed_at=now if active else None, confirmed_by=confirmed_by, **profile)


def volunteer_register_by_staff(*, actor, community_id, name, phone, password, kind, employer="", position="",
                                skills=(), offers=(), availability=(), idempotency_key,
                                now: datetime.datetime | None = None) -> Volunteer:
    """代为报到: the community's staff register someone at the station. The registration is confirmed at once (a
    volunteer number); the password was chosen by the staff member, so the account must change it at first login.
    Authority: as confirming a registration (RegistrationAction.CONFIRM, the community's relations). Audit:
    volunteer.register (channel station). Notifies the volunteer."""
    community = community_for_registration(community_id)
    authorize(actor, RegistrationAction.CONFIRM, community_relations(actor, community))
    name = normalize_name(str(name or "")[:60], field="name")
    phone = _mobile(phone)
    profile = clean_profile(kind=kind, employer=employer, position=position, skills=skills, offers=offers,
                            availability=availability)
    now = now or timezone.now()

    def create() -> Volunteer:
        user = _save_account(_new_account(name=name, phone=phone, password=password, must_change=True))
        volunteer = _new_registration(user, community=community, name=name, phone=phone, profile=profile, now=now,
                                      state=RegistrationState.ACTIVE, number=next_volunteer_number(community),
                                      confirmed_by=actor)
        audit_record(actor=actor, action="volunteer.register", target=volunteer,
                     summary={"community": community.code, "kind": profile["kind"], "channel": "station",
                              "number": volunteer.number})
        _tell_volunteer(volunteer, said(gettext_noop("您已在{community}报到，志愿者编号 {number}"),
                                        community=community.name, number=volunteer.number))
        return volunteer

    volunteer, _replayed = idempotent_create(actor=actor, key=idempotency_key, kind="volunteer.register_by_staff",
                                             inputs=_inputs(community=community, name=name, phone=phone,
                                                            profile=profile), create=create)
    return volunteer


def _tell_volunteer(volunteer: Volunteer, title, body="") -> None:
    notify([volunteer.user], kind="volunteer.registration", title=title, body=body, link="/volunteers/me/")


def _locked(actor, volunteer_id) -> tuple[Volunteer, frozenset]:
    """The registration, locked, and the actor's relations to it; NotFound when the actor stands in none (missing
    and out of reach look the same)."""
    volunteer = (Volunteer.objects.select_for_update().select_related("community", "user")
                 .filter(pk=parse_id(volunteer_id)).first())
    if volunteer is None:
        raise NotFound()
    held = volunteer_relations(actor, volunteer)
    if not held:
        raise NotFound()
    return volunteer, held


def _move(volunteer: Volunteer, action: RegistrationAction) -> RegistrationState:
    try:
        return registration_move(volunteer.state, action)
    except MoveRefused as exc:
        raise refused(exc) from None


def _note(reason, *, required: bool) -> str:
    text = _text(reason, STATE_REASON_MAX_LENGTH)
    if len(text) > STATE_REASON_MAX_LENGTH:
        raise ValidationFailed(_("原因不能超过%(count)s个字。") % {"count": STATE_REASON_MAX_LENGTH}, field="reason")
    if required and len(text) < MIN_NOTE_LENGTH:
        raise ValidationFailed(_("请填写原因（至少%(count)s个字）。") % {"count": MIN_NOTE_LENGTH}, field="reason")
    return text


def volunteer_confirm(*, actor, volunteer_id, now: datetime.datetime | None = None) -> Volunteer:
    """确认报到: applied → active with the next volunteer number of the community. Audit: volunteer.confirm.
    Notifies the volunteer."""
    now = now or timezone.now()
    with transaction.atomic():
        volunteer, held = _locked(actor, volunteer_id)
        authorize(actor, RegistrationAction.CONFIRM, held)
        volunteer.state = _move(volunteer, RegistrationAction.CONFIRM)
        volunteer.number = next_volunteer_number(volunteer.community)
        volunteer.confirmed_at, volunteer.confirmed_by = now, actor
        volunteer.state_reason = ""
        volunteer.save(update_fields=["state", "number", "confirmed_at", "confirmed_by", "state_reason"])
        audit_record(actor=actor, action="volunteer.confirm", target=volunteer, summary={"number": volunteer.number})
        _tell_volunteer(volunteer, said(gettext_noop("报到已确认，志愿者编号 {number}"), number=volunteer.number),
                        said(gettext_noop("{community}已确认您的报到，欢迎加入！"), community=volunteer.community.name))
    return volunteer


def volunteer_reject(*, actor, volunteer_id, reason, now: datetime.datetime | None = None) -> Volunteer:
    """退回报到: applied → rejected, with the reason the volunteer is told. Audit: volunteer.reject."""
    with transaction.atomic():
        volunteer, held = _locked(actor, volunteer_id)
        authorize(actor, RegistrationAction.REJECT, held)
        to = _move(volunteer, RegistrationAction.REJECT)
        volunteer.state, volunteer.state_reason = to, _note(reason, required=True)
        volunteer.save(update_fields=["state", "state_reason"])
        audit_record(actor=actor, action="volunteer.reject", target=volunteer, reason=volunteer.state_reason)
        _tell_volunteer(volunteer, said(gettext_noop("报到未通过：{community}"), community=volunteer.community.name),
                        said(gettext_noop("原因：{reason}"), reason=volunteer.state_reason))
    return volunteer


def volunteer_leave(*, actor, volunteer_id, reason="", now: datetime.datetime | None = None) -> Volunteer:
    """退出: active → left, by the volunteer themself (a reason optional) or the community (a reason required).
    Refused while the volunteer holds a claim in progress (released or fulfilled first); the volunteer's active
    pairings end with it. Audit: volunteer.leave. Notifies the volunteer (when the community removed them) or the
    community's staff (when they left)."""
    now = now or timezone.now()
    with transaction.atomic():
        volunteer, held = _locked(actor, volunteer_id)
        authorize(actor, RegistrationAction.LEAVE, held)
        to = _move(volunteer, RegistrationAction.LEAVE)
        by_self = volunteer.user_id == actor.pk
        note = _note(reason, required=not by_self)
        claims = volunteer.claims.filter(state=ClaimState.ACTIVE).count()
        if claims:
            raise Conflict(_("还有%(count)s个认领中的心愿，请先完成圆梦或放弃认领，再办理退出。") % {"count": claims})
        volunteer.state, volunteer.state_reason = to, note
        volunteer.save(update_fields=["state", "state_reason"])
        ended = Pairing.objects.filter(volunteer=volunteer, state=Pairing.State.ACTIVE).update(
            state=Pairing.State.ENDED, ended_at=now, ended_reason="志愿者已退出")  # zh: a stored record, in the records' language
        audit_record(actor=actor, action="volunteer.leave", target=volunteer, reason=note,
                     summary={"by": "self" if by_self else "community", "pairings_ended": ended})
        if by_self:
            notify(_staff_of(volunteer.community), kind="volunteer.left",
                   title=said(gettext_noop("志愿者已退出：{name}（{number}）"), name=volunteer.name,
                              number=volunteer.number or ""), link=_link(volunteer))
        else:
            _tell_volunteer(volunteer, said(gettext_noop("您已退出{community}的志愿者名册"),
                                            community=volunteer.community.name),
                            said(gettext_noop("原因：{reason}"), reason=note))
    return volunteer


def volunteer_reveal_phone(*, actor, volunteer_id, reason) -> str:
    """A volunteer's whole phone for the community's staff, with a reason of MIN_REASON_LENGTH to
    REASON_MAX_LENGTH characters (as registry.services.resident_reveal). NotFound for a registration the actor
    cannot see. Audit: volunteer.reveal_phone, also when refused."""
    volunteer = Volunteer.objects.select_related("community").filter(pk=parse_id(volunteer_id)).first()
    if volunteer is None or not volunteer_relations(actor, volunteer):
        raise NotFound()
    reason = " ".join(str(reason or "").split())
    held = volunteer_relations(actor, volunteer)
    try:
        authorize(actor, Extra.REVEAL_PHONE, held)
    except PermissionDenied:
        audit_record(actor=actor, action="volunteer.reveal_phone", target=volunteer, reason=reason[:REASON_MAX_LENGTH],
                     result="denied")
        raise
    if len(reason) < MIN_REASON_LENGTH:
        audit_record(actor=actor, action="volunteer.reveal_phone", target=volunteer, reason=reason,
                     summary={"refused": "reason_too_short"}, result="denied")
        raise ValidationFailed(_("请填写查看事由（至少%(count)s个字）。") % {"count": MIN_REASON_LENGTH}, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        audit_record(actor=actor, action="volunteer.reveal_phone", target=volunteer, reason=reason[:REASON_MAX_LENGTH],
                     summary={"refused": "reason_too_long"}, result="denied")
        raise ValidationFailed(_("查看事由不能超过%(count)s个字，请简要填写。") % {"count": REASON_MAX_LENGTH},
                               field="reason")
    audit_record(actor=actor, action="volunteer.reveal_phone", target=volunteer, reason=reason)
    return decrypt(bytes(volunteer.phone_enc))


def volunteer_update_profile(*, actor, kind=None, employer="", position="", skills=(), offers=(), availability=()
                             ) -> Volunteer:
    """The volunteer's own skills, availability, offers, employer and position (while applied or active).
    Audit: volunteer.profile."""
    volunteer = registration_of(actor)
    if volunteer is None or actor.role != Role.VOLUNTEER:
        raise PermissionDenied(_("只有志愿者本人可以修改报到信息。"))
    if volunteer.state not in (RegistrationState.APPLIED, RegistrationState.ACTIVE):
        raise Conflict(_("报到未通过或已退出，不能修改报到信息。"))
    profile = clean_profile(kind=kind or volunteer.kind, employer=employer, position=position, skills=skills,
                            offers=offers, availability=availability)
    with transaction.atomic():
        for name, value in profile.items():
            setattr(volunteer, name, value)
        volunteer.save(update_fields=list(profile))
        audit_record(actor=actor, action="volunteer.profile", target=volunteer, summary={"fields": sorted(profile)})
    return volunteer
