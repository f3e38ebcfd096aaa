"""Pages under /activities/ (issue #15 item 4): activities and service posts, sign-ups, the QR check-in, the
coordinator's confirmation (views_activities), and the service-hours ledger with its certificate (views_hours)."""

from django.urls import path

from doorstep.wishes import views_activities as a
from doorstep.wishes import views_hours as h

app_name = "activities"

urlpatterns = [
    path("", a.index, name="index"),
    path("mine/", a.mine, name="mine"),
    path("manage/", a.manage, name="manage"),
    path("<int:activity_id>/", a.detail, name="detail"),
    path("<int:activity_id>/sign-up/", a.sign_up, name="sign-up"),
    path("<int:activity_id>/cancel/", a.cancel, name="cancel"),
    path("<int:activity_id>/confirm-all/", a.confirm_all, name="confirm-all"),
    path("signups/<int:signup_id>/cancel/", a.cancel_signup, name="signup-cancel"),
    path("signups/<int:signup_id>/confirm/", a.confirm, name="signup-confirm"),
    path("signups/<int:signup_id>/absent/", a.absent, name="signup-absent"),
    path("checkin/<str:token>/", a.checkin, name="checkin"),
    path("hours/", h.my_hours, name="hours"),
    path("hours/certificate/", h.my_certificate, name="certificate"),
    path("hours/export/", h.export, name="hours-export"),
    path("hours/verify/<str:code>/", h.verify, name="verify"),
    path("hours/entries/<int:entry_id>/correct/", h.correct, name="hours-correct"),
    path("hours/<int:volunteer_id>/", h.volunteer_hours, name="volunteer-hours"),
    path("hours/<int:volunteer_id>/certificate/", h.volunteer_certificate, name="volunteer-certificate"),
]
