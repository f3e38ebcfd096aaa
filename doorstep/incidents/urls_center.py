"""The command center's and departments' pages (issue #13 item 5): the queue and its tabs, a department's orders,
the map and its GeoJSON, the categories office, the incident page with its actions, and photos."""

from django.urls import path

from doorstep.incidents import views_center, views_detail

urlpatterns = [
    path("center/", views_center.center_page, name="center"),
    path("center/dispatch/", views_center.center_dispatch, name="center-dispatch"),
    path("center/overdue/", views_center.center_overdue, name="center-overdue"),
    path("center/export.xlsx", views_center.center_export, name="center-export"),
    path("orders/", views_center.orders_page, name="orders"),
    path("map/", views_center.map_page, name="map"),
    path("map.geojson", views_center.map_data, name="map-data"),
    path("categories/", views_center.categories_page, name="categories"),
    path("categories/export.<str:fmt>", views_center.categories_export, name="categories-export"),
    path("photos/<int:pk>/", views_center.photo, name="photo"),
    path("<int:pk>/", views_detail.incident_page, name="detail"),
    path("<int:pk>/<slug:action>/", views_detail.incident_act, name="act"),
]
