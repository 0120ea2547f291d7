"""The pool's groups: the list (ListGroups, member counts on demand), a group's members (ListUsersInGroup,
paged like the user list), and the create, edit and delete forms (``accounts.staff.groups`` writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles
from accounts.cognito import errors, get_idp
from accounts.cognito.types import Group
from accounts.staff import groups, registry, selectors
from accounts.staff.changelist import PAGE_SIZE_CHOICES, status_badge
from accounts.staff.forms import GroupDeleteForm, GroupForm, UserSearchForm
from accounts.staff.outcomes import Outcome
from accounts.staff.query import DEFAULT_PAGE_SIZE, Trail, UserQuery
from accounts.staff.registry import DELETE_PERMISSION, MANAGE_PERMISSION, VIEW_PERMISSION, Actor
from accounts.staff.reports import cognito_said, unavailable
from accounts.staff.views.common import action_url, detail_url, encode, page_context, require, with_retry

MEMBERS_PER_PAGE = DEFAULT_PAGE_SIZE  # as on the user list; ?page_size= chooses another (1 to 60)


def group_list_url(site: admin.AdminSite) -> str:
    """The groups page's URL."""
    return reverse("admin:cognito_group_list", current_app=site.name)


def group_url(site: admin.AdminSite, name: str, page: str = "detail") -> str:
    """The URL of a group's ``page``: "detail", "change" or "delete"."""
    return reverse(f"admin:cognito_group_{page}", kwargs={"name": name}, current_app=site.name)


def _failed(
    request: HttpRequest, site: admin.AdminSite, title: str, exc: errors.CognitoError
) -> HttpResponse:
    """The page could not be made: Cognito unavailable (503, try again) or refused (502)."""
    if isinstance(exc, errors.CognitoUnavailable):
        messages.error(request, unavailable(exc))
    else:
        messages.error(request, cognito_said(exc))
    context = page_context(request, site, title, failed=True, groups_url=group_list_url(site))
    response = TemplateResponse(request, "admin/cognito/group_list.html", context, status=502)
    return with_retry(response) if isinstance(exc, errors.CognitoUnavailable) else response


def _missing(request: HttpRequest, site: admin.AdminSite, name: str) -> HttpResponse:
    messages.error(request, _("There is no group “%(group)s” in the user pool.") % {"group": name})
    context = page_context(request, site, _("Group not found"), failed=True, groups_url=group_list_url(site))
    return TemplateResponse(request, "admin/cognito/group_list.html", context, status=404)


def _may_edit(request: HttpRequest, name: str) -> bool:
    """Staff with the manage permission edit groups; the portal's role groups need a superuser."""
    return request.user.has_perm(MANAGE_PERMISSION) and (
        request.user.is_superuser or not groups.is_role_group(name)
    )


def group_list(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """GET: every group of the pool (ListGroups); ``?count=NAME`` also counts that group's members."""
    require(request, VIEW_PERMISSION)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        pool_groups = get_idp().list_groups()
    except errors.CognitoError as exc:
        return _failed(request, site, _("Cognito groups"), exc)
    wanted = request.GET.get("count", "")
    counts: dict[str, str] = {}
    if wanted in {group.name for group in pool_groups}:
        try:
            counted, complete = groups.count_members(wanted)
            counts[wanted] = str(counted) if complete else _("at least %(count)d") % {"count": counted}
        except errors.CognitoError as exc:
            messages.error(request, cognito_said(exc))
    base = group_list_url(site)
    rows = [
        {
            "group": group,
            "url": group_url(site, group.name),
            "role": groups.is_role_group(group.name),
            "count": counts.get(group.name, ""),
            "count_url": base + "?" + encode(count=group.name) + "#group-list",
        }
        for group in pool_groups
    ]
    context = page_context(
        request,
        site,
        _("Cognito groups"),
        rows=rows,
        add_url=group_url_add(site) if request.user.has_perm(MANAGE_PERMISSION) else "",
        groups_url=base,
    )
    return TemplateResponse(request, "admin/cognito/group_list.html", context)


def group_url_add(site: admin.AdminSite) -> str:
    """The new-group form's URL."""
    return reverse("admin:cognito_group_add", current_app=site.name)


def _page_size(request: HttpRequest) -> int:
    """``page_size`` from the query string, as on the user list (1 to 60; else the default, and a message)."""
    value = request.GET.get("page_size", "")
    if not value:
        return MEMBERS_PER_PAGE
    form = UserSearchForm({"page_size": value})
    if form.is_valid() and form.cleaned_data.get("page_size"):
        return form.cleaned_data["page_size"]
    messages.error(
        request,
        _("%(field)s: %(error)s This part of the search was left out.")
        % {"field": form.fields["page_size"].label, "error": " ".join(form.errors.get("page_size", []))},
    )
    return MEMBERS_PER_PAGE


def _members(request: HttpRequest, site: admin.AdminSite, name: str) -> dict[str, Any]:
    """One page of the group's members (one ListUsersInGroup call), with the user list's signed paging
    and page sizes."""
    size = _page_size(request)
    query = UserQuery(group=name, page_size=size)
    value = request.GET.get("page_token", "")
    trail = Trail.read(value, query) if value else Trail()
    if value and trail is None:
        messages.warning(request, _("That page link is not valid for this group; showing the first page."))
    trail = trail or Trail()
    page = query.fetch_page(trail.token)
    selectors.remember(page.items)
    base = group_url(site, name)
    sized = {"page_size": str(size)} if size != MEMBERS_PER_PAGE else {}

    def own(**params: str) -> str:
        params = {**sized, **params}
        return base + ("?" + encode(**params) if params else "")

    back = trail.back()
    remove = registry.get("remove_from_group")
    may_remove = request.user.has_perm(remove.permission)
    return {
        "members": [
            {
                "user": user,
                "label": selectors.staff_label(user),
                "url": detail_url(site, user.sub),
                "badge": status_badge(user.status),
                "remove_url": action_url(site, user.sub, remove.name, group=name)
                if may_remove
                and roles.membership_refusal(request.user, target_sub=user.sub, group=name) is None
                else "",
            }
            for user in page.items
            if user.sub
        ],
        "page_number": trail.page_number,
        "next_url": own(page_token=trail.forward(page.next_token).sign(query)) if page.next_token else "",
        "previous_url": (own(page_token=back.sign(query)) if back.tokens else own()) if back else "",
        "first_url": own() if trail.page_number > 1 else "",
        "page_size_links": [
            {
                "size": choice,
                "url": base + ("?" + encode(page_size=str(choice)) if choice != MEMBERS_PER_PAGE else ""),
                "current": choice == size,
            }
            for choice in PAGE_SIZE_CHOICES
        ],
    }


def group_detail(request: HttpRequest, name: str, *, site: admin.AdminSite) -> HttpResponse:
    """GET: the group (GetGroup) and one page of its members (ListUsersInGroup)."""
    require(request, VIEW_PERMISSION)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        group = get_idp().get_group(name)
        members = _members(request, site, name)
    except errors.ResourceNotFound:
        return _missing(request, site, name)
    except errors.CognitoError as exc:
        return _failed(request, site, name, exc)
    context = page_context(
        request,
        site,
        _("Group %(group)s") % {"group": name},
        group=group,
        role=groups.is_role_group(name),
        edit_url=group_url(site, name, "change") if _may_edit(request, name) else "",
        delete_url=group_url(site, name, "delete")
        if request.user.has_perm(DELETE_PERMISSION) and not groups.is_role_group(name)
        else "",
        groups_url=group_list_url(site),
        **members,
    )
    return TemplateResponse(request, "admin/cognito/group_detail.html", context)


def _say(request: HttpRequest, result: groups.GroupResult, done: str, name: str) -> None:
    if result.outcome is Outcome.DONE:
        messages.success(request, done)
    elif result.outcome is Outcome.UNKNOWN:
        messages.warning(
            request,
            _(
                "Cognito did not answer in time, and reading the group “%(group)s” back could not tell "
                "whether the change took effect. Look again in a minute; trying again is safe."
            )
            % {"group": name},
        )


def _form_page(
    request: HttpRequest, site: admin.AdminSite, form: Any, title: str, status: int, **extra: Any
) -> HttpResponse:
    context = page_context(request, site, title, form=form, groups_url=group_list_url(site), **extra)
    response = TemplateResponse(request, "admin/cognito/group_form.html", context, status=status)
    return with_retry(response) if status == 503 else response


def _refused_on_form(form: Any, result: groups.GroupResult) -> int:
    """A failed write as a form error (what was typed is kept); the HTTP status to answer with."""
    error = result.error
    if error is None:
        return 400
    if error.code == "GroupExistsException":
        form.add_error("name", _("A group with this name already exists."))
        return 400
    form.add_error(
        None, cognito_said(error) if not isinstance(error, errors.CognitoUnavailable) else unavailable(error)
    )
    return 503 if isinstance(error, errors.CognitoUnavailable) else 400


def group_add(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """GET: the new-group form. POST: CreateGroup, then the group's page."""
    require(request, VIEW_PERMISSION)
    require(request, MANAGE_PERMISSION)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    form = GroupForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            name = data["name"]
            # Creating a role group, or a case variant of one, needs a superuser (as granting one does).
            if roles.is_role_group(name) and not request.user.is_superuser:
                form.add_error(
                    "name", _("This name is one of the portal's role groups: only superusers may create it.")
                )
            else:
                result = groups.create(
                    name,
                    description=data["description"],
                    precedence=data["precedence"],
                    role_arn=data["role_arn"],
                    actor=Actor.from_request(request),
                    reason=data["reason"],
                )
                if result.outcome is not Outcome.FAILED:
                    _say(request, result, _("The group “%(group)s” is created.") % {"group": name}, name)
                    return HttpResponseRedirect(group_url(site, name))
                status = _refused_on_form(form, result)
    return _form_page(request, site, form, _("Add group"), status, creating=True)


def _group_or_page(request: HttpRequest, site: admin.AdminSite, name: str) -> Group | HttpResponse:
    try:
        return get_idp().get_group(name)
    except errors.ResourceNotFound:
        return _missing(request, site, name)
    except errors.CognitoError as exc:
        return _failed(request, site, name, exc)


def group_change(request: HttpRequest, name: str, *, site: admin.AdminSite) -> HttpResponse:
    """GET: the group's form. POST: UpdateGroup (every field sent: Cognito resets those left out)."""
    require(request, VIEW_PERMISSION)
    require(request, MANAGE_PERMISSION)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    group = _group_or_page(request, site, name)
    if isinstance(group, HttpResponse):
        return group
    if not _may_edit(request, name):
        messages.error(
            request,
            _("The group “%(group)s” gives portal roles: only superusers may edit it.") % {"group": name},
        )
        return HttpResponseRedirect(group_url(site, name))
    initial = {"description": group.description, "precedence": group.precedence, "role_arn": group.role_arn}
    form = GroupForm(request.POST if request.method == "POST" else None, initial=initial, creating=False)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result = groups.update(
                group,
                description=data["description"],
                precedence=data["precedence"],
                role_arn=data["role_arn"],
                actor=Actor.from_request(request),
                reason=data["reason"],
            )
            if result.outcome is not Outcome.FAILED:
                _say(request, result, _("The group “%(group)s” is saved.") % {"group": name}, name)
                return HttpResponseRedirect(group_url(site, name))
            status = _refused_on_form(form, result)
    return _form_page(
        request, site, form, _("Edit group %(group)s") % {"group": name}, status, group=group, creating=False
    )


def group_delete(request: HttpRequest, name: str, *, site: admin.AdminSite) -> HttpResponse:
    """GET: confirm, saying how many members lose the group. POST: DeleteGroup (the name typed again)."""
    require(request, VIEW_PERMISSION)
    require(request, DELETE_PERMISSION)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    group = _group_or_page(request, site, name)
    if isinstance(group, HttpResponse):
        return group
    if groups.is_role_group(name):
        messages.error(
            request,
            _("The group “%(group)s” gives portal roles: it cannot be deleted here.") % {"group": name},
        )
        return HttpResponseRedirect(group_url(site, name))
    try:
        counted, complete = groups.count_members(name)
    except errors.CognitoError as exc:
        return _failed(request, site, name, exc)
    members = str(counted) if complete else _("at least %(count)d") % {"count": counted}
    form = GroupDeleteForm(request.POST if request.method == "POST" else None, name=name)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            result = groups.delete(
                name, members=members, actor=Actor.from_request(request), reason=form.cleaned_data["reason"]
            )
            if result.outcome is not Outcome.FAILED:
                _say(request, result, _("The group “%(group)s” is deleted.") % {"group": name}, name)
                return HttpResponseRedirect(group_list_url(site))
            status = _refused_on_form(form, result)
    context = page_context(
        request,
        site,
        _("Are you sure?"),
        form=form,
        group=group,
        members=members,
        member_count=counted,
        group_page=group_url(site, name),
        groups_url=group_list_url(site),
    )
    response = TemplateResponse(request, "admin/cognito/group_delete.html", context, status=status)
    return with_retry(response) if status == 503 else response
