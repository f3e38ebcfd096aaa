from django.urls import path

from doorstep.ratings import views

app_name = "ratings"
urlpatterns = [
    path("follow-ups/", views.follow_up_list, name="follow-ups"),
    path("follow-ups/<int:follow_up_id>/answer/", views.follow_up_answer_view, name="answer"),
]
