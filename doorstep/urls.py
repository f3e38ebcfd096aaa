from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from doorstep.api import api
from doorstep.cases import field_views as case_field_views
from doorstep.cases import views as case_views
from doorstep.catalog import manage_views as catalog_manage
from doorstep.core import views as core_views
from doorstep.core.elder import elder_switch
from doorstep.ratings import views as rating_views

admin.site.site_header = _("家门口办事 · 主数据管理")
admin.site.site_title = _("家门口办事")
admin.site.index_title = _("主数据")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("doorstep.accounts.urls")),
    path("org/", include("doorstep.org.urls")),
    path("services/", include("doorstep.catalog.urls")),
    path("catalog-admin/", catalog_manage.catalog_admin, name="catalog-admin"),
    path("catalog-admin/export.<str:fmt>", catalog_manage.catalog_admin_export, name="catalog-admin-export"),
    path("window/", case_views.window, name="window"),
    path("window/accept/", case_views.window_accept, name="window-accept"),
    path("window/accept-bundle/", case_views.window_accept_bundle, name="window-accept-bundle"),
    path("window/collect/", case_field_views.window_collect, name="window-collect"),
    path("cases/", include("doorstep.cases.urls")),
    path("incidents/", include("doorstep.incidents.urls")),
    path("hall/", include("doorstep.hall.urls")),
    path("wishes/", include("doorstep.wishes.urls_wishes")),
    path("volunteers/", include("doorstep.wishes.urls_volunteers")),
    path("activities/", include("doorstep.wishes.urls_activities")),
    path("open311/v2/", include("doorstep.incidents.open311.urls")),
    path("grids/", include("doorstep.partition.urls")),
    path("calendar/", include("doorstep.calendar.urls")),
    path("t/", case_views.track_form, name="track-form"),
    path("t/<str:code>/", case_views.track, name="track"),
    path("verify/<str:code>/", case_views.verify, name="verify"),
    path("inbox/", include("doorstep.notifications.urls")),
    path("ratings/", include("doorstep.ratings.urls")),
    path("r/<str:token>/", rating_views.sms_rate, name="rating-sms"),  # the SMS rating link: signed, one-time
    path("residents/", include("doorstep.registry.urls")),
    path("audit/", include("doorstep.audit.urls")),
    path("exports/", include("doorstep.exports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("elder/", elder_switch, name="elder-switch"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/docs", core_views.api_docs_redirect, name="api-docs"),
    # browsers ask for /favicon.ico whatever the page's <link rel="icon"> says (and the admin's pages have none)
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
]

handler400 = "doorstep.core.errorpages.bad_request"
handler404 = "doorstep.core.errorpages.not_found"
handler403 = "doorstep.core.errorpages.forbidden"
handler500 = "doorstep.core.errorpages.server_error"
