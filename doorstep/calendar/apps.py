from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CalendarConfig(AppConfig):
    name = "doorstep.calendar"
    label = "workcalendar"
    verbose_name = gettext_lazy("工作日历")
