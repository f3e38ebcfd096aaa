from django.urls import path

from doorstep.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.catalog_index, name="index"),
    path("station/<str:code>/", views.station, name="station"),
    path("<str:code>/", views.catalog_notice, name="notice"),
]
