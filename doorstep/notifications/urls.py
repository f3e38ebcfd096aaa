from django.urls import path

from doorstep.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/open/", views.open_message, name="open"),
    path("read-all/", views.mark_all_read, name="read-all"),
]
