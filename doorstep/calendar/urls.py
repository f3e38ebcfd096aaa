from django.urls import path

from doorstep.calendar import views

app_name = "calendar"
urlpatterns = [path("", views.calendar_index, name="index")]
