from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "doorstep.org"
    label = "org"
    verbose_name = "组织架构"
