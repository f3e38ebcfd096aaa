from django.urls import path

from doorstep.ratings import views

app_name = "ratings"
urlpatterns = [
    path("follow-ups/", views.follow_up_list, name="follow-ups"),
    path("follow-ups/<int:follow_up_id>/answer/", views.follow_up_answer_view, name="answer"),
    path("<int:rating_id>/appeal/", views.appeal_file_view, name="appeal"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide_view, name="decide"),
    path("pad/", views.pad_pair, name="pad-pair"),
    path("pad/<str:token>/", views.pad, name="pad"),
    path("pad/<str:token>/rate/", views.pad_rate, name="pad-rate"),
]
