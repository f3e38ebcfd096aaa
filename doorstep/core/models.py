"""Shared records that belong to no single bounded context. IdempotencyKey: one row per create a client asked for,
so that a doubled or retried submission returns the first result (see doorstep.core.idempotency)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A claimed submission key: who sent it, for what kind of create, a digest of what was sent, and what it made.

    The unique (actor, key) constraint is what makes a create happen once: the claim is the first write of the
    create's transaction, so a second claim waits on the index until the first commits, then fails and reads it.
    """

    # A plain id like the audit trail's: keys are short-lived housekeeping, purged after
    # DOORSTEP_IDEMPOTENCY_KEEP_DAYS, and core depends on no app above it.
    actor_id = models.BigIntegerField(_("提交人ID"))
    key = models.CharField(_("提交编号"), max_length=64)
    kind = models.CharField(_("类别"), max_length=40)
    fingerprint = models.CharField(_("内容摘要"), max_length=64)
    target_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    target_id = models.CharField(_("对象ID"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("提交编号")
        verbose_name_plural = _("提交编号")
        constraints = [models.UniqueConstraint(fields=["actor_id", "key"], name="core_idempotency_actor_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
