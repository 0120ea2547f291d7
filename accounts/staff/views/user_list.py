"""The user list page (``UserChangeList`` does the work) and the Cognito index that leads to it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.cognito import errors, pool_description_or_none
from accounts.staff import columns, registry, selectors
from accounts.staff.changelist import UserChangeList, query_string
from accounts.staff.query import DEFAULT_PAGE_SIZE, default_attribute
from accounts.staff.registry import VIEW_PERMISSION
from accounts.staff.views.bulk import bulk_action
from accounts.staff.views.common import list_url, page_context, require, say_unavailable, with_retry


def cognito_index(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """``/admin/cognito/``: the user list is the app's only page."""
    require(request, VIEW_PERMISSION)
    return HttpResponseRedirect(list_url(site))


def _case_sensitive() -> bool | None:
    """Whether usernames are case-sensitive in this pool (None: unknown right now), for the search help."""
    pool = pool_description_or_none()
    return None if pool is None else pool.case_sensitive


def user_list(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """GET: one page of users (one ListUsers call). POST: a bulk action on the selected users."""
    require(request, VIEW_PERMISSION)
    if request.method == "POST":
        return bulk_action(request, site=site)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])

    changelist = UserChangeList(request, site)
    changelist.get_results()
    optional = columns.chosen(request)
    rows = changelist.rows(optional)
    for level, text in changelist.notices:
        messages.add_message(request, level, text)
    if changelist.unavailable is not None:
        say_unavailable(request, changelist.unavailable)
    try:
        group_names = selectors.group_names()
    except errors.CognitoError:
        group_names = []

    query = changelist.query
    context = page_context(
        request,
        site,
        _("Cognito users"),
        rows=rows,
        optional_columns=[(name, columns.OPTIONAL_COLUMNS[name]) for name in optional],
        column_choices=[(name, label, name in optional) for name, label in columns.OPTIONAL_COLUMNS.items()],
        search_attr=query.attr if query.applied == "search" else default_attribute(),
        username_case_sensitive=_case_sensitive(),
        query=query,
        form=changelist.form,
        failed=changelist.failed,
        export_url=reverse("admin:cognito_user_export", current_app=site.name) + query_string(query),
        invite_url=reverse("admin:cognito_invite", current_app=site.name),
        filter_specs=changelist.filter_specs(group_names),
        has_active_filters=bool(query.applied),
        estimated_users=selectors.estimated_users(),
        bulk_actions=[(action.name, action.label) for action in registry.bulk_actions()],
        default_page_size=DEFAULT_PAGE_SIZE,
        **changelist.pager(),
    )
    response = TemplateResponse(request, "admin/cognito/user_list.html", context)
    return with_retry(response) if changelist.unavailable is not None else response
