"""The field's incident pages (issue #13 item 5): the report form and its duplicate hints and building search, a
reporter's list, the verification list and the verifications done (views_field.py)."""

from django.urls import path

from doorstep.incidents import views_field

urlpatterns = [
    path("report/", views_field.report, name="report"),
    path("report/duplicates/", views_field.duplicates, name="duplicates"),
    path("report/buildings/", views_field.buildings, name="buildings"),
    path("mine/", views_field.mine, name="mine"),
    path("verify/", views_field.verify_list, name="verify-list"),
    path("verify/done/", views_field.verified, name="verified"),
]
