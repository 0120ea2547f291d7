"""End-user URLs (the interface contract of DESIGN §5)."""

from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"

urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="home"),
    path("login/", TemplateView.as_view(template_name="base.html"), name="login"),
]
