"""Append-only audit trail. Writers only INSERT events; a sealer later chains them in order into AuditSeal rows
(keyed HMAC over the previous seal, the sequence number and the event's content). Nothing ever UPDATEs or DELETEs
either table; on PostgreSQL a trigger enforces it. See decisions.md, "audit chain sealed in batches"."""

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Result(models.TextChoices):
        OK = "ok", "成功"
        DENIED = "denied", "拒绝"
        FAILED = "failed", "失败"

    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # Plain ids, not foreign keys: deleting an account must never touch the trail.
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True, db_index=True)
    actor_label = models.CharField("操作人", max_length=120, blank=True)
    role = models.CharField("角色", max_length=20, blank=True)
    org_path = models.CharField("组织编码", max_length=15, blank=True)
    action = models.CharField("动作", max_length=60, db_index=True)
    target_type = models.CharField("对象类型", max_length=40, blank=True)
    target_id = models.CharField("对象ID", max_length=40, blank=True)
    target_label = models.CharField("对象", max_length=120, blank=True)
    summary = models.JSONField("变更摘要", default=dict, blank=True)
    reason = models.CharField("事由", max_length=300, blank=True)
    ip = models.CharField("IP", max_length=45, blank=True)
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.OK)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"


class AuditSeal(models.Model):
    """The chain: seal `seq` covers one event and links to seal `seq - 1` through `prev_hash`."""

    seq = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)
    # Dated well before the chain tip when it was sealed: an insertion after the fact (reported by verify).
    late = models.BooleanField(default=False)

    class Meta:
        verbose_name = "审计封存"
        verbose_name_plural = "审计封存"

    def __str__(self) -> str:
        return f"封存 {self.seq} → 事件 #{self.event_id}"


class AuditChainHead(models.Model):
    """One row, locked only by the sealer; writers never touch it, so they never queue behind each other."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    sealed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"链尾 {self.seq}"
