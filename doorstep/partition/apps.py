from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartitionConfig(AppConfig):
    name = "doorstep.partition"
    label = "partition"
    verbose_name = _("网格划分")
