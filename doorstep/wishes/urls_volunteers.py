"""Pages under /volunteers/ (issue #15 items 1 and 3): the public 志愿者报到 form, the community's roster and
代为报到, one registration and its actions, 我的报到, and 结对帮扶 with its visits."""

from django.urls import path

from doorstep.wishes import views_pairing, views_volunteers

app_name = "volunteers"

urlpatterns = [
    path("join/", views_volunteers.join, name="join"),
    path("join/done/", views_volunteers.join_done, name="join-done"),
    path("roster/", views_volunteers.roster, name="roster"),
    path("roster/new/", views_volunteers.register_at_station, name="register-at-station"),
    path("me/", views_volunteers.me, name="me"),
    path("pairings/", views_pairing.pairings, name="pairings"),
    path("pairings/new/", views_pairing.pairing_new, name="pairing-new"),
    path("pairings/<int:pairing_id>/", views_pairing.pairing_detail, name="pairing"),
    path("pairings/<int:pairing_id>/visit/", views_pairing.pairing_visit, name="pairing-visit"),
    path("pairings/<int:pairing_id>/end/", views_pairing.pairing_end, name="pairing-end"),
    path("<int:volunteer_id>/", views_volunteers.detail, name="detail"),
    path("<int:volunteer_id>/reveal/", views_volunteers.reveal, name="reveal"),
    path("<int:volunteer_id>/<slug:action>/", views_volunteers.act, name="act"),
]
