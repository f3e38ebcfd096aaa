from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "doorstep.exports"
    verbose_name = "导出"
    default_auto_field = "django.db.models.BigAutoField"
