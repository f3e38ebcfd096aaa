"""Account writes: login attempts with lockout, staff and resident accounts, API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from doorstep.accounts.models import ApiToken, User
from doorstep.accounts.roles import Role
from doorstep.audit.models import AuditEvent
from doorstep.audit.services import audit_record
from doorstep.core.errors import AccountLocked, ValidationFailed
from doorstep.core.idnumbers import validate_phone

BAD_CREDENTIALS = "用户名或密码错误。"


def _lock_message(user: User) -> str:
    minutes = max(1, -(-int((user.locked_until - timezone.now()).total_seconds()) // 60))
    return f"连续登录失败次数过多，账号已锁定，请{minutes}分钟后再试。"


def login_attempt(*, username: str, password: str, request=None) -> User:
    """Check a username (or a resident's phone) and password.

    Result: the user, with the failure counter reset. Raises AccountLocked while the account is locked (even with
    the right password) and ValidationFailed for wrong credentials. Audit: auth.login, auth.login_failed,
    auth.locked, auth.login_blocked. Side effects: after DOORSTEP_LOGIN_MAX_FAILURES consecutive failures the
    account is locked for DOORSTEP_LOGIN_LOCK_MINUTES.
    """
    username = (username or "").strip()
    if not username or not password:
        raise ValidationFailed("请输入用户名和密码。")
    error: Exception | None = None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        now = timezone.now()
        if user and user.locked_until and user.locked_until > now:
            audit_record(actor=None, actor_label=username, action="auth.login_blocked", target=user,
                         result=AuditEvent.Result.DENIED)
            error = AccountLocked(_lock_message(user))
        else:
            authed = authenticate(request, username=username, password=password)
            if authed is not None:
                if user.failed_logins or user.locked_until:
                    user.failed_logins, user.locked_until = 0, None
                    user.save(update_fields=["failed_logins", "locked_until"])
                audit_record(actor=authed, action="auth.login", target=authed)
                return authed
            audit_record(actor=None, actor_label=username, action="auth.login_failed", target=user,
                         result=AuditEvent.Result.FAILED)
            error = ValidationFailed(BAD_CREDENTIALS)
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= settings.DOORSTEP_LOGIN_MAX_FAILURES:
                    user.failed_logins = 0
                    user.locked_until = now + timezone.timedelta(minutes=settings.DOORSTEP_LOGIN_LOCK_MINUTES)
                    audit_record(actor=None, actor_label=username, action="auth.locked", target=user,
                                 summary={"minutes": settings.DOORSTEP_LOGIN_LOCK_MINUTES},
                                 result=AuditEvent.Result.DENIED)
                    error = AccountLocked(_lock_message(user))
                user.save(update_fields=["failed_logins", "locked_until"])
    raise error


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from None


def user_create_staff(
    *, actor, username: str, password: str, role: Role, org_node, full_name: str = "", department=None,
    is_auditor: bool = False,
) -> User:
    """Create a staff account bound to an org node. Audit: accounts.user_create."""
    if role in (Role.RESIDENT, Role.VOLUNTEER):
        raise ValidationFailed("居民和志愿者账号不在此创建。", field="role")
    if org_node is None:
        raise ValidationFailed("工作人员账号必须归属一个组织节点。", field="org_node")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed("该用户名已被使用。", field="username")
    user = User(username=username, role=role, org_node=org_node, full_name=full_name, department=department,
                is_auditor=is_auditor, is_staff=(role == Role.ADMIN))
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="accounts.user_create", target=user,
                     summary={"role": role, "org": org_node.code})
    return user


def user_create_resident(*, actor, resident, phone: str, password: str) -> User:
    """A resident's account: the phone number is the login name. Audit: accounts.resident_account_create."""
    phone = validate_phone(phone)
    if User.objects.filter(username=phone).exists():
        raise ValidationFailed("该手机号已注册。", field="phone")
    user = User(username=phone, role=Role.RESIDENT, resident=resident, full_name=resident.name)
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="accounts.resident_account_create", target=user)
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, actor, user: User, name: str) -> str:
    """Issue an API token for `user`; the plain token is returned once and only its digest is stored."""
    token = "ds_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name[:60] or "API", digest=_token_digest(token))
        audit_record(actor=actor, action="accounts.api_token_create", target=row, summary={"user": user.username})
    return token


def api_token_user(token: str) -> User | None:
    row = ApiToken.objects.select_related("user", "user__org_node").filter(
        digest=_token_digest(token), revoked=False, user__is_active=True
    ).first()
    return row.user if row else None
