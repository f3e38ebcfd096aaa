"""Ratings (好差评): five levels and the national dimensions for each concluded case; a bad one opens a follow-up
(整改回访) that the center must answer by a deadline, and the resident sees the answer."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


BAD_LEVELS = {Level.DISSATISFIED, Level.VERY_DISSATISFIED}
class Source(models.TextChoices):
    """Where the rating was given: the resident's phone, the rating pad at the window (评价器) or a text message."""

    APP = "app", "手机评价"
    PAD = "pad", "窗口评价器"
    SMS = "sms", "短信评价"


DIMENSIONS = {"overall": "总体评价", "efficiency": "办事效率", "service": "服务质量", "attitude": "服务态度"}


def _level_check(field: str) -> Q:
    return Q(**{f"{field}__gte": 1, f"{field}__lte": 5})


class Rating(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="rating")
    # the resident's account for app ratings; empty for the window pad and text messages
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    source = models.CharField("评价渠道", max_length=4, choices=Source.choices, default=Source.APP)
    overall = models.PositiveSmallIntegerField("总体评价", choices=Level.choices)
    efficiency = models.PositiveSmallIntegerField("办事效率", choices=Level.choices)
    service = models.PositiveSmallIntegerField("服务质量", choices=Level.choices)
    attitude = models.PositiveSmallIntegerField("服务态度", choices=Level.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    center = models.ForeignKey("org.ServiceCenter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="ratings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        constraints = [models.CheckConstraint(name=f"rating_{f}_1_to_5", condition=_level_check(f))
                       for f in DIMENSIONS]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_overall_display()}"

    @property
    def is_bad(self) -> bool:
        return self.overall in BAD_LEVELS


class FollowUp(models.Model):
    """整改回访: the center's answer to a bad rating, due within a number of working days."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="follow_up")
    org_node = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="follow_ups")
    due_date = models.DateField("答复期限", db_index=True)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        constraints = [models.CheckConstraint(
            name="followup_answered_together",
            condition=Q(answered_at__isnull=True, answered_by__isnull=True)
            | (Q(answered_at__isnull=False, answered_by__isnull=False) & ~Q(answer="")),
        )]

    def __str__(self) -> str:
        return f"整改 {self.rating.case_id}"
