"""The calendar table: exceptions to the weekend rule, and which years are known (seeded or imported)."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    class Source(models.TextChoices):
        PACKAGE = "package", "chinese-calendar"
        NOTICE = "notice", _("国务院通知导入")
        MANUAL = "manual", _("手工维护")

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=40, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {gettext('上班') if self.is_working_day else gettext('休息')} {self.name}"


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=10, choices=CalendarDay.Source.choices)
    loaded_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        verbose_name = _("已载入年份")
        verbose_name_plural = _("已载入年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
