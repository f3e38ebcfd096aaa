from django.urls import path

from doorstep.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list, name="list"),
    path("<str:token>/", views.export_status, name="status"),
    path("<str:token>/download/", views.export_download, name="download"),
]
