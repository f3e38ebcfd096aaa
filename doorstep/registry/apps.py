from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RegistryConfig(AppConfig):
    name = "doorstep.registry"
    label = "registry"
    verbose_name = gettext_lazy("人口信息")
