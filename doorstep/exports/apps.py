from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ExportsConfig(AppConfig):
    name = "doorstep.exports"
    verbose_name = gettext_lazy("导出")
    default_auto_field = "django.db.models.BigAutoField"
