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
from accounts.cognito.types import CognitoUser
from accounts.staff import selectors, service
from accounts.staff.formats import STAFF_TIME_FORMAT
from accounts.staff.registry import (
    CHANGE_PERMISSION,
    DELETE_PERMISSION,
    MANAGE_PERMISSION,
    Actor,
    StaffAction,
)
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


def refusal_page(
    request: HttpRequest,
    site: admin.AdminSite,
    spec: StaffAction,
    user: CognitoUser,
    *,
    params: dict[str, str] | None = None,
) -> HttpResponse | None:
    """The 403 page when the portal's own rules refuse ``spec`` on ``user`` for the signed-in staff member
    (``service.refusal``: group memberships, portal staff and administrators), or None when they do not.

    Pages ask before showing their form, so a GET refuses exactly as the POST does: the same page, status
    and reason, with a link back. Only a POST is audited (as a failure): a GET changes nothing.
    """
    actor = Actor.from_request(request)
    params = {name: value for name, value in (params or {}).items() if value}
    reason = service.refusal(spec, user, actor=actor, params=params)
    if not reason:
        return None
    if request.method == "POST":
        service.refuse(spec.name, user, actor=actor, reason=request.POST.get("reason", ""), **params)
    messages.error(request, reason)
    label = selectors.staff_label(user)
    context = page_context(
        request,
        site,
        _("Not allowed"),
        username=label,
        action=spec,
        detail_url=detail_url(site, user.sub),
    )
    return TemplateResponse(request, "admin/cognito/refused.html", context, status=403)
