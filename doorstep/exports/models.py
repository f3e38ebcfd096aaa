"""Background exports (issue #11 item 9): a large export is a job a huey worker writes to a file, with progress the
page shows, so that no request holds a worker for half a minute and no export stops silently at a cap."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def new_token() -> str:
    """The job's public name in its page's address: 128 random bits, so one user cannot guess another's."""
    return uuid.uuid4().hex


class ExportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    token = models.CharField(_("编号"), max_length=32, unique=True, default=new_token)
    owner = models.ForeignKey("accounts.User", verbose_name=_("导出人"), on_delete=models.CASCADE,
                              related_name="export_jobs")
    kind = models.CharField(_("类别"), max_length=40)  # a key of settings.DOORSTEP_EXPORTERS
    params = models.JSONField(_("条件"), default=dict, blank=True)
    description = models.CharField(_("内容说明"), max_length=300)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已写行数"), default=0)
    file_name = models.CharField(_("文件"), max_length=120, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    error = models.CharField(_("失败原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    started_at = models.DateTimeField(pgettext_lazy("export job", "开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # the language of the page that asked for it: the worker writes the file in it (empty: the site's language)
    language = models.CharField(_("语言"), max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["owner", "-id"], name="exports_owner_recent")]

    def __str__(self) -> str:
        return f"{self.description} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
