from django.urls import path

from doorstep.partition import views

app_name = "partition"
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("<int:proposal_id>/", views.proposal_detail, name="detail"),
    path("<int:proposal_id>/act/", views.proposal_act, name="act"),
    path("<int:proposal_id>/moves.xlsx", views.proposal_moves_export, name="moves"),
]
