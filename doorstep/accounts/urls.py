from django.urls import path

from doorstep.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_view, name="password"),
    path("unlock/<int:resident_id>/", views.unlock_view, name="unlock"),
    path("tokens/", views.tokens_view, name="tokens"),
]
