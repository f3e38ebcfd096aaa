from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "doorstep.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from doorstep.core import checks  # noqa: F401  (registers the transport system checks)
