"""Accounts: every staff account is bound to an org node; residents log in with their phone number."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from doorstep.accounts.roles import (
    CAPABILITIES,
    RESIDENT_SCOPE,
    ROLE_CHOICES,
    ROLE_LABELS,
    Capability,
    Role,
    Scope,
)


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=ROLE_CHOICES, default=Role.RESIDENT)
    org_node = models.ForeignKey(
        "org.OrgNode", null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name="所属组织"
    )
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name="部门"
    )
    resident = models.OneToOneField(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )
    full_name = models.CharField("姓名", max_length=50, blank=True)
    is_auditor = models.BooleanField("审计权限", default=False)
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
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
        return capability in CAPABILITIES[self.role_enum]


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=60)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    def __str__(self) -> str:
        return f"{self.name}（{self.user.username}）"
