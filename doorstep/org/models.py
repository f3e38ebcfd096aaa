"""Org tree (区 → 街道 → 社区 → 网格), service centers with windows and opening hours, departments, posts (AB岗)
and grid teams (1+N+1). Data only; writes go through services.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


LEVEL_ORDER = [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
# Digits each level adds to the code (6-digit county code, 3 street, 3 community, 3 grid sequence).
LEVEL_CODE_LENGTH = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 15}


class OrgNode(models.Model):
    """One node of the org tree. `code` is the materialized path: a node's code starts with its parent's."""

    code = models.CharField(_("编码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级节点"))
    # GeoJSON polygon of the node's area (grids tile their community with no gaps).
    geometry = models.JSONField(_("范围"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织节点")
        verbose_name_plural = _("组织节点")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="orgnode_code_length_matches_level",
                condition=(
                    Q(level="district", code__regex=r"^\d{6}$")
                    | Q(level="street", code__regex=r"^\d{9}$")
                    | Q(level="community", code__regex=r"^\d{12}$")
                    | Q(level="grid", code__regex=r"^\d{15}$")
                ),
            ),
            models.CheckConstraint(
                name="orgnode_only_district_is_root",
                condition=Q(level="district") | Q(parent__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["level", "code"], name="orgnode_level_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def district_code(self) -> str:
        return self.code[:6]


class Department(models.Model):
    """A department that takes orders (职能部门: 城管, 公安, 市场监管 …, or a utility or property company) of a district
    or street. `short_name` (城管) is how it is named everywhere in data, pages and command output; `head` is whom an
    overdue order is escalated to first (incidents supervision)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("政府部门")
        UTILITY = "utility", _("公用事业单位")
        PROPERTY = "property", _("物业服务企业")
        MEDIATION = "mediation", _("调解组织")

    org_node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="departments", verbose_name=_("所属组织"))
    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=20, unique=True, null=True, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.GOVERNMENT)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    head = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="headed_departments", verbose_name=_("部门负责人"))

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class ServiceCenter(models.Model):
    """A street service center (街道便民服务中心) or community station (社区党群服务站)."""

    org_node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="service_centers",
                                 verbose_name=_("所属组织"))
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务中心")
        verbose_name_plural = _("服务中心")
        ordering = ["org_node__code", "name"]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """A window (窗口). General windows (全科窗口) accept any item."""

    center = models.ForeignKey(ServiceCenter, on_delete=models.CASCADE, related_name="windows", verbose_name=_("服务中心"))
    number = models.PositiveSmallIntegerField(_("窗口号"))
    name = models.CharField(_("名称"), max_length=60)
    is_general = models.BooleanField(_("全科窗口"), default=True)
    # A dedicated window (专窗, e.g. 社保 or the water bill) names the item categories it takes; a general one none.
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="windows",
                                        verbose_name=_("专窗办理类别"))

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["center", "number"]
        constraints = [models.UniqueConstraint(fields=["center", "number"], name="window_unique_number")]

    def __str__(self) -> str:
        return gettext("{center} {number}号窗口").format(center=self.center.name, number=self.number)


WEEKDAY_LABELS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]  # 0 = Monday


class OpeningHours(models.Model):
    """Opening hours per weekday (0 = Monday); staggered hours (错时) are extra rows with kind=staggered."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("常规")
        STAGGERED = "staggered", _("错时延时")

    center = models.ForeignKey(ServiceCenter, on_delete=models.CASCADE, related_name="opening_hours",
                               verbose_name=_("服务中心"))
    weekday = models.PositiveSmallIntegerField(_("星期"))
    opens = models.TimeField(_("开始"))
    closes = models.TimeField(_("结束"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        ordering = ["center", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(name="openinghours_weekday_range", condition=Q(weekday__gte=0, weekday__lte=6)),
            models.CheckConstraint(name="openinghours_opens_before_closes", condition=Q(opens__lt=models.F("closes"))),
        ]

    def __str__(self) -> str:
        return f"{self.center_id} {WEEKDAY_LABELS[self.weekday]} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Post(models.Model):
    """A post (岗位) with an A holder and a B backup (AB岗): when A is away, B acts."""

    org_node = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="posts", verbose_name=_("所属组织"))
    center = models.ForeignKey(ServiceCenter, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts",
                               verbose_name=_("服务中心"))
    name = models.CharField(_("岗位"), max_length=100)
    holder_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts_as_a",
        verbose_name=_("A岗人员"),
    )
    holder_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts_as_b",
        verbose_name=_("B岗人员"),
    )
    a_absent = models.BooleanField(_("A岗不在岗"), default=False)
    # A post with a duty in a workflow: the command center's 值班长 (GB/T 30428.1) dismisses reports and approves
    # extensions for the incidents under its node (incidents.authority, Relation.DUTY_CHIEF).
    duty = models.CharField(_("职责"), max_length=12, blank=True, choices=[("duty_chief", _("值班长"))])

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["org_node__code", "name"]
        constraints = [
            models.CheckConstraint(
                name="post_a_and_b_differ",
                condition=Q(holder_a__isnull=True) | Q(holder_b__isnull=True) | ~Q(holder_a=models.F("holder_b")),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def acting_holder(self):
        return self.holder_b if self.a_absent and self.holder_b_id else self.holder_a


class GridTeamMember(models.Model):
    """Grid team 1+N+1: one governor (网格长/治理员), N assistants (协管员), one supervisor (监督员) per grid."""

    class TeamRole(models.TextChoices):
        GOVERNOR = "governor", _("网格长")
        ASSISTANT = "assistant", _("协管员")
        SUPERVISOR = "supervisor", _("监督员")

    grid = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="team_members", verbose_name=_("网格"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_memberships",
                             verbose_name=_("账号"))
    team_role = models.CharField(_("团队角色"), max_length=12, choices=TeamRole.choices)

    class Meta:
        verbose_name = _("网格团队成员")
        verbose_name_plural = _("网格团队成员")
        constraints = [
            models.UniqueConstraint(
                fields=["grid"], condition=Q(team_role="governor"), name="gridteam_one_governor"
            ),
            models.UniqueConstraint(
                fields=["grid"], condition=Q(team_role="supervisor"), name="gridteam_one_supervisor"
            ),
            models.UniqueConstraint(fields=["grid", "user"], name="gridteam_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.get_team_role_display()} {self.user_id}"
