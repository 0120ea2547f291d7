"""The portal's admin site: Cognito sign-in only, plus the Cognito user pages inside the admin chrome.

User pages are keyed by sub (DESIGN §8, §10): ``users/<sub>/`` and ``users/<sub>/actions/<action>/`` match
a sub only (``SubConverter``), and any other ``users/<anything>/`` is a GET lookup by username or alias that
redirects to the sub URL, so no name, however it is spelled, can reach an action.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, URLPattern, URLResolver, path, register_converter, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts.staff import standing
from accounts.staff.registry import MANAGE_PERMISSION, VIEW_PERMISSION


class SubConverter:
    """A Cognito sub in a URL: a lower-case UUID, nothing else (``/`` and names never match)."""

    regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SubConverter, "cognito_sub")


class GroupNameConverter:
    """A Cognito group name as one path segment (``groups.url_name``: slashes and reserved words escaped)."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        from accounts.staff.groups import name_from_url

        return name_from_url(value)

    def to_url(self, value: str) -> str:
        from accounts.staff.groups import url_name

        return url_name(value)


register_converter(GroupNameConverter, "cognito_group")
RECENT_ACTIONS = 10  # the staff member's own audited actions on the admin index


class PortalAdminSite(admin.AdminSite):
    site_title = _("Portal staff")
    index_title = _("Staff pages")

    @property
    def site_header(self) -> str:  # type: ignore[override]
        return _("%(site)s staff") % {"site": settings.PORTAL_SITE_NAME}

    # -- access: the Cognito sign-in is the only way in ------------------------------------------------------
    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., Any]:
        """Anonymous people go straight to the Cognito sign-in; signed-in non-staff get a 403.

        Staff members' Cognito standing is re-checked first (``standing.check``): a disabled or deleted
        account loses its sessions, and removed roles take effect on this very request.
        """
        inner = super().admin_view(view, cacheable)

        @functools.wraps(view)
        def gate(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if self.has_permission(request):
                ended = standing.check(request)
                if ended is not None:
                    return ended
            if not self.has_permission(request):
                if request.user.is_authenticated:
                    raise PermissionDenied
                return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
            return inner(request, *args, **kwargs)

        return gate

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """No local passwords: send everyone to the Cognito sign-in (a POST here signs nobody in)."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return HttpResponseRedirect(next_url)
            raise PermissionDenied
        return redirect_to_login(next_url, resolve_url(settings.LOGIN_URL))

    def logout(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Sign out through the portal's own logout, which also revokes the Cognito tokens."""
        try:
            portal_logout = reverse("accounts:sign_out")
        except NoReverseMatch:
            return super().logout(request, extra_context)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        return resolve(portal_logout).func(request)

    def password_change(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        raise Http404(_("Passwords are managed by Cognito: use “Forgot your password?” on the sign-in page."))

    def password_change_done(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        raise Http404(_("Passwords are managed by Cognito."))

    # -- the Cognito user pages ------------------------------------------------------------------------------
    def get_urls(self) -> list[URLResolver | URLPattern]:
        from accounts.staff import views

        def wrap(view: Callable[..., HttpResponse]) -> Callable[..., Any]:
            @functools.wraps(view)
            def bound(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                return view(request, *args, site=self, **kwargs)

            return self.admin_view(bound)

        cognito_urls = [
            path("cognito/", wrap(views.cognito_index), name="cognito_index"),
            path("cognito/invite/", wrap(views.invite), name="cognito_invite"),
            path("cognito/users/", wrap(views.user_list), name="cognito_user_list"),
            path("cognito/users/export.csv", wrap(views.export_csv), name="cognito_user_export"),
            path(
                "cognito/users/<cognito_sub:sub>/actions/<slug:action>/",
                wrap(views.user_action),
                name="cognito_user_action",
            ),
            path(
                "cognito/users/<cognito_sub:sub>/change/", wrap(views.user_change), name="cognito_user_change"
            ),
            path("cognito/users/<cognito_sub:sub>/", wrap(views.user_detail), name="cognito_user_detail"),
            path("cognito/users/<path:name>/", wrap(views.user_lookup), name="cognito_user_lookup"),
            path("cognito/groups/", wrap(views.group_list), name="cognito_group_list"),
            path("cognito/groups/add/", wrap(views.group_add), name="cognito_group_add"),
            path(
                "cognito/groups/<cognito_group:name>/", wrap(views.group_detail), name="cognito_group_detail"
            ),
            path(
                "cognito/groups/<cognito_group:name>/change/",
                wrap(views.group_change),
                name="cognito_group_change",
            ),
            path(
                "cognito/groups/<cognito_group:name>/delete/",
                wrap(views.group_delete),
                name="cognito_group_delete",
            ),
        ]
        return cognito_urls + super().get_urls()

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The admin index; its "Recent actions" are the staff member's own audited actions."""
        from accounts import audit_display
        from accounts.models import AuditEvent

        recent = AuditEvent.objects.filter(actor=request.user).order_by("-created_at", "-id")[:RECENT_ACTIONS]
        rows = audit_display.annotate(recent.select_related("actor"))  # named, never a bare sub
        return super().index(request, {"recent_audit": rows, **(extra_context or {})})

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for model in app["models"]:
                # Django's permission groups, not the pool's groups: named so the two cannot be confused.
                if app["app_label"] == "auth" and model["object_name"] == "Group":
                    model["name"] = _("Django permission groups")
        if app_label is None and request.user.has_perm(VIEW_PERMISSION):
            list_url = reverse("admin:cognito_user_list", current_app=self.name)
            groups_url = reverse("admin:cognito_group_list", current_app=self.name)
            can_manage = request.user.has_perm(MANAGE_PERMISSION)
            app_list.insert(
                0,
                {
                    "name": _("Cognito"),
                    "app_label": "cognito",
                    "app_url": list_url,
                    "has_module_perms": True,
                    "models": [
                        {
                            "name": _("Cognito users"),
                            "object_name": "CognitoUser",
                            "admin_url": list_url,
                            "add_url": reverse("admin:cognito_invite", current_app=self.name)
                            if can_manage
                            else None,
                            "view_only": not can_manage,
                            "perms": {"add": can_manage, "change": can_manage, "delete": False, "view": True},
                        },
                        {
                            "name": _("Cognito groups"),
                            "object_name": "CognitoGroup",
                            "admin_url": groups_url,
                            "add_url": reverse("admin:cognito_group_add", current_app=self.name)
                            if can_manage
                            else None,
                            "view_only": not can_manage,
                            "perms": {"add": can_manage, "change": can_manage, "delete": False, "view": True},
                        },
                    ],
                },
            )
        return app_list
