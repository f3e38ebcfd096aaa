from django.urls import path

from doorstep.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.resident_search, name="search"),
    path("<int:resident_id>/", views.resident_detail, name="detail"),
    path("<int:resident_id>/reveal/", views.resident_reveal_view, name="reveal"),
]
