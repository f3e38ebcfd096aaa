from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class RatingsConfig(AppConfig):
    name = "doorstep.ratings"
    label = "ratings"
    verbose_name = gettext_lazy("好差评")
