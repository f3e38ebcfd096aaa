from django.urls import path

from doorstep.org import views

app_name = "org"
urlpatterns = [
    path("", views.org_browser, name="root"),
    # 服务中心 before the node browser's catch-all code
    path("centers/", views.center_list, name="centers"),
    path("centers/new/", views.center_new, name="center-new"),
    path("centers/<int:center_id>/", views.center_detail, name="center"),
    path("centers/<int:center_id>/edit/", views.center_edit, name="center-edit"),
    path("centers/<int:center_id>/windows/", views.window_add, name="window-add"),
    path("centers/<int:center_id>/windows/<int:window_id>/", views.window_edit, name="window-edit"),
    path("centers/<int:center_id>/windows/<int:window_id>/delete/", views.window_remove, name="window-delete"),
    path("centers/<int:center_id>/hours/", views.hours_new, name="hours-add"),
    path("centers/<int:center_id>/hours/<int:hours_id>/delete/", views.hours_remove, name="hours-delete"),
    path("centers/<int:center_id>/posts/", views.post_add, name="post-add"),
    path("centers/<int:center_id>/posts/<int:post_id>/", views.post_edit, name="post-edit"),
    path("centers/<int:center_id>/posts/<int:post_id>/delete/", views.post_remove, name="post-delete"),
    path("<str:code>/", views.org_browser, name="node"),
]
