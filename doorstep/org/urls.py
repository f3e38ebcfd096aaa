from django.urls import path

from doorstep.org import views

app_name = "org"
urlpatterns = [
    path("", views.org_browser, name="root"),
    path("<str:code>/", views.org_browser, name="node"),
]
