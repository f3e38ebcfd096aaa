from django.urls import path

from doorstep.cases import field_views, print_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("export.xlsx", views.case_export, name="export"),
    path("supervision/", views.supervision, name="supervision"),
    path("queue/", views.approver_queue, name="queue"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("reviews/", views.eligibility_reviews, name="reviews"),
    path("reviews/<int:review_id>/resolve/", views.eligibility_review_resolve_view, name="review-resolve"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/act/", views.case_act, name="act"),
    path("<int:case_id>/deliver/", field_views.case_deliver, name="deliver"),
    path("<int:case_id>/delivery/", views.case_delivery, name="delivery"),
    path("<int:case_id>/rate/", views.case_rate, name="rate"),
    path("<int:case_id>/handovers/<int:handover_id>/receive/", views.handover_receive_view, name="receive"),
    path("bundles/<int:bundle_id>/", views.bundle_detail, name="bundle"),
    path("apply/<str:code>/", views.apply_online, name="apply"),
    path("<int:case_id>/uploads/<int:upload_id>/", views.upload_view, name="upload"),
    # the printed papers: A4 HTML, and ?format=pdf for the same template as a PDF (cases/print_views.py)
    path("<int:case_id>/receipt/", print_views.print_receipt, name="receipt"),
    path("<int:case_id>/notice/", print_views.print_notice, name="notice"),
    path("<int:case_id>/certificate/", print_views.print_certificate, name="certificate"),
    path("<int:case_id>/decision/", print_views.print_decision, name="decision"),
]
