from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class IncidentsConfig(AppConfig):
    name = "doorstep.incidents"
    label = "incidents"
    verbose_name = gettext_lazy("事件与诉求")
