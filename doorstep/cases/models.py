"""Cases (办件): one application for one item by one applicant, its history, and the daily number counter."""

from django.conf import settings
from django.db import models

from doorstep.cases.workflow import STATE_LABELS, Action, State


class Channel(models.TextChoices):
    WINDOW = "window", "窗口受理"
    ONLINE = "online", "网上申请"
    PROXY = "proxy", "代办"
    GRID = "grid", "网格员代收"


class Case(models.Model):
    number = models.CharField("办件编号", max_length=24, unique=True)
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="cases")
    applicant = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="cases")
    applicant_path = models.CharField("申请人网格编码", max_length=15, db_index=True)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    state = models.CharField("状态", max_length=24, choices=[(s.value, STATE_LABELS[s]) for s in State],
                             default=State.DRAFT, db_index=True)
    review_level = models.CharField("当前层级", max_length=10, default="community")
    review_node = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="cases_in_review")
    center = models.ForeignKey("org.ServiceCenter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases")
    first_contact = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="first_contact_cases")  # 首问负责
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    due_date = models.DateField("承诺办结日期", null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_reason = models.CharField("决定理由", max_length=300, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        indexes = [models.Index(fields=["state", "due_date"], name="case_state_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name}"


class CaseHistory(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=24)
    action = models.CharField(max_length=24, choices=[(a.value, a.value) for a in Action])
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "办件记录"
        verbose_name_plural = "办件记录"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_state}→{self.to_state}"


class CaseNumberCounter(models.Model):
    """The last sequence number given out per district and day; locked while a number is taken."""

    district = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "day"], name="casenumber_one_per_day")]

    def __str__(self) -> str:
        return f"{self.district} {self.day} {self.last}"
