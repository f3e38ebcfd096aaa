"""Append-only audit trail. Every event carries a keyed MAC of its content from the moment it is written (a row
inserted without the key is an insertion); a sealer later chains events in order into AuditSeal rows (keyed HMAC over
the previous seal, the seal's own fields and the event), and anchors the chain's tip outside the database (see
audit/anchor.py). Nothing ever UPDATEs or DELETEs either table; on PostgreSQL a trigger enforces it. See decisions.md,
"audit chain sealed in batches" and "audit chain: every trusted field under a MAC, the tip anchored outside"."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Result(models.TextChoices):
        OK = "ok", _("成功")
        DENIED = "denied", _("拒绝")
        FAILED = "failed", _("失败")

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # Plain ids, not foreign keys: deleting an account must never touch the trail.
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("操作人"), max_length=120, blank=True)
    role = models.CharField(_("角色"), max_length=20, blank=True)
    org_path = models.CharField(_("组织编码"), max_length=15, blank=True)
    action = models.CharField(_("动作"), max_length=60, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    target_id = models.CharField(_("对象ID"), max_length=40, blank=True)
    target_label = models.CharField(_("对象"), max_length=120, blank=True)
    summary = models.JSONField(_("变更摘要"), default=dict, blank=True)
    reason = models.CharField(_("事由"), max_length=300, blank=True)
    ip = models.CharField("IP", max_length=45, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.OK)
    # Random per event, under the MAC: two identical events in the same microsecond still differ.
    nonce = models.CharField(_("随机数"), max_length=16, blank=True, default="")
    # HMAC of every column above (audit.services.event_mac). Unique, so a copied row is refused by the database;
    # empty or wrong on a row written without the key.
    mac = models.CharField(_("写入签名"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
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
    # Dated well before the chain tip when it was sealed (a long transaction committed late). Under the seal's MAC.
    late = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("审计封存")
        verbose_name_plural = _("审计封存")

    def __str__(self) -> str:
        return gettext("封存 {seq} → 事件 #{event}").format(seq=self.seq, event=self.event_id)


class AuditChainHead(models.Model):
    """One row, locked only by the sealer; writers never touch it, so they never queue behind each other. Its other
    fields are a copy of the last seal, under `mac`; the sealer continues from the last seal row, not from these."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    sealed_at = models.DateTimeField(null=True, blank=True)
    mac = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return gettext("链尾 {seq}").format(seq=self.seq)
