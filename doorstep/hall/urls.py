"""The hall's pages under /hall/: the staff's (the arrival desk, the window, the display board), the residents'
(booking on the phone, my bookings and tickets) and the figures."""

from doorstep.hall import urls_figures, urls_resident, urls_staff

app_name = "hall"
urlpatterns = urls_staff.urlpatterns + urls_resident.urlpatterns + urls_figures.urlpatterns
