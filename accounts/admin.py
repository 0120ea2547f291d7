"""The audit log in the admin: read-only, filterable and searchable (the Cognito user pages are in staff/)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import audit_display
from accounts.audit_display import GROUP_ACTIONS
from accounts.identity import looks_like_sub
from accounts.models import AuditEvent
from accounts.staff.formats import staff_time
from accounts.staff.registry import VIEW_PERMISSION


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Audit events are evidence: nobody adds, changes or deletes them through the admin.

    People are named as everywhere on the staff pages (``audit_display``): a human name, never a bare sub,
    with the sub as a title (list) or a second line (detail). Group rows name and link the group.
    """

    list_display = (
        "time",
        "actor_name",
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
        "actor_name",
        "actor_ip",
        "action",
        "target",
        "target_sub",
        "reason",
        "outcome",
        "detail",
        "aws_request_id",
    )
    readonly_fields = (*fields, "group")
    list_display_links = ("time",)
    actions = None

    def get_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> tuple[str, ...]:
        """A group row shows its group (named and linked) where a user row shows the target and its sub."""
        if obj is not None and obj.action in GROUP_ACTIONS:
            return tuple(
                "group" if name == "target" else name for name in self.fields if name != "target_sub"
            )
        return self.fields

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The detail; its title and breadcrumb (``audit_title``) give the time with its zone, the action and
        the target, and leave the actor to the page below (shown once)."""
        event = self.get_object(request, object_id)
        if event is not None:
            named = audit_display.title(event)
            extra_context = {"subtitle": named, "audit_title": named, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_changelist_instance(self, request: HttpRequest):
        """The list page's rows, named in one query for the whole page (``audit_display.annotate``), not
        one per row and column."""
        changelist = super().get_changelist_instance(request)
        audit_display.annotate(changelist.result_list)
        return changelist

    @admin.display(description=_("time"), ordering="created_at")
    def time(self, event: AuditEvent) -> str:
        """When, in the staff pages' one format with its time zone."""
        return staff_time(event.created_at)

    @admin.display(description=_("actor"), ordering="actor_label")
    def actor_name(self, event: AuditEvent) -> str:
        """Who acted, by name; their sub as the title (the list) or a second line (the detail)."""
        return _name_with_sub(getattr(event, "actor_shown", None) or audit_display.actor_of(event))

    @admin.display(description=_("target"))
    def target(self, event: AuditEvent) -> str:
        """The user acted on, by name and linked to their page (by sub); the sub is the next field."""
        return self.target_link(event)

    @admin.display(description=_("group"))
    def group(self, event: AuditEvent) -> str:
        """The group acted on, linked to its page."""
        return self.target_link(event)

    @admin.display(description=_("target"), ordering="target_username")
    def target_link(self, event: AuditEvent) -> str:
        """The target's page: a user by sub (older rows through the name lookup), or a group's page."""
        shown = getattr(event, "target_shown", None) or audit_display.target_of(event)
        if shown.kind in ("", "many"):
            return shown.text
        try:
            if shown.kind == "group":
                url = reverse("admin:cognito_group_detail", kwargs={"name": event.target_username})
                return format_html('<a href="{}">{}</a>', url, _("group %(name)s") % {"name": shown.text})
            if looks_like_sub(event.target_sub):
                url = reverse("admin:cognito_user_detail", kwargs={"sub": event.target_sub.lower()})
            else:
                url = reverse("admin:cognito_user_lookup", kwargs={"name": event.target_username})
        except NoReverseMatch:
            return shown.text
        if shown.sub:
            return format_html('<a href="{}" title="{}">{}</a>', url, shown.sub, shown.text)
        return format_html('<a href="{}">{}</a>', url, shown.text)

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


def _name_with_sub(shown: audit_display.Shown) -> str:
    """A name with its sub available: as the title, and as a second line for screen readers and the detail."""
    if not shown.sub:
        return shown.text
    return format_html(
        '<span title="{}">{}</span><span class="audit-sub"><br><span class="quiet">{}</span></span>',
        shown.sub,
        shown.text,
        _("sub %(sub)s") % {"sub": shown.sub},
    )


# Django's permission groups with a members field (how superusers give staff finer permissions).
from accounts import permission_groups  # noqa: E402, F401
