"""Ratings (好差评): five levels and the national dimensions for each decided case — concluded, delivered, refused or
rejected (国办发〔2019〕51号: every service is rated); a bad one opens a follow-up (整改回访) that the center's
supervisor or leader must answer by a deadline, and the resident sees the answer. The rated staff member may appeal a
malicious bad rating to the district (申诉复核); an upheld appeal keeps the rating but leaves it out of the figures."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_LEVELS = {Level.DISSATISFIED, Level.VERY_DISSATISFIED}


class Source(models.TextChoices):
    """Where the rating was given: the resident's phone, the rating pad at the window (评价器) or a text message."""

    APP = "app", _("手机评价")
    PAD = "pad", _("窗口评价器")
    SMS = "sms", _("短信评价")


DIMENSIONS = {"overall": _("总体评价"), "efficiency": _("办事效率"), "service": _("服务质量"),
              "attitude": _("服务态度")}


# The rating pad at the counter asks one question (five faces: the overall level); the other dimensions are then
# not asked and stay empty rather than copied from the overall level.
PAD_UNASKED = ("efficiency", "service", "attitude")


def _level_check(field: str) -> Q:
    in_range = Q(**{f"{field}__gte": 1, f"{field}__lte": 5})
    return in_range if field == "overall" else Q(**{f"{field}__isnull": True}) | in_range


class Rating(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="rating")
    # the resident's account for app ratings; empty for the window pad and text messages
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    source = models.CharField(_("评价渠道"), max_length=4, choices=Source.choices, default=Source.APP)
    overall = models.PositiveSmallIntegerField(_("总体评价"), choices=Level.choices)
    efficiency = models.PositiveSmallIntegerField(_("办事效率"), choices=Level.choices, null=True, blank=True)
    service = models.PositiveSmallIntegerField(_("服务质量"), choices=Level.choices, null=True, blank=True)
    attitude = models.PositiveSmallIntegerField(_("服务态度"), choices=Level.choices, null=True, blank=True)
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    center = models.ForeignKey("org.ServiceCenter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="ratings")
    # 被评价人: who served the applicant — the clerk at the pad, else the case's first contact (首问); may appeal
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="ratings_received")
    # an upheld appeal (申诉成立) leaves the rating out of the figures; it is kept and shown as such, never deleted
    excluded = models.BooleanField(_("不计入统计"), default=False, db_default=False)
    # the SMS page has no account to hold an idempotency key: the form's key is kept here so that a doubled
    # submission of the same page is recognised as the first one
    submission_key = models.CharField(max_length=64, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
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
    due_date = models.DateField(_("答复期限"), db_index=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        constraints = [models.CheckConstraint(
            name="followup_answered_together",
            condition=Q(answered_at__isnull=True, answered_by__isnull=True)
            | (Q(answered_at__isnull=False, answered_by__isnull=False) & ~Q(answer="")),
        )]

    def __str__(self) -> str:
        return gettext("整改 {case}").format(case=self.rating.case_id)


class Appeal(models.Model):
    """申诉复核: the rated staff member disputes a bad rating as malicious or mistaken; the district decides it with a
    reason. Upheld → the rating is excluded from the figures (Rating.excluded), kept and shown as such; dismissed →
    it counts as before. One appeal per rating."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待复核")
        UPHELD = "upheld", _("申诉成立")
        DISMISSED = "dismissed", _("申诉不成立")

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("申诉理由"))
    district = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="rating_appeals")
    filed_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    due_date = models.DateField(_("复核期限"), db_index=True)
    outcome = models.CharField(_("复核结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("复核理由"), blank=True)

    class Meta:
        verbose_name = _("差评申诉")
        verbose_name_plural = _("差评申诉")
        constraints = [models.CheckConstraint(
            name="appeal_decided_together",
            condition=Q(outcome="pending", decided_by__isnull=True, decided_at__isnull=True)
            | (Q(outcome__in=["upheld", "dismissed"], decided_by__isnull=False, decided_at__isnull=False)
               & ~Q(decision_reason="")),
        )]

    def __str__(self) -> str:
        return gettext("申诉 {case} {outcome}").format(case=self.rating.case_id, outcome=self.get_outcome_display())
