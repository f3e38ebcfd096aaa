"""Account writes: login attempts with decaying failure counts, unlocking at the station, staff and resident
accounts, a user's own password change, API tokens that expire and can be revoked."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.accounts.models import ApiToken, LoginThrottle, User
from doorstep.accounts.roles import Role
from doorstep.accounts.selectors import account_key, login_unlock_allowed, login_wait_until
from doorstep.audit.models import AuditEvent
from doorstep.audit.services import audit_record
from doorstep.core.errors import AccountLocked, DomainError, NotFound, PermissionDenied, ValidationFailed
from doorstep.core.names import normalize_name
from doorstep.core.paths import in_subtree
from doorstep.core.phones import is_mobile, looks_like_phone, mask_phone, parse_phone, validate_phone

BAD_CREDENTIALS = gettext_lazy("用户名或密码错误。")
WRONG_CURRENT_PASSWORD = gettext_lazy("当前密码不正确。")
DEVICE_COOKIE = "ds_device"
_DEVICE_SALT = "doorstep.accounts.login-device"


def _wait_message(until) -> str:
    minutes = max(1, -(-int((until - timezone.now()).total_seconds()) // 60))
    return _("登录失败次数过多，请%(minutes)s分钟后再试；急需登录可持身份证到社区服务站解除限制。") % {"minutes": minutes}


def login_label(username: str) -> str:
    """How a typed login name appears in the audit trail: a phone-shaped name is masked like every phone."""
    return mask_phone(username) if looks_like_phone(username) else username[:120]


def _decayed(row: LoginThrottle, now) -> float:
    half_life = settings.DOORSTEP_LOGIN_FAILURE_HALF_LIFE_MINUTES * 60
    elapsed = max(0.0, (now - row.updated_at).total_seconds())
    return row.score * 0.5 ** (elapsed / half_life)


def _failures(row: LoginThrottle, now) -> int:
    """Whole failures still counted; decay between failures a second apart must not hide the n-th one."""
    return int(_decayed(row, now) + 0.05)


def _throttle_rows(keys: dict[str, str]) -> dict[str, LoginThrottle]:
    """The existing rows for {kind: key}, locked for this transaction (absent kinds are simply missing)."""
    q = Q()
    for kind, key in keys.items():
        q |= Q(kind=kind, key=key)
    return {r.kind: r for r in LoginThrottle.objects.select_for_update().filter(q)} if keys else {}


def _count_failure(kind: str, key: str, row: LoginThrottle | None, now) -> LoginThrottle:
    """One more failure on a key: decay, add one, and start a wait when the key's threshold is reached."""
    if row is None:
        try:
            with transaction.atomic():
                row = LoginThrottle.objects.create(kind=kind, key=key, score=0, updated_at=now)
        except IntegrityError:  # a concurrent first failure on the same key created it
            row = LoginThrottle.objects.select_for_update().get(kind=kind, key=key)
    row.score = _decayed(row, now) + 1
    row.updated_at = now
    over = _failures(row, now)
    if kind == LoginThrottle.Kind.ACCOUNT and over >= settings.DOORSTEP_LOGIN_ACCOUNT_FREE_FAILURES:
        wait = min(settings.DOORSTEP_LOGIN_ACCOUNT_FIRST_WAIT_SECONDS
                   * 2 ** min(over - settings.DOORSTEP_LOGIN_ACCOUNT_FREE_FAILURES, 16),
                   settings.DOORSTEP_LOGIN_ACCOUNT_MAX_WAIT_MINUTES * 60)
        row.blocked_until = now + datetime.timedelta(seconds=wait)
    elif kind == LoginThrottle.Kind.ADDRESS and over >= settings.DOORSTEP_LOGIN_ADDRESS_MAX_FAILURES:
        row.blocked_until = now + datetime.timedelta(minutes=settings.DOORSTEP_LOGIN_ADDRESS_LOCK_MINUTES)
    row.save(update_fields=["score", "updated_at", "blocked_until"])
    return row


def _device_nonce(device: str, user: User | None) -> str:
    """The nonce of a valid trusted-device cookie for `user`, or ""."""
    if not device or user is None:
        return ""
    try:
        payload = signing.loads(device, salt=_DEVICE_SALT, max_age=settings.DOORSTEP_LOGIN_DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return ""
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        return ""
    return str(payload.get("n", ""))[:64]


def login_device_token(user: User) -> str:
    """The value of the trusted-device cookie that the login page sets after a successful login (signed, no row)."""
    return signing.dumps({"u": user.pk, "n": secrets.token_urlsafe(12)}, salt=_DEVICE_SALT)


@dataclass
class _Attempt:
    """A password check under way for one login name: the throttle keys it counts against, their rows (locked for
    the transaction), whether the browser is this account's trusted device, and the waits holding it back."""

    label: str
    user: User | None
    keys: dict[str, str]
    rows: dict[str, LoginThrottle]
    trusted: bool
    waits: list[datetime.datetime]

    def held_back(self) -> AccountLocked:
        return AccountLocked(_wait_message(max(self.waits)))

    def held_by(self) -> list[str]:
        return sorted(str(k) for k, r in self.rows.items() if r.blocked_until in self.waits)

    def clear(self) -> None:
        """The right password: the account's count starts again."""
        key = self.keys[LoginThrottle.Kind.ACCOUNT]
        LoginThrottle.objects.filter(kind=LoginThrottle.Kind.ACCOUNT, key=key).delete()

    def failed(self, *, actor, error: DomainError, now) -> DomainError:
        """Count a wrong password on every key; the error to raise (AccountLocked when a wait begins for an
        untrusted browser). Audit: auth.locked when an account or address wait begins or grows."""
        for kind, key in self.keys.items():
            before = self.rows.get(kind)
            was_waiting = before is not None and before.blocked_until is not None and before.blocked_until > now
            row = _count_failure(kind, key, before, now)
            if kind != LoginThrottle.Kind.DEVICE and row.blocked_until and row.blocked_until > now:
                if not was_waiting or row.blocked_until > before.blocked_until:
                    audit_record(actor=actor, actor_label="" if actor else self.label, action="auth.locked",
                                 target=self.user, result=AuditEvent.Result.DENIED,
                                 summary={"by": str(kind), "seconds": int((row.blocked_until - now).total_seconds())})
                if not self.trusted:
                    error = AccountLocked(_wait_message(row.blocked_until))
        return error


def _attempt_begin(*, username: str, user: User | None, address: str, device: str, now) -> _Attempt:
    """Lock and read the throttle rows of a password check (call inside its transaction)."""
    nonce = _device_nonce(device, user)
    keys = {LoginThrottle.Kind.ACCOUNT: account_key(username)}
    if address:
        keys[LoginThrottle.Kind.ADDRESS] = address[:64]
    if nonce:
        keys[LoginThrottle.Kind.DEVICE] = nonce
    rows = _throttle_rows(keys)
    device_row = rows.get(LoginThrottle.Kind.DEVICE)
    trusted = bool(nonce) and (
        device_row is None or _failures(device_row, now) < settings.DOORSTEP_LOGIN_ACCOUNT_FREE_FAILURES
    )
    waits = [] if trusted else [
        r.blocked_until for kind, r in rows.items()
        if kind != LoginThrottle.Kind.DEVICE and r.blocked_until and r.blocked_until > now
    ]
    return _Attempt(label=login_label(username), user=user, keys=keys, rows=rows, trusted=trusted, waits=waits)


def login_attempt(*, username: str, password: str, request=None, address: str = "", device: str = "") -> User:
    """Check a login name (a staff username or a resident's phone) and password.

    Failures are counted, with decay, per account (keyed by the name as typed, so unknown and existing names behave
    alike), per client `address` and per trusted device. An account that reaches DOORSTEP_LOGIN_ACCOUNT_FREE_FAILURES
    waits before its next attempt (1 minute, doubling, at most DOORSTEP_LOGIN_ACCOUNT_MAX_WAIT_MINUTES); an address
    that reaches DOORSTEP_LOGIN_ADDRESS_MAX_FAILURES is blocked for DOORSTEP_LOGIN_ADDRESS_LOCK_MINUTES. A browser
    presenting the `device` cookie of an earlier login to this account is not held back by either (so a stranger
    cannot lock a resident out of their own phone) until it has failed DOORSTEP_LOGIN_ACCOUNT_FREE_FAILURES times
    itself. A staff member at the station lifts an account's wait with login_unlock. A wrong current password on
    the password page (password_change) counts the same way.

    Result: the user; the account's count is cleared. Raises ValidationFailed(BAD_CREDENTIALS) for a wrong password,
    an unknown or an inactive name alike, and AccountLocked (same text whether the name exists or not) while held
    back, even with the right password. Audit: auth.login, auth.login_failed, auth.locked (a wait begins),
    auth.login_blocked (an attempt refused while waiting); login names shaped like phones are masked.
    """
    username = (username or "").strip()
    if not username or not password:
        raise ValidationFailed(_("请输入用户名和密码。"))
    username = parse_phone(username) or username  # a resident's phone as typed: +86 138 0000 0001, full-width …
    with transaction.atomic():
        now = timezone.now()
        user = User.objects.filter(username=username).first()
        attempt = _attempt_begin(username=username, user=user, address=address, device=device, now=now)
        if attempt.waits:
            audit_record(actor=None, actor_label=attempt.label, action="auth.login_blocked", target=user,
                         summary={"by": attempt.held_by()}, result=AuditEvent.Result.DENIED)
            error = attempt.held_back()
        else:
            authed = authenticate(request, username=username, password=password)
            if authed is not None:
                attempt.clear()
                audit_record(actor=authed, action="auth.login", target=authed,
                             summary={"trusted_device": True} if attempt.trusted else None)
                return authed
            audit_record(actor=None, actor_label=attempt.label, action="auth.login_failed", target=user,
                         result=AuditEvent.Result.FAILED)
            error = attempt.failed(actor=None, error=ValidationFailed(BAD_CREDENTIALS), now=now)
    raise error  # after the transaction: the failure counts stay


def login_unlock(*, actor, user: User) -> bool:
    """Clear an account's failure count and wait (not the client address's: that is the stranger's).

    Preconditions: login_unlock_allowed (else PermissionDenied). Result: whether the account was waiting.
    Audit: auth.unlock.
    """
    if not login_unlock_allowed(actor, user):
        raise PermissionDenied(_("您不能解除该账号的登录限制。"))
    with transaction.atomic():
        waiting = login_wait_until(user) is not None
        LoginThrottle.objects.filter(kind=LoginThrottle.Kind.ACCOUNT, key=account_key(user.username)).delete()
        audit_record(actor=actor, action="auth.unlock", target=user, summary={"was_waiting": waiting})
    return waiting


def login_throttle_purge(*, now=None) -> int:
    """Forget failure counts that have decayed to nothing and no longer hold anyone back. Result: rows deleted."""
    now = now or timezone.now()
    horizon = now - datetime.timedelta(minutes=settings.DOORSTEP_LOGIN_FAILURE_HALF_LIFE_MINUTES * 10)
    deleted, _by_model = LoginThrottle.objects.filter(
        Q(blocked_until__isnull=True) | Q(blocked_until__lt=now), updated_at__lt=horizon
    ).delete()
    return deleted


def _check_password(password: str, user: User | None = None, *, field: str = "password") -> None:
    """AUTH_PASSWORD_VALIDATORS (accounts.passwords), their Chinese messages joined into one ValidationFailed."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field=field) from None


def user_create_staff(
    *, actor, username: str, password: str, role: Role, org_node, full_name: str = "", department=None,
    is_auditor: bool = False,
) -> User:
    """Create a staff account bound to an org node. Someone else chose the password, so the account must change it
    at first login (must_change_password). Audit: accounts.user_create."""
    if role in (Role.RESIDENT, Role.VOLUNTEER):
        raise ValidationFailed(_("居民和志愿者账号不在此创建。"), field="role")
    if org_node is None:
        raise ValidationFailed(_("工作人员账号必须归属一个组织节点。"), field="org_node")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(_("该用户名已被使用。"), field="username")
    full_name = normalize_name(full_name, field="full_name") if (full_name or "").strip() else ""
    user = User(username=username, role=role, org_node=org_node, full_name=full_name, department=department,
                is_auditor=is_auditor, is_staff=(role == Role.ADMIN), must_change_password=True)
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="accounts.user_create", target=user,
                     summary={"role": role, "org": org_node.code})
    return user


def user_create_resident(*, actor, resident, phone: str, password: str) -> User:
    """A resident's account: the phone number is the login name; the password given at the station must be changed
    at first login (must_change_password). Audit: accounts.resident_account_create."""
    phone = validate_phone(phone)
    if not is_mobile(phone):
        raise ValidationFailed(_("登录账号请用手机号（固定电话不能收短信）。"), field="phone")
    if User.objects.filter(username=phone).exists():
        raise ValidationFailed(_("该手机号已注册。"), field="phone")
    user = User(username=phone, role=Role.RESIDENT, resident=resident, full_name=resident.name,
                must_change_password=True)
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="accounts.resident_account_create", target=user)
    return user


def password_change(*, actor: User, current: str, new: str, address: str = "", device: str = "") -> User:
    """The user's own password: the current one, then a new one that passes AUTH_PASSWORD_VALIDATORS.

    A wrong current password counts as a failed login of the account, on the same keys as login_attempt (the
    client `address` and the trusted-device cookie `device` too), and the account's wait holds here as at login: an
    open session must not be a way to guess the password without limit. Result: the user, with the new password set,
    must_change_password cleared and the account's failure count cleared; the caller keeps its session
    (update_session_auth_hash); API tokens stay. Raises ValidationFailed(WRONG_CURRENT_PASSWORD, field "current"),
    ValidationFailed with the validators' messages (field "new") or AccountLocked.
    Audit: accounts.password_change (no password in it) — FAILED for a wrong current password, DENIED while the
    account waits — and auth.locked when a wait begins.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    if not current:
        raise ValidationFailed(_("请输入当前密码。"), field="current")
    if not new:
        raise ValidationFailed(_("请输入新密码。"), field="new")
    with transaction.atomic():
        now = timezone.now()
        user = User.objects.select_for_update().get(pk=actor.pk)
        attempt = _attempt_begin(username=user.username, user=user, address=address, device=device, now=now)
        if attempt.waits:
            audit_record(actor=user, action="accounts.password_change", target=user,
                         summary={"waiting": attempt.held_by()}, result=AuditEvent.Result.DENIED)
            error = attempt.held_back()
        elif not user.check_password(current):
            audit_record(actor=user, action="accounts.password_change", target=user, result=AuditEvent.Result.FAILED)
            error = attempt.failed(actor=user, error=ValidationFailed(WRONG_CURRENT_PASSWORD, field="current"),
                                   now=now)
        else:
            if new == current:
                raise ValidationFailed(_("新密码不能与当前密码相同。"), field="new")
            _check_password(new, user, field="new")
            forced = user.must_change_password
            user.set_password(new)
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
            attempt.clear()
            audit_record(actor=user, action="accounts.password_change", target=user,
                         summary={"forced": True} if forced else None)
            return user
    raise error  # after the transaction: the failure counts stay


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRefused(DomainError):
    """An API token that was valid once: expired or revoked (the API answers 401 with this message)."""

    status = 401


def api_token_create(*, actor, user: User, name: str, days: int | None = None) -> str:
    """Issue an API token for `user`, valid for `days` (default DOORSTEP_API_TOKEN_DAYS, at most 366).

    Result: the plain token, returned once; only its SHA-256 digest is stored. Raises ValidationFailed for a
    validity outside 1–366 days or an inactive account. Audit: accounts.api_token_create.
    """
    days = settings.DOORSTEP_API_TOKEN_DAYS if days is None else days
    if not 1 <= int(days) <= 366:
        raise ValidationFailed(_("令牌有效期应为1–366天。"), field="days")
    if not user.is_active:
        raise ValidationFailed(_("该账号已停用，不能签发令牌。"), field="user")
    token = "ds_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=(name or "").strip()[:60] or "API", digest=_token_digest(token),
                                      expires_at=timezone.now() + datetime.timedelta(days=int(days)))
        audit_record(actor=actor, action="accounts.api_token_create", target=row,
                     summary={"user": login_label(user.username), "expires_at": row.expires_at.isoformat()})
    return token


def api_token_revoke(*, actor, token_id) -> ApiToken:
    """Revoke one token: its holder may revoke their own; an administrator (or the command line, actor=None)
    any token of an account under their node. Missing and not yours look the same (NotFound).

    Result: the token, revoked (revoking twice changes nothing more). Audit: accounts.api_token_revoke.
    """
    try:
        pk = int(token_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    with transaction.atomic():
        row = ApiToken.objects.select_for_update(of=("self",)).select_related("user__org_node").filter(pk=pk).first()
        if row is None or not _may_manage_token(actor, row):
            raise NotFound()
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="accounts.api_token_revoke", target=row,
                         summary={"user": login_label(row.user.username)})
    return row


def _may_manage_token(actor, row: ApiToken) -> bool:
    if actor is None:  # the `doorstep token` command: whoever runs it already holds the server
        return True
    if row.user_id == actor.pk:
        return True
    node = row.user.org_node
    return (actor.role == Role.ADMIN and actor.org_node_id is not None and node is not None
            and in_subtree(node.code, actor.org_node.code))


def api_token_user(token: str) -> User | None:
    """The active account behind a bearer token; None for an unknown token. Raises TokenRefused (401) for an
    expired or revoked one, so that the client learns to ask for a new token."""
    row = ApiToken.objects.select_related("user", "user__org_node").filter(digest=_token_digest(token)).first()
    if row is None or not row.user.is_active:
        return None
    if row.revoked_at is not None:
        raise TokenRefused(_("API 令牌已被吊销，请联系管理员重新签发。"))
    if row.expires_at <= timezone.now():
        raise TokenRefused(_("API 令牌已过期，请重新签发。"))
    return row.user
