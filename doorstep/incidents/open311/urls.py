"""/open311/v2/: the GeoReport v2 resources, each as .xml or .json (doorstep/urls.py mounts this module)."""

from django.urls import path, re_path

from doorstep.incidents.open311 import views

FMT = r"(?P<fmt>xml|json)"

urlpatterns = [
    path("", views.root, name="open311-root"),
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="open311-discovery"),
    re_path(rf"^services\.{FMT}$", views.services, name="open311-services"),
    re_path(rf"^services/(?P<code>[^/]+)\.{FMT}$", views.service_definition, name="open311-service"),
    re_path(rf"^requests\.{FMT}$", views.requests, name="open311-requests"),
    re_path(rf"^requests/(?P<number>[^/]+)\.{FMT}$", views.request_one, name="open311-request"),
    re_path(rf"^tokens/(?P<token>[^/]+)\.{FMT}$", views.token, name="open311-token"),
    re_path(r"^media/(?P<token>[A-Za-z0-9_:-]+)\.(?P<ext>jpg|png|webp)$", views.media, name="open311-media"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
