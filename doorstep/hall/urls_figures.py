from django.urls import path

from doorstep.hall import views_figures

urlpatterns = [path("figures/", views_figures.figures, name="figures")]
