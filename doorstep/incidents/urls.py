"""Incident pages: the field's (report, my reports, verification) and the command center's and departments' (queue,
orders, map, detail and its actions, categories), one app namespace."""

from django.urls import include, path

app_name = "incidents"
urlpatterns = [
    path("", include("doorstep.incidents.urls_field")),
    path("", include("doorstep.incidents.urls_center")),
    path("", include("doorstep.incidents.urls_figures")),
]
