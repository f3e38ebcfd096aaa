from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WishesConfig(AppConfig):
    name = "doorstep.wishes"
    label = "wishes"
    verbose_name = gettext_lazy("社区志愿服务")
