"""What every staff page shares: permission checks, the admin context, URLs, Cognito trouble, reports."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.staff.formats import STAFF_TIME_FORMAT
from accounts.staff.registry import CHANGE_PERMISSION, DELETE_PERMISSION, MANAGE_PERMISSION
from accounts.staff.reports import Report, unavailable

RETRY_AFTER_SECONDS = 30
LEVELS = {"success": messages.SUCCESS, "warning": messages.WARNING, "error": messages.ERROR}


def require(request: HttpRequest, permission: str) -> None:
    """Raise ``PermissionDenied`` (403) unless the signed-in staff member has ``permission``."""
    if not request.user.has_perm(permission):
        raise PermissionDenied


def page_context(request: HttpRequest, site: admin.AdminSite, title: str, **extra: Any) -> dict[str, Any]:
    """The admin's own context plus what every Cognito page uses."""
    return {
        **site.each_context(request),
        "title": title,
        "list_url": list_url(site),
        "can_manage": request.user.has_perm(MANAGE_PERMISSION),
        "can_delete": request.user.has_perm(DELETE_PERMISSION),
        "can_change": request.user.has_perm(CHANGE_PERMISSION),
        "time_format": STAFF_TIME_FORMAT,
        **extra,
    }


def list_url(site: admin.AdminSite) -> str:
    """The user list's URL."""
    return reverse("admin:cognito_user_list", current_app=site.name)


def detail_url(site: admin.AdminSite, sub: str) -> str:
    """The user page of the user with this sub."""
    return reverse("admin:cognito_user_detail", kwargs={"sub": sub}, current_app=site.name)


def action_url(site: admin.AdminSite, sub: str, action: str, **query: str) -> str:
    """The confirmation page of ``action`` for the user ``sub``, with ``query`` parameters."""
    url = reverse("admin:cognito_user_action", kwargs={"sub": sub, "action": action}, current_app=site.name)
    return url + "?" + encode(**query) if query else url


def encode(**params: str) -> str:
    """URL-encode ``params`` as a query string (without the ``?``)."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    return query.urlencode()


def say_unavailable(request: HttpRequest, exc: errors.CognitoUnavailable) -> None:
    """Tell the person Cognito could not be asked and nothing changed."""
    messages.error(request, unavailable(exc))


def say(request: HttpRequest, report: Report) -> None:
    """Show a ``Report`` as an admin message of its level."""
    messages.add_message(request, LEVELS[report.level], report.text)


def with_retry(response: HttpResponse) -> HttpResponse:
    """Mark a response as "Cognito is unavailable": 503 with ``Retry-After``."""
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def not_found(request: HttpRequest, site: admin.AdminSite, name: str) -> HttpResponse:
    """The 404 page for a user that does not exist (any more), with a link back to the list."""
    context = page_context(request, site, _("User not found"), username=name)
    return TemplateResponse(request, "admin/cognito/user_not_found.html", context, status=404)
