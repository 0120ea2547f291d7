"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    return {"site_name": settings.PORTAL_SITE_NAME, "local_cognito": settings.LOCAL_COGNITO}
