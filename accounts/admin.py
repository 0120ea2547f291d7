"""The audit log in the admin: read-only, filterable and searchable (the Cognito user pages are in staff/)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.identity import looks_like_sub
from accounts.models import AuditEvent
from accounts.staff.formats import staff_time
from accounts.staff.registry import VIEW_PERMISSION

GROUP_ACTIONS = {"create_group", "update_group", "delete_group"}  # the target is a group (staff.groups)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Audit events are evidence: nobody adds, changes or deletes them through the admin."""

    list_display = (
        "time",
        "actor_label",
        "action",
        "target_link",
        "outcome",
        "actor_ip",
        "aws_request_id",
    )
    list_filter = ("action", "outcome", "created_at")
    search_fields = ("target_username", "target_sub", "actor_label", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)
    # The actor once (the label names them whether or not a portal account stands behind them), times in
    # the staff pages' one format; the detail has no History button (change_form template).
    fields = (
        "time",
        "actor_label",
        "actor_ip",
        "action",
        "target_username",
        "target_sub",
        "reason",
        "outcome",
        "detail",
        "aws_request_id",
    )
    readonly_fields = fields
    list_display_links = ("time",)
    actions = None

    @admin.display(description=_("time"), ordering="created_at")
    def time(self, event: AuditEvent) -> str:
        """When, in the staff pages' one format with its time zone."""
        return staff_time(event.created_at)

    @admin.display(description=_("target"), ordering="target_username")
    def target_link(self, event: AuditEvent) -> str:
        """The target's page: a user by sub (older rows through the name lookup), or a group's page."""
        if not event.target_username:
            return _("(many users)") if event.action == "export" else ""
        try:
            if event.action in GROUP_ACTIONS:
                url = reverse("admin:cognito_group_detail", kwargs={"name": event.target_username})
                return format_html(
                    '<a href="{}">{}</a>', url, _("group %(name)s") % {"name": event.target_username}
                )
            if looks_like_sub(event.target_sub):
                url = reverse("admin:cognito_user_detail", kwargs={"sub": event.target_sub.lower()})
            else:
                url = reverse("admin:cognito_user_lookup", kwargs={"name": event.target_username})
        except NoReverseMatch:
            return event.target_username
        return format_html('<a href="{}">{}</a>', url, event.target_username)

    def has_view_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        # Whoever may look at Cognito users may read what was done to them.
        return super().has_view_permission(request, obj) or request.user.has_perm(VIEW_PERMISSION)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or request.user.has_perm(VIEW_PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


# Django's permission groups with a members field (how superusers give staff finer permissions).
from accounts import permission_groups  # noqa: E402, F401
