from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class HallConfig(AppConfig):
    name = "doorstep.hall"
    label = "hall"
    verbose_name = gettext_lazy("办事大厅")
