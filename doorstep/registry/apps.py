from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "doorstep.registry"
    label = "registry"
    verbose_name = "人口信息"
