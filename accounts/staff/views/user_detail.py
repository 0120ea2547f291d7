"""One user's page, keyed by sub, and the GET-only lookup that turns a typed name into that page's URL."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import audit_display, roles
from accounts.cognito import errors
from accounts.models import AuditEvent
from accounts.staff import history, registry, selectors
from accounts.staff.changelist import status_badge
from accounts.staff.registry import (
    CHANGE_PERMISSION,
    VIEW_PERMISSION,
    Actor,
    UserState,
    invited,
    must_change_password,
)
from accounts.staff.reports import cognito_said
from accounts.staff.views.common import (
    action_url,
    detail_url,
    encode,
    not_found,
    page_context,
    require,
    say_unavailable,
    with_retry,
)

AUDIT_ROWS_ON_DETAIL = 25
LINK_ATTRIBUTES = {"website", "picture", "profile"}


def user_lookup(request: HttpRequest, name: str, *, site: admin.AdminSite) -> HttpResponse:
    """``/admin/cognito/users/<anything>/``: a username or alias, found and redirected to its sub URL.

    GET only, and it never acts: ``ann/actions/disable`` is looked up as that whole name.
    """
    require(request, VIEW_PERMISSION)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        user = selectors.lookup_name(name)
    except errors.UserNotFound:
        return not_found(request, site, name)
    except errors.CognitoUnavailable as exc:
        say_unavailable(request, exc)
        return with_retry(
            TemplateResponse(request, "admin/cognito/user_detail.html", _failed(request, site, name))
        )
    except errors.CognitoError as exc:
        messages.error(request, cognito_said(exc))
        context = _failed(request, site, name)
        return TemplateResponse(request, "admin/cognito/user_detail.html", context, status=502)
    return HttpResponseRedirect(detail_url(site, user.sub))


def _failed(request: HttpRequest, site: admin.AdminSite, name: str) -> dict[str, Any]:
    return page_context(request, site, name, username=name, failed=True)


def _attribute_rows(attributes: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for name in sorted(attributes, key=lambda n: (n != "sub", n)):
        value = attributes[name]
        href = ""
        if name in LINK_ATTRIBUTES and urlsplit(value).scheme in {"http", "https"}:
            href = value  # only http(s) becomes a link; javascript: and data: stay text
        rows.append({"name": name, "value": value, "href": href})
    return rows


def _invitation(request: HttpRequest, site: admin.AdminSite, state: UserState) -> dict[str, str] | None:
    """For a FORCE_CHANGE_PASSWORD user, what the status means and what to offer: an invited user who never
    signed in ("has not accepted the invitation yet", resend it), or one who must choose a new password
    because staff set a temporary one (set another). See ``selectors.temporary_password_by_staff``."""
    if invited(state):
        kind, offered = "invited", registry.get("resend_invitation")
    elif must_change_password(state):
        kind, offered = "temporary", registry.get("set_temporary_password")
    else:
        return None
    user = state.user
    return {
        "kind": kind,
        "label": str(offered.label),
        "url": action_url(site, user.sub, offered.name) if request.user.has_perm(offered.permission) else "",
    }


def _may_change_membership(request: HttpRequest, sub: str, group: str) -> bool:
    return roles.membership_refusal(request.user, target_sub=sub, group=group) is None


def _events_future(username: str | None, token: str | None) -> Future[history.EventsPage] | None:
    return selectors.pool().submit(history.events_page, username, token) if username else None


def _sign_in_events(
    site: admin.AdminSite, sub: str, page: history.EventsPage, token_value: str
) -> dict[str, Any]:
    """The template's view of one events page: rows, the older/newest links, and what to say instead."""
    base = detail_url(site, sub)
    return {
        "rows": [
            {
                "event": event,
                "challenges": ", ".join(f"{name}: {result}" for name, result in event.challenges),
                "place": ", ".join(filter(None, (event.context.get("City"), event.context.get("Country")))),
            }
            for event in page.events
        ],
        "not_enabled": page.not_enabled,
        "problem": page.problem,
        "older_url": base
        + "?"
        + encode(events_from=history.sign_token(sub, page.next_token))
        + "#sign-in-events"
        if page.next_token
        else "",
        "newest_url": base + "#sign-in-events" if token_value else "",
    }


def user_detail(request: HttpRequest, sub: str, *, site: admin.AdminSite) -> HttpResponse:
    """Everything about one user: AdminGetUser, AdminListGroupsForUser, AdminListDevices and
    AdminListUserAuthEvents at once (the events only when the username is known; else right after)."""
    require(request, VIEW_PERMISSION)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    token_value = request.GET.get("events_from", "")
    token = history.read_token(sub, token_value) if token_value else None
    known = selectors.known_username(sub)
    events_future = _events_future(known, token)
    try:
        detail = selectors.user_detail(sub)
    except errors.UserNotFound:
        return not_found(request, site, sub)
    except errors.CognitoUnavailable as exc:
        say_unavailable(request, exc)
        return with_retry(
            TemplateResponse(request, "admin/cognito/user_detail.html", _failed(request, site, sub))
        )
    except errors.CognitoError as exc:
        messages.error(request, cognito_said(exc))
        return TemplateResponse(
            request, "admin/cognito/user_detail.html", _failed(request, site, sub), status=502
        )

    user = detail.user
    if events_future is None or known != user.username:
        events_future = _events_future(user.username, token)
    sign_ins = events_future.result() if events_future else history.EventsPage()
    state = selectors.user_state(
        user,
        detail.devices if not detail.devices_error else None,
        [group.name for group in detail.groups],
    )
    label = selectors.staff_label(user)
    has_perm = request.user.has_perm
    actor = Actor.from_request(request)
    protected = roles.target_refusal(request.user, target_groups=[group.name for group in detail.groups])
    buttons = [
        {
            "label": action.label,
            "url": action_url(site, sub, action.name),
            "danger": action.danger == "danger",
        }
        for action in registry.offered(state, has_perm)
        # Not offered when the portal would refuse it whatever the parameter (own group memberships).
        if not action.refused(actor, user, {"group": ""})
    ]
    group_actions = registry.offered(state, has_perm, row="groups")
    device_actions = registry.offered(state, has_perm, row="devices")
    if protected:  # a staff member's page seen by staff: nothing to offer (and the actions refuse anyway)
        buttons, group_actions, device_actions = [], [], []
        messages.info(request, protected)
    events = AuditEvent.objects.filter(Q(target_sub=sub) | Q(target_sub="", target_username=user.username))
    context = page_context(
        request,
        site,
        label,
        username=label,
        cognito_user=user,
        badge=status_badge(user.status),
        attributes=_attribute_rows(user.attributes),
        invitation=_invitation(request, site, state),
        edit_url=reverse("admin:cognito_user_change", kwargs={"sub": sub}, current_app=site.name)
        if request.user.has_perm(CHANGE_PERMISSION)
        else "",
        sign_in_events=_sign_in_events(site, sub, sign_ins, token_value),
        groups=[
            {
                "group": group,
                "url": reverse(
                    "admin:cognito_group_detail", kwargs={"name": group.name}, current_app=site.name
                ),
                "actions": [
                    {"label": _("Remove"), "url": action_url(site, sub, action.name, group=group.name)}
                    for action in group_actions
                    if _may_change_membership(request, sub, group.name)
                ],
            }
            for group in detail.groups
        ],
        devices=[
            {
                "device": device,
                "actions": [
                    {"label": _("Forget"), "url": action_url(site, sub, action.name, device_key=device.key)}
                    for action in device_actions
                ],
            }
            for device in detail.devices
        ],
        devices_error=detail.devices_error,
        events=audit_display.annotate(events.select_related("actor")[:AUDIT_ROWS_ON_DETAIL]),
        event_count=events.count(),
        audit_url=reverse("admin:accounts_auditevent_changelist", current_app=site.name)
        + "?"
        + encode(target_sub=sub),
        actions=buttons,
        failed=False,
    )
    return TemplateResponse(request, "admin/cognito/user_detail.html", context)
