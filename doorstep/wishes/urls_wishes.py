"""Pages under /wishes/ (issue #15): the public wall and cards, the photos' scoped view, a volunteer's 可认领心愿 and
我的心愿, a resident's 微心愿, a grid worker's 走访收集心愿 and 网格心愿, the community's 心愿审核 and one wish's page.
Ids are taken as text and parsed by the views (core.ids.parse_id): /wishes/abc/ and a 20-digit id are the same 404
as a missing wish."""

from django.urls import path

from doorstep.wishes import views_wall, views_wish_resident, views_wish_staff, views_wish_volunteer

app_name = "wishes"

urlpatterns = [
    path("", views_wall.wall, name="wall"),
    path("near/", views_wish_volunteer.near, name="near"),
    path("claims/", views_wish_volunteer.claims, name="claims"),
    path("mine/", views_wish_resident.mine, name="mine"),
    path("collect/", views_wish_resident.collect, name="collect"),
    path("grid/", views_wish_resident.grid, name="grid"),
    path("review/", views_wish_staff.review, name="review"),
    path("photos/<str:photo_id>/", views_wall.photo, name="photo"),
    path("<str:wish_id>/manage/", views_wish_staff.manage, name="manage"),
    path("<str:wish_id>/", views_wall.card, name="card"),
]
