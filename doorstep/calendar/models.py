"""The calendar table: exceptions to the weekend rule, and which years are known (seeded or imported)."""

from django.db import models


class CalendarDay(models.Model):
    class Source(models.TextChoices):
        PACKAGE = "package", "chinese-calendar"
        NOTICE = "notice", "国务院通知导入"
        MANUAL = "manual", "手工维护"

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=40, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '休息'} {self.name}"


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=10, choices=CalendarDay.Source.choices)
    loaded_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        verbose_name = "已载入年份"
        verbose_name_plural = "已载入年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
