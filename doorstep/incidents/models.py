"""Incidents (事件) and residents' requests (诉求): the categories they fall in, the reports, the orders sent to
departments (派单), their photos, history, verification and meeting records, extension requests, escalations,
ratings and follow-ups, the dispatcher's decisions (the suggestion's training data) and the daily number counter.
Data only, with the constraints in the database; writes go through services/."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doorstep.core.lookups import literal_in_q
from doorstep.incidents.workflow import (
    ACTIVE_ORDER_STATES,
    HANDLING_RUNNING,
    ORDER_STATE_LABELS,
    RESOLUTION_LABELS,
    STATE_CONTEXT,
    STATE_LABELS,
    TIER_LABELS,
    Action,
    OrderState,
    Resolution,
    State,
    Tier,
)


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("工作小时")
    DAYS = "days", _("工作日")


class Priority(models.TextChoices):
    URGENT = "urgent", _("紧急")
    HIGH = "high", _("较急")
    NORMAL = "normal", _("一般")


TIER_CHOICES = [(t.value, _(TIER_LABELS[t])) for t in Tier]  # the labels are marked in workflow.py


class Category(models.Model):
    """An incident category (事件/部件类别) after GB/T 30428.2's classes, plus community matters (社区事务): which
    department leads it, how urgent it is, its response and handling limits on the working-day calendar, the tier it
    is handled at by default and whether on-site verification needs a photo. Imported and exported as YAML or Excel
    (incidents.services.categories)."""

    class Kind(models.TextChoices):
        EVENT = "event", _("事件")
        COMPONENT = "component", _("部件")
        COMMUNITY = "community", _("社区事务")

    code = models.CharField(_("编码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    major = models.CharField(_("大类"), max_length=20)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    lead_department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="categories",
                                        verbose_name=_("主办部门"))
    priority = models.CharField(_("紧急程度"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    response_limit = models.PositiveSmallIntegerField(_("响应时限"))
    response_unit = models.CharField(_("响应时限单位"), max_length=5, choices=LimitUnit.choices,
                                     default=LimitUnit.HOURS)
    handling_limit = models.PositiveSmallIntegerField(_("处置时限"))
    handling_unit = models.CharField(_("处置时限单位"), max_length=5, choices=LimitUnit.choices,
                                     default=LimitUnit.DAYS)
    default_tier = models.CharField(_("默认处置方式"), max_length=10, choices=TIER_CHOICES, default=Tier.DISPATCH)
    verify_photo = models.BooleanField(_("核查须拍照"), default=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="incidentcategory_limits_positive",
                                   condition=Q(response_limit__gt=0, handling_limit__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Kind(models.TextChoices):
    INCIDENT = "incident", _("事件")  # found in the street by a grid worker or typed in by the center
    REQUEST = "request", _("诉求")  # a resident's own request (一呼即应 / 接诉即办)


class Channel(models.TextChoices):
    GRID = "grid", _("网格员上报")
    RESIDENT = "resident", _("居民诉求")
    PHONE = "phone", _("电话受理")
    OPEN311 = "open311", _("开放接口")


class Incident(models.Model):
    """One report (事件 or 诉求): what, where, who reported it, where it stands in the loop, its clocks and counts.

    `path` is the org code of the place (its grid's code when the point falls in a grid, else its community's or
    street's), the scope every query filters on. The reporter's identity: the submitting account (`submitted_by`,
    also the owner of the idempotency key), the resident it was (residents), or a caller's name and encrypted phone
    (phone calls); `hide_identity` hides them from departments, never from the command center.
    """

    number = models.CharField(_("事件编号"), max_length=24, unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents",
                                 verbose_name=_("类别"))
    description = models.TextField(_("问题描述"), max_length=2000)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    grid = models.ForeignKey("org.OrgNode", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents",
                             verbose_name=_("网格"), db_index=False)
    path = models.CharField(_("所在区域编码"), max_length=15)
    building = models.ForeignKey("registry.Building", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="incidents", db_index=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("提交账号"))
    reporter_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="reported_incidents", verbose_name=_("报告人账号"))
    reporter_resident = models.ForeignKey("registry.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="incidents", verbose_name=_("报告居民"))
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    caller_phone = models.BinaryField(_("来电号码（加密）"), null=True, blank=True)
    caller_phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    hide_identity = models.BooleanField(_("对部门隐藏身份"), default=False)
    state = models.CharField(_("状态"), max_length=16, default=State.REPORTED,
                             choices=[(s.value, pgettext_lazy(STATE_CONTEXT, STATE_LABELS[s])) for s in State])
    tier = models.CharField(_("处置方式"), max_length=10, choices=TIER_CHOICES, default=Tier.DISPATCH)
    priority = models.CharField(_("紧急程度"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    resolution = models.CharField(_("处置结果"), max_length=10, blank=True,
                                  choices=[(r.value, _(RESOLUTION_LABELS[r])) for r in Resolution])
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged",
                                    verbose_name=_("合并到"))
    dismiss_reason = models.CharField(_("不予立案理由"), max_length=300, blank=True)
    reported_at = models.DateTimeField(_("上报时间"))
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    # the clocks of the current dispatch (working time, calendar app); moved by approved extensions
    response_due = models.DateTimeField(_("响应期限"), null=True, blank=True)
    handling_due = models.DateTimeField(_("处置期限"), null=True, blank=True)
    closed_in_time = models.BooleanField(_("按期处置"), null=True, blank=True)
    handling_seconds = models.PositiveIntegerField(_("处置用时（工作秒）"), null=True, blank=True)
    sla_mark = models.CharField(_("监察标记"), max_length=8, blank=True)  # "", "due_soon", "overdue"
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    # the dispatch suggestion shown when the report came in (incidents.suggest)
    suggestion = models.JSONField(_("派遣建议"), default=dict, blank=True)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        indexes = [
            models.Index(fields=["path", "state"], name="incident_path_state"),
            models.Index(fields=["state", "id"], name="incident_state_id"),
            models.Index(fields=["reported_at", "id"], name="incident_reported_id"),
            models.Index(fields=["reporter_user", "id"], name="incident_reporter_id"),
            models.Index(fields=["category", "reported_at"], name="incident_category_reported"),
            # the indicators count by when an incident was registered and closed (incidents/indicators/)
            models.Index(fields=["registered_at"], name="incident_registered"),
            models.Index(fields=["closed_at"], name="incident_closed"),
            # the open orders by due time: the supervision sweep and the command center's overdue list
            models.Index(fields=["handling_due", "id"], condition=literal_in_q("state", HANDLING_RUNNING),
                         name="incident_running_due"),
        ]
        constraints = [
            models.CheckConstraint(name="incident_merged_has_target",
                                   condition=~Q(state=State.MERGED) | Q(merged_into__isnull=False)),
            models.CheckConstraint(name="incident_not_merged_into_itself",
                                   condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("id"))),
        ]

    def __str__(self) -> str:
        return self.number


class IncidentNumberCounter(models.Model):
    """The last sequence number given out per district and day; locked while a number is taken."""

    district = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "day"], name="incidentnumber_one_per_day")]

    def __str__(self) -> str:
        return f"{self.district} {self.day} {self.last}"


class DispatchOrder(models.Model):
    """An order (派单) to one department: the lead (主办) or a co-department of a whistle (协办), with its part and
    deadline, and what the department did with it. A returned or cancelled order stays as the record of it."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        CO = "co", _("协办")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="orders")
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="orders",
                                   verbose_name=_("部门"))
    role = models.CharField(_("承办方式"), max_length=4, choices=Role.choices)
    part = models.CharField(_("承办任务"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=10, default=OrderState.SENT,
                             choices=[(s.value, pgettext_lazy("order state", ORDER_STATE_LABELS[s]))
                                      for s in OrderState])
    round = models.PositiveSmallIntegerField(_("派遣轮次"), default=1)
    sent_at = models.DateTimeField(_("派单时间"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    response_due = models.DateTimeField(_("响应期限"))
    due_at = models.DateTimeField(_("处置期限"))
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    done_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    note = models.CharField(_("处置说明"), max_length=500, blank=True)
    returned_at = models.DateTimeField(_("退单时间"), null=True, blank=True)
    return_reason = models.CharField(_("退单理由"), max_length=300, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    sla_mark = models.CharField(_("监察标记"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["department", "state", "id"], name="order_department_state"),
            models.Index(fields=["sent_at"], name="order_sent"),  # 退单率 and 响应率 by the period sent
            models.Index(fields=["due_at", "id"], condition=literal_in_q("state", (OrderState.SENT,
                                                                                  OrderState.ACCEPTED)),
                         name="order_running_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["incident", "department"],
                                    condition=literal_in_q("state", ACTIVE_ORDER_STATES),
                                    name="order_one_active_per_department"),
            models.UniqueConstraint(fields=["incident"],
                                    condition=Q(role="lead") & literal_in_q("state", ACTIVE_ORDER_STATES),
                                    name="order_one_active_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.department_id} ({self.role})"


class IncidentHistory(models.Model):
    """One step of the loop: who did what from which state to which, when, with what note; the order it touched."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=16)
    action = models.CharField(max_length=20)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    order = models.ForeignKey(DispatchOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              db_index=False)
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("事件记录")
        verbose_name_plural = _("事件记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.from_state}→{self.to_state}"


HISTORY_ACTIONS = [a.value for a in Action]


class Verification(models.Model):
    """An on-site verification (核查): who checked, when, whether the problem is really fixed, with a photo where the
    category asks for one. A failed one sends the incident back as rework (返工)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="verifications")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("核查通过"))
    note = models.CharField(_("核查说明"), max_length=500, blank=True)
    at = models.DateTimeField(_("核查时间"))
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("核查记录")
        verbose_name_plural = _("核查记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {'✓' if self.passed else '✗'}"


class Meeting(models.Model):
    """A meeting on a complex matter (会议处置) before it is dispatched: who took part and what was decided."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="meetings")
    held_at = models.DateTimeField(_("会议时间"))
    participants = models.CharField(_("参会人员"), max_length=500)
    decisions = models.TextField(_("议定事项"), max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.held_at:%Y-%m-%d}"


class IncidentPhoto(models.Model):
    """A photo of an incident, stored only as re-encoded without EXIF (incidents.photos): at the report, after
    handling, or at verification."""

    class Stage(models.TextChoices):
        REPORT = "report", _("上报照片")
        HANDLED = "handled", _("处置后照片")
        VERIFICATION = "verification", _("核查照片")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("环节"), max_length=12, choices=Stage.choices)
    order = models.ForeignKey(DispatchOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    verification = models.ForeignKey(Verification, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="photos")
    file = models.FileField(upload_to="incidents/%Y/%m/")
    content_type = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.stage} {self.sha256[:8]}"


class ExtensionRequest(models.Model):
    """A department asks for more time on its order (延期申请); the 值班长 approves or refuses it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")

    order = models.ForeignKey(DispatchOrder, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    value = models.PositiveSmallIntegerField(_("延长"))
    unit = models.CharField(_("单位"), max_length=5, choices=LimitUnit.choices)
    reason = models.CharField(_("理由"), max_length=300)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    new_due = models.DateTimeField(_("新的处置期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(status="pending"), name="extension_one_pending"),
            models.CheckConstraint(name="extension_value_positive", condition=Q(value__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} +{self.value}{self.unit}"


class Escalation(models.Model):
    """An overdue order escalated one level (督办): to the department's head, then the district leader
    (DOORSTEP_INCIDENT_ESCALATION). One row per order and level, so a sweep run twice escalates once."""

    order = models.ForeignKey(DispatchOrder, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(_("督办级别"))
    at = models.DateTimeField(_("督办时间"))
    notified = models.JSONField(_("通知对象"), default=list)

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["order", "level"], name="escalation_once_per_level")]

    def __str__(self) -> str:
        return f"{self.order_id} L{self.level}"


class IncidentRating(models.Model):
    """The reporter's rating (好差评, five levels) of how their request was closed, given by themselves or taken
    down on the follow-up call (回访). One per report and closing (a reopened report is rated again); merged reporters
    rate the incident their report was merged into."""

    class Source(models.TextChoices):
        SELF = "self", _("本人评价")
        FOLLOW_UP = "follow_up", _("回访记录")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ratings")
    report = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("报告"))  # the rater's own report (itself or one merged into it)
    round = models.PositiveSmallIntegerField(default=0)  # the report's reopen count when rated: one per closing
    level = models.PositiveSmallIntegerField(_("满意度"))  # 5 非常满意 … 1 非常不满意 (ratings.Level)
    solved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    comment = models.CharField(_("评价内容"), max_length=300, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("诉求评价")
        verbose_name_plural = _("诉求评价")
        ordering = ["id"]
        indexes = [models.Index(fields=["at"], name="incidentrating_at")]  # 满意率 by the period rated
        constraints = [
            models.UniqueConstraint(fields=["report", "round"], name="incidentrating_one_per_closing"),
            models.CheckConstraint(name="incidentrating_level_range", condition=Q(level__gte=1, level__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.level}"


class DispatchDecision(models.Model):
    """What the dispatcher decided for a report's text, next to what was suggested: the suggestion's training data
    (accepted and overridden alike)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(max_length=2000)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    suggested_department = models.CharField(max_length=20, blank=True)
    suggested_category = models.CharField(max_length=12, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    accepted = models.BooleanField(_("采纳建议"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("派遣决定")
        verbose_name_plural = _("派遣决定")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.department_id}"


class SuggestionModel(models.Model):
    """A trained dispatch-suggestion model (incidents.suggest): the model as plain data (a zip of JSON and numpy
    arrays, never a pickle: Suggester.dumps), when and on how many decisions it was trained, and what it measured on
    the decisions held out."""

    trained_at = models.DateTimeField()
    samples = models.PositiveIntegerField()
    measured = models.JSONField(default=dict, blank=True)
    blob = models.BinaryField()

    class Meta:
        verbose_name = _("派遣建议模型")
        verbose_name_plural = _("派遣建议模型")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M} ({self.samples})"


class Open311Client(models.Model):
    """A client of the Open311 GeoReport v2 interface (开放接口客户端: a 12345 hotline's system, a city app): its name,
    the SHA-256 digest of its api_key (the key is shown once when issued and never stored), and the service account
    its reports are submitted as — a dispatcher of the district's command center, created with the key, that cannot
    log in. An inactive client's key is refused (403)."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    key_digest = models.CharField(max_length=64, unique=True)
    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open311_client",
                                   verbose_name=_("提交账号"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("开放接口客户端")
        verbose_name_plural = _("开放接口客户端")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
