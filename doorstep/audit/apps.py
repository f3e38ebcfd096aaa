from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AuditConfig(AppConfig):
    name = "doorstep.audit"
    label = "audit"
    verbose_name = gettext_lazy("审计")
