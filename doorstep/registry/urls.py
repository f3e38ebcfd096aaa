from django.urls import path

from doorstep.registry import views, views_changes, views_import

app_name = "registry"
urlpatterns = [
    path("", views.resident_search, name="search"),
    path("<int:resident_id>/", views.resident_detail, name="detail"),
    path("<int:resident_id>/reveal/", views.resident_reveal_view, name="reveal"),
    # registry.changes (issue #12 item 5): reports, the community's review, a rare character's reading
    path("changes/", views_changes.changes_queue, name="changes"),
    path("changes/new/<slug:kind>/", views_changes.change_new, name="change-new"),
    path("changes/<int:change_id>/", views_changes.change_detail, name="change"),
    path("changes/<int:change_id>/<slug:action>/", views_changes.change_act, name="change-act"),
    path("<int:resident_id>/reading/", views_changes.character_reading_view, name="reading"),
    # the district's own ledger (issue #12 items 4 and 6)
    path("import/", views_import.import_index, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import-template"),
    path("import/<str:token>/", views_import.import_job, name="import-job"),
    path("import/<str:token>/confirm/", views_import.import_confirm, name="import-confirm"),
    path("import/<str:token>/problems.xlsx", views_import.import_errors, name="import-errors"),
]
