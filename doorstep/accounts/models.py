"""Accounts: every staff account is bound to an org node; residents log in with their phone number."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.roles import (
    CAPABILITIES,
    RESIDENT_SCOPE,
    ROLE_CHOICES,
    ROLE_LABELS,
    Capability,
    Role,
    Scope,
    is_district_admin,
)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=ROLE_CHOICES, default=Role.RESIDENT)
    org_node = models.ForeignKey(
        "org.OrgNode", null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("所属组织")
    )
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("部门")
    )
    resident = models.OneToOneField(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    is_auditor = models.BooleanField(_("审计权限"), default=False)
    # Set when someone else chose the password (an account created for the person); until they pick their own, the
    # account opens only the password page and logout (accounts.middleware).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        constraints = [
            models.CheckConstraint(
                name="user_staff_bound_to_org_node",
                condition=Q(role__in=["resident", "volunteer"]) | Q(org_node__isnull=False) | Q(is_superuser=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.role_label}）"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role_enum]

    @property
    def resident_scope(self) -> Scope:
        return RESIDENT_SCOPE[self.role_enum]

    @property
    def is_staff_role(self) -> bool:
        return self.role not in (Role.RESIDENT, Role.VOLUNTEER)

    def can(self, capability: Capability) -> bool:
        if capability == Capability.VIEW_AUDIT and self.is_auditor:
            return True
        if capability == Capability.MANAGE_MASTER_DATA:
            # The Django admin is the district administrator's (issue #10): a street admin keeps its other tools.
            return is_district_admin(self)
        return capability in CAPABILITIES[self.role_enum]


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 digest is stored. It stops working at `expires_at`
    (DOORSTEP_API_TOKEN_DAYS after issue by default) or when revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.name}（#{self.pk}）"

    @property
    def state_label(self) -> str:
        from django.utils import timezone

        if self.revoked_at:
            return gettext("已吊销")
        return gettext("已过期") if self.expires_at <= timezone.now() else gettext("有效")

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return not self.revoked_at and self.expires_at > timezone.now()


class LoginThrottle(models.Model):
    """Decaying count of failed logins for one key (see accounts.services.login_attempt).

    ACCOUNT rows are keyed by a blind index of the login name as typed, whether or not such an account exists, so an
    unknown name behaves exactly like a known one and no phone number is stored here. ADDRESS rows are keyed by the
    client address, DEVICE rows by the nonce of a trusted-device cookie. `score` halves every
    DOORSTEP_LOGIN_FAILURE_HALF_LIFE_MINUTES since `updated_at`.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("账号")
        ADDRESS = "address", _("客户端地址")
        DEVICE = "device", _("受信设备")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("键"), max_length=64)
    score = models.FloatField(_("失败计数（衰减）"), default=0)
    updated_at = models.DateTimeField(_("更新时间"))
    blocked_until = models.DateTimeField(_("限制至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="loginthrottle_kind_key")]
        indexes = [models.Index(fields=["updated_at"], name="loginthrottle_updated")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key[:8]}…"
