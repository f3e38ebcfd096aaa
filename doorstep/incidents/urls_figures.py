"""The figures (事件指标) of the incident loop and the records behind each count (issue #13 item 6)."""

from django.urls import path

from doorstep.incidents import views_figures

urlpatterns = [
    path("figures/", views_figures.figures, name="figures"),
    path("figures/records/", views_figures.figure_records_page, name="figures-records"),
]
