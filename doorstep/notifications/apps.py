from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "doorstep.notifications"
    label = "notifications"
    verbose_name = "消息"
