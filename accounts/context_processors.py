"""Template context shared by every page: the site name, local mode, the colour mode and the languages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# The colour-mode cookie written by portal/theme.js (a cookie, not localStorage: signing out sends
# Clear-Site-Data "storage", and the choice should survive that). "auto" follows the system setting.
THEME_COOKIE = "portal_theme"
THEMES = ("auto", "light", "dark")


def colour_mode(request: HttpRequest) -> str:
    """The person's colour mode: "light", "dark" or "auto" (the default; the cookie holds the choice)."""
    value = request.COOKIES.get(THEME_COOKIE, "")
    return value if value in THEMES else "auto"


def portal(request: HttpRequest) -> dict:
    """``site_name``, ``local_cognito``, ``colour_mode`` and ``bs_theme`` (the server-rendered
    ``data-bs-theme``: the choice, or "light" for "auto" until theme.js reads the system setting)."""
    mode = colour_mode(request)
    return {
        "site_name": settings.PORTAL_SITE_NAME,
        "local_cognito": settings.LOCAL_COGNITO,
        "colour_mode": mode,
        "bs_theme": "light" if mode == "auto" else mode,
    }
