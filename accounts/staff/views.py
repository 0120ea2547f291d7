"""The Cognito user pages inside the admin: list, detail, actions, invitation and CSV export.

Views only translate HTTP: reads go through ``selectors``, writes through ``actions.perform``. Every view is
wrapped by ``PortalAdminSite.admin_view`` (staff only, never cached, CSRF-protected) and checks its own
permission on top.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import audit
from accounts.cognito import errors, get_idp, pool_description
from accounts.cognito.filters import USER_STATUSES, FilterError
from accounts.exporting import csv_lines
from accounts.models import AuditEvent
from accounts.staff import selectors
from accounts.staff.actions import (
    ACTIONS,
    BULK_ACTIONS,
    DELETE_PERMISSION,
    MANAGE_PERMISSION,
    USER_ACTIONS,
    VIEW_PERMISSION,
    Actor,
    perform,
)
from accounts.staff.forms import ActionForm, BulkActionForm, InviteForm, UserSearchForm

RETRY_AFTER_SECONDS = 30
GROUPS_CACHE_SECONDS = 300
MAX_BULK_SELECTION = 60
AUDIT_ROWS_ON_DETAIL = 25
PAGE_SIZE_CHOICES = (10, 25, 50, 60)
LINK_ATTRIBUTES = {"website", "picture", "profile"}


# -- shared helpers --------------------------------------------------------------------------------------
def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _context(request: HttpRequest, site: admin.AdminSite, title: str, **extra: Any) -> dict[str, Any]:
    return {
        **site.each_context(request),
        "title": title,
        "list_url": reverse("admin:cognito_user_list", current_app=site.name),
        "can_manage": request.user.has_perm(MANAGE_PERMISSION),
        "can_delete": request.user.has_perm(DELETE_PERMISSION),
        **extra,
    }


def _unavailable(request: HttpRequest, exc: errors.CognitoError) -> None:
    messages.error(
        request,
        _(
            "Cognito is busy or unreachable right now (%(operation)s: %(code)s). Nothing was changed by this "
            "page; please try again in a minute."
        )
        % {"operation": exc.operation or "Cognito", "code": exc.code or exc.__class__.__name__},
    )


def _with_retry(response: HttpResponse) -> HttpResponse:
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _cognito_said(exc: errors.CognitoError) -> str:
    """The user-safe message plus Cognito's own words (staff need them to act; rendered escaped)."""
    if exc.aws_message and exc.aws_message != exc.code:
        return _("%(message)s (Cognito: %(detail)s)") % {
            "message": exc.user_message,
            "detail": exc.aws_message,
        }
    return exc.user_message


def _not_found(request: HttpRequest, site: admin.AdminSite, username: str) -> HttpResponse:
    context = _context(request, site, _("User not found"), username=username)
    return TemplateResponse(request, "admin/cognito/user_not_found.html", context, status=404)


def _group_names() -> list[str]:
    """The pool's groups, cached so the list page stays at one ListUsers call per view."""
    idp = get_idp()
    key = f"accounts.staff.groups:{idp.user_pool_id}"
    names = cache.get(key)
    if names is None:
        names = [group.name for group in idp.list_groups()]
        cache.set(key, names, GROUPS_CACHE_SECONDS)
    return names


def _estimated_users() -> int | None:
    try:
        return pool_description().estimated_users
    except errors.CognitoError:
        return None


def _status_badge(status: str) -> str:
    if status == "CONFIRMED":
        return "ok"
    if status in {"UNCONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"}:
        return "pending"
    return "other"


def _detail_url(site: admin.AdminSite, username: str) -> str:
    return reverse("admin:cognito_user_detail", kwargs={"username": username}, current_app=site.name)


def _action_url(site: admin.AdminSite, username: str, action: str) -> str:
    return reverse(
        "admin:cognito_user_action", kwargs={"username": username, "action": action}, current_app=site.name
    )


def cognito_index(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    return HttpResponseRedirect(reverse("admin:cognito_user_list", current_app=site.name))


# -- the user list ---------------------------------------------------------------------------------------
def _parse_query(request: HttpRequest, params: QueryDict) -> tuple[selectors.UserQuery, UserSearchForm]:
    form = UserSearchForm(params)
    if not form.is_valid():
        for name, field_errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            for error in field_errors:
                messages.error(
                    request,
                    _("%(field)s: %(error)s This part of the search was left out.")
                    % {"field": label, "error": error},
                )
    return selectors.UserQuery.from_cleaned(form.cleaned_data), form


def _query_string(query: selectors.UserQuery, **overrides: Any) -> str:
    """The list URL's query for this search (only the applied filter, so links never mix filters)."""
    params: dict[str, Any] = {}
    if query.applied == "search":
        params.update(q=query.q, attr=query.attr)
    elif query.applied == "status":
        params["status"] = query.status
    elif query.applied == "enabled":
        params["enabled"] = "true" if query.enabled else "false"
    elif query.applied == "group":
        params["group"] = query.group
    if query.page_size != selectors.DEFAULT_PAGE_SIZE:
        params["page_size"] = query.page_size
    params.update(overrides)
    qd = QueryDict(mutable=True)
    for key, value in params.items():
        if value not in (None, ""):
            qd[key] = str(value)
    encoded = qd.urlencode()
    return "?" + encoded if encoded else "?"


def _filter_choices(query: selectors.UserQuery, group_names: list[str]) -> list[dict[str, Any]]:
    size = {"page_size": query.page_size} if query.page_size != selectors.DEFAULT_PAGE_SIZE else {}
    plain = selectors.UserQuery(page_size=query.page_size)

    def link(**params: Any) -> str:
        return _query_string(plain, **params, **size)

    specs = [
        {
            "title": _("status"),
            "choices": [{"display": _("All"), "query_string": link(), "selected": query.applied != "status"}]
            + [
                {
                    "display": status,
                    "query_string": link(status=status),
                    "selected": query.applied == "status" and query.status == status,
                }
                for status in USER_STATUSES
            ],
        },
        {
            "title": _("enabled"),
            "choices": [
                {"display": _("All"), "query_string": link(), "selected": query.applied != "enabled"},
                {
                    "display": _("Enabled"),
                    "query_string": link(enabled="true"),
                    "selected": query.applied == "enabled" and query.enabled is True,
                },
                {
                    "display": _("Disabled"),
                    "query_string": link(enabled="false"),
                    "selected": query.applied == "enabled" and query.enabled is False,
                },
            ],
        },
    ]
    if group_names or query.group:
        names = group_names if query.group in group_names or not query.group else [*group_names, query.group]
        specs.append(
            {
                "title": _("group"),
                "choices": [
                    {"display": _("All"), "query_string": link(), "selected": query.applied != "group"}
                ]
                + [
                    {
                        "display": name,
                        "query_string": link(group=name),
                        "selected": query.applied == "group" and query.group == name,
                    }
                    for name in names
                ],
            }
        )
    return specs


def user_list(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    if request.method == "POST":
        return _bulk_action(request, site)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])

    query, form = _parse_query(request, request.GET)
    if query.ignored:
        messages.warning(
            request,
            _(
                "Cognito can apply only one filter at a time. Applied: %(applied)s. Not applied: "
                "%(ignored)s. Clear the filter to use another one."
            )
            % {
                "applied": query.describe(),
                "ignored": ", ".join(query.describe(kind) for kind in query.ignored),
            },
        )
    status = 200
    users: list[Any] = []
    trail = selectors.Trail()
    next_token: str | None = None
    failed = False
    try:
        query.cognito_filter()
        page_token = form.cleaned_data.get("page_token") or ""
        if page_token:
            read = selectors.Trail.read(page_token, query)
            if read is None:
                messages.warning(
                    request,
                    _(
                        "That page link is not valid for this search (it may be damaged); "
                        "showing the first page."
                    ),
                )
            else:
                trail = read
        page = query.fetch_page(trail.token)
        users, next_token = page.items, page.next_token
    except FilterError as exc:
        messages.error(request, str(exc))
        failed = True
    except errors.CognitoUnavailable as exc:
        _unavailable(request, exc)
        status, failed = 503, True
    except errors.ResourceNotFound:
        messages.error(
            request,
            _("There is no group named “%(group)s”. Choose a group from the list.") % {"group": query.group},
        )
        failed = True
    except errors.CognitoError as exc:
        messages.error(request, _cognito_said(exc))
        failed = True

    try:
        group_names = _group_names()
    except errors.CognitoError:
        group_names = []

    rows = [
        {
            "user": user,
            "url": _detail_url(site, user.username),
            "badge": _status_badge(user.status),
        }
        for user in users
    ]
    back = trail.back()
    context = _context(
        request,
        site,
        _("Cognito users"),
        rows=rows,
        query=query,
        form=form,
        failed=failed,
        page_number=trail.page_number,
        next_url=_query_string(query, page_token=trail.forward(next_token).sign(query)) if next_token else "",
        previous_url=(
            _query_string(query, page_token=back.sign(query) if back.tokens else None)
            if back is not None
            else ""
        ),
        first_url=_query_string(query) if trail.page_number > 1 else "",
        export_url=reverse("admin:cognito_user_export", current_app=site.name) + _query_string(query),
        invite_url=reverse("admin:cognito_invite", current_app=site.name),
        filter_specs=_filter_choices(query, group_names),
        has_active_filters=bool(query.applied),
        clear_url=_query_string(selectors.UserQuery(page_size=query.page_size)),
        estimated_users=_estimated_users(),
        bulk_actions=[(name, ACTIONS[name].label) for name in BULK_ACTIONS],
        current_query=_query_string(query, page_token=form.cleaned_data.get("page_token") or None)[1:],
        page_size_links=[
            {"size": size, "url": _query_string(query, page_size=size), "current": size == query.page_size}
            for size in PAGE_SIZE_CHOICES
        ],
        default_page_size=selectors.DEFAULT_PAGE_SIZE,
    )
    response = TemplateResponse(request, "admin/cognito/user_list.html", context, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _list_url_from(site: admin.AdminSite, encoded_query: str) -> str:
    """The list URL with a query string from a form field (parsed and re-encoded: never a new target)."""
    query = QueryDict(encoded_query or "").urlencode()
    return reverse("admin:cognito_user_list", current_app=site.name) + ("?" + query if query else "")


def _bulk_action(request: HttpRequest, site: admin.AdminSite) -> HttpResponse:
    _require(request, MANAGE_PERMISSION)
    back_url = _list_url_from(site, request.POST.get("_changelist_filters", ""))
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.warning(request, _("No action selected. Choose an action, then press Go."))
        return HttpResponseRedirect(back_url)
    spec = ACTIONS[action]
    _require(request, spec.permission)
    selected = list(dict.fromkeys(u for u in request.POST.getlist("_selected_action") if u))
    if not selected:
        messages.warning(
            request,
            _("Items must be selected in order to perform actions on them. No items have been changed."),
        )
        return HttpResponseRedirect(back_url)
    if len(selected) > MAX_BULK_SELECTION:
        messages.error(
            request,
            _("Select at most %(count)d users at a time. No users have been changed.")
            % {"count": MAX_BULK_SELECTION},
        )
        return HttpResponseRedirect(back_url)

    form = BulkActionForm(request.POST if request.POST.get("post") == "yes" else None)
    if form.is_bound and form.is_valid():
        return _run_bulk(request, action, selected, form.cleaned_data["reason"], back_url)
    context = _context(
        request,
        site,
        _("Are you sure?"),
        spec=spec,
        action=action,
        usernames=selected,
        form=form,
        changelist_filters=request.POST.get("_changelist_filters", ""),
        back_url=back_url,
    )
    return TemplateResponse(request, "admin/cognito/bulk_confirmation.html", context)


def _run_bulk(
    request: HttpRequest, action: str, usernames: list[str], reason: str, back_url: str
) -> HttpResponse:
    spec = ACTIONS[action]
    actor = Actor.from_request(request)
    done: list[str] = []
    for position, username in enumerate(usernames):
        try:
            perform(action, username, actor=actor, reason=reason)
        except errors.CognitoUnavailable as exc:
            _unavailable(request, exc)
            left = usernames[position:]
            messages.warning(
                request,
                _("Not done yet for: %(users)s. Select them again and retry.") % {"users": ", ".join(left)},
            )
            break
        except errors.UserNotFound:
            messages.warning(request, _("%(username)s no longer exists; skipped.") % {"username": username})
        except errors.CognitoError as exc:
            messages.error(request, f"{username}: {_cognito_said(exc)}")
        else:
            done.append(username)
    if done:
        messages.success(
            request,
            ngettext(
                "%(action)s: done for %(count)d user (%(users)s).",
                "%(action)s: done for %(count)d users (%(users)s).",
                len(done),
            )
            % {"action": spec.label, "count": len(done), "users": ", ".join(done)},
        )
    return HttpResponseRedirect(back_url)


# -- the user detail -------------------------------------------------------------------------------------
def _attribute_rows(attributes: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for name in sorted(attributes, key=lambda n: (n != "sub", n)):
        value = attributes[name]
        href = ""
        if name in LINK_ATTRIBUTES and urlsplit(value).scheme in {"http", "https"}:
            href = value  # only http(s) becomes a link; javascript: and data: stay text
        rows.append({"name": name, "value": value, "href": href})
    return rows


def user_detail(request: HttpRequest, username: str, *, site: admin.AdminSite) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        detail = selectors.user_detail(username)
    except errors.UserNotFound:
        return _not_found(request, site, username)
    except errors.CognitoUnavailable as exc:
        _unavailable(request, exc)
        context = _context(request, site, username, username=username, failed=True)
        return _with_retry(TemplateResponse(request, "admin/cognito/user_detail.html", context))
    except errors.CognitoError as exc:
        messages.error(request, _cognito_said(exc))
        context = _context(request, site, username, username=username, failed=True)
        return TemplateResponse(request, "admin/cognito/user_detail.html", context, status=502)

    user = detail.user
    events = AuditEvent.objects.filter(target_username=username)
    manage = request.user.has_perm(MANAGE_PERMISSION)
    actions = []
    if manage:
        names = ["enable" if not user.enabled else "disable", "reset_password", "sign_out", "reset_mfa"]
        if detail.devices:
            names.append("forget_all_devices")
        if user.status == "UNCONFIRMED":
            names.append("confirm_sign_up")
        if user.status == "FORCE_CHANGE_PASSWORD":
            names.append("resend_invitation")
        names.append("add_to_group")
        actions = [{"label": ACTIONS[n].label, "url": _action_url(site, username, n)} for n in names]
    if request.user.has_perm(DELETE_PERMISSION):
        actions.append(
            {"label": ACTIONS["delete"].label, "url": _action_url(site, username, "delete"), "danger": True}
        )

    context = _context(
        request,
        site,
        username,
        username=username,
        cognito_user=user,
        badge=_status_badge(user.status),
        attributes=_attribute_rows(user.attributes),
        groups=[
            {
                "group": group,
                "remove_url": _action_url(site, username, "remove_from_group")
                + "?"
                + _one("group", group.name)
                if manage
                else "",
            }
            for group in detail.groups
        ],
        devices=[
            {
                "device": device,
                "forget_url": _action_url(site, username, "forget_device")
                + "?"
                + _one("device_key", device.key)
                if manage
                else "",
            }
            for device in detail.devices
        ],
        devices_error=detail.devices_error,
        events=events[:AUDIT_ROWS_ON_DETAIL],
        event_count=events.count(),
        audit_url=reverse("admin:accounts_auditevent_changelist", current_app=site.name)
        + "?"
        + _one("target_username", username),
        actions=actions,
        failed=False,
    )
    return TemplateResponse(request, "admin/cognito/user_detail.html", context)


def _one(name: str, value: str) -> str:
    query = QueryDict(mutable=True)
    query[name] = value
    return query.urlencode()


# -- one action on one user ------------------------------------------------------------------------------
def user_action(request: HttpRequest, username: str, action: str, *, site: admin.AdminSite) -> HttpResponse:
    if action not in USER_ACTIONS:
        raise Http404(_("There is no such action."))
    spec = ACTIONS[action]
    _require(request, VIEW_PERMISSION)
    _require(request, spec.permission)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])

    groups: list[str] = []
    if spec.parameter == "group" and action == "add_to_group":
        try:
            groups = _group_names()
        except errors.CognitoError:
            groups = []  # the form falls back to a text field
    if request.method == "POST":
        form = ActionForm(request.POST, spec=spec, username=username, groups=groups)
    else:
        initial = {spec.parameter: request.GET.get(spec.parameter, "")} if spec.parameter else {}
        form = ActionForm(initial=initial, spec=spec, username=username, groups=groups)

    status = 200
    if form.is_bound and form.is_valid():
        parameters = form.parameters()
        try:
            perform(
                action,
                username,
                actor=Actor.from_request(request),
                reason=form.cleaned_data["reason"],
                **parameters,
            )
        except errors.UserNotFound:
            return _not_found(request, site, username)
        except errors.CognitoUnavailable as exc:
            _unavailable(request, exc)
            status = 503
        except errors.CognitoError as exc:
            messages.error(request, _cognito_said(exc))
            status = 400
        else:
            messages.success(
                request,
                spec.success % {"username": username, "parameter": next(iter(parameters.values()), "")},
            )
            if action == "delete":
                return HttpResponseRedirect(reverse("admin:cognito_user_list", current_app=site.name))
            return HttpResponseRedirect(_detail_url(site, username))
    elif form.is_bound:
        status = 400

    parameter_value = ""
    if spec.parameter:
        parameter_value = (
            form.data.get(spec.parameter) if form.is_bound else form.initial.get(spec.parameter)
        ) or ""
    context = _context(
        request,
        site,
        _("Are you sure?"),
        username=username,
        spec=spec,
        action=action,
        form=form,
        confirmation=spec.confirmation
        % {"username": username, "parameter": parameter_value or _("(choose below)")},
        detail_url=_detail_url(site, username),
        danger=action == "delete",
    )
    response = TemplateResponse(request, "admin/cognito/action_confirmation.html", context, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# -- inviting a user -------------------------------------------------------------------------------------
def invite(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    _require(request, MANAGE_PERMISSION)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    form = InviteForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            username, email = form.cleaned_data["username"], form.cleaned_data["email"]
            try:
                perform(
                    "invite",
                    username,
                    actor=Actor.from_request(request),
                    reason=form.cleaned_data["reason"],
                    email=email,
                )
            except errors.UsernameExists:
                form.add_error("username", _("A user with this username already exists. Choose another one."))
            except errors.CognitoUnavailable as exc:
                _unavailable(request, exc)
                status = 503
            except errors.CognitoError as exc:
                form.add_error(None, _cognito_said(exc))
            else:
                messages.success(
                    request, ACTIONS["invite"].success % {"username": username, "parameter": email}
                )
                return HttpResponseRedirect(_detail_url(site, username))
    context = _context(request, site, _("Invite user"), form=form)
    response = TemplateResponse(request, "admin/cognito/invite.html", context, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# -- CSV export ------------------------------------------------------------------------------------------
def export_csv(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    _require(request, VIEW_PERMISSION)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    query, _form = _parse_query(request, request.GET)
    list_url = reverse("admin:cognito_user_list", current_app=site.name) + _query_string(query)
    try:
        users = query.iter_users()
        # Fetch the first page now: a Cognito failure then becomes a message, not a broken download.
        first = list(itertools.islice(users, 1))
    except FilterError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(list_url)
    except errors.CognitoUnavailable as exc:
        _unavailable(request, exc)
        return HttpResponseRedirect(list_url)
    except errors.CognitoError as exc:
        messages.error(request, _cognito_said(exc))
        return HttpResponseRedirect(list_url)

    actor = Actor.from_request(request)
    audit.record(
        "export",
        "*",
        outcome=AuditEvent.Outcome.SUCCESS,
        actor=actor.user,
        actor_label=actor.label,
        actor_ip=actor.ip,
        detail=_("CSV export of %(what)s") % {"what": query.describe()},
    )
    response = StreamingHttpResponse(
        csv_lines(itertools.chain(first, users)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="cognito-users-{date.today():%Y%m%d}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
