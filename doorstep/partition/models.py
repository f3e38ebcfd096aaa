"""Grid proposals (网格划分方案): drawn by the partitioner, reviewed by a person, applied or discarded, and undone
if need be. A proposal keeps what it was drawn from, so applying it to changed data is refused."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class GridProposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待审核")
        APPLIED = "applied", _("已实施")
        UNDONE = "undone", _("已撤销实施")
        DISCARDED = "discarded", _("已放弃")

    scope = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="grid_proposals")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    keep_current = models.BooleanField(_("保留仍合格的网格"), default=False)
    report = models.JSONField(_("质量报告"), default=dict)
    # grids: [{key, community, code (kept or null), building_ids, households, geometry, compactness, connected}]
    # before: {building id: grid code} when drawn; undo: what applying replaced
    grids = models.JSONField(_("方案网格"), default=list)
    before = models.JSONField(_("划分前"), default=dict)
    undo = models.JSONField(_("撤销数据"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("网格划分方案")
        verbose_name_plural = _("网格划分方案")
        ordering = ["-id"]

    def __str__(self) -> str:
        return gettext("方案{number} {scope} {status}").format(number=self.pk, scope=self.scope.name,
                                                             status=self.get_status_display())


class GridMove(models.Model):
    """One household that applying a proposal moved from one grid to another (every one is reported)."""

    proposal = models.ForeignKey(GridProposal, on_delete=models.CASCADE, related_name="moves")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    from_code = models.CharField(max_length=15)
    to_code = models.CharField(max_length=15)

    class Meta:
        indexes = [models.Index(fields=["proposal", "to_code"], name="gridmove_proposal_to")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.from_code}→{self.to_code}"
