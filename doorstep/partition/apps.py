from django.apps import AppConfig


class PartitionConfig(AppConfig):
    name = "doorstep.partition"
    label = "partition"
    verbose_name = "网格划分"
