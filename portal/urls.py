"""URL configuration: end-user pages under /accounts/, staff pages inside the admin, health checks."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import health

urlpatterns = [
    # Browsers ask for it on every site: no icon, and no 404 in the console or the log.
    path("favicon.ico", lambda request: HttpResponse(status=204)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    # The language switcher posts here (Django's set_language: POST with CSRF, sets the language cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    # Local mode only (the mailbox answers 404 unless LOCAL_COGNITO is on).
    path("local/", include("accounts.mailbox.urls")),
    path("", RedirectView.as_view(pattern_name="accounts:home", permanent=False)),
]
