"""The hall's pages under /hall/ (namespace "hall"): the staff desk, window and board pages (urls_staff) and the
residents' booking pages (urls_resident)."""

from doorstep.hall import urls_resident, urls_staff

app_name = "hall"
urlpatterns = urls_staff.urlpatterns + urls_resident.urlpatterns
