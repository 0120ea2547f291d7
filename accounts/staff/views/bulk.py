"""Bulk actions on the user list: the admin's intermediate confirmation page, then one action per user.

The selection carries subs. Each selected user is read again (concurrently) for the confirmation and again
before acting, so users who no longer exist, or whose state the action does not apply to, are shown and
skipped rather than acted on blindly. Users already as the action would leave them (enabled, in the group …)
are counted apart as no-ops: not acted on, not audited, reported in one line.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import roles
from accounts.cognito import errors, get_idp
from accounts.cognito.types import CognitoUser
from accounts.identity import looks_like_sub
from accounts.staff import registry, selectors
from accounts.staff.forms import BulkActionForm
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import MANAGE_PERMISSION, Actor, StaffAction
from accounts.staff.reports import Report, report, unavailable
from accounts.staff.service import attempt
from accounts.staff.views.common import list_url, page_context, require, say

MAX_BULK_SELECTION = 60


@dataclass
class Selected:
    """One selected sub: the user as read now, or why they cannot be acted on."""

    sub: str
    user: CognitoUser | None = None
    problem: str = ""
    noop: bool = False  # already as the action would leave them: nothing to do, counted apart

    @property
    def label(self) -> str:
        return selectors.staff_label(self.user) if self.user else self.sub


def _back_url(site: admin.AdminSite, encoded_query: str) -> str:
    """The list URL with a query string from a form field (parsed and re-encoded: never a new target)."""
    query = QueryDict(encoded_query or "").urlencode()
    return list_url(site) + ("?" + query if query else "")


def group_choices(request: HttpRequest) -> list[str]:
    """The groups to offer: role groups only to superusers (see ``roles.membership_refusal``)."""
    try:
        names = selectors.group_names()
    except errors.CognitoError:
        return []
    return [name for name in names if request.user.is_superuser or not roles.is_role_group(name)]


def _read_one(sub: str, with_groups: bool) -> tuple[CognitoUser, list[str] | None]:
    """The user ``sub`` now and, when asked, their group names (None when those could not be listed: then
    nobody can tell whether a group change is a no-op, and it is made)."""
    user = selectors.resolve_sub(sub)
    if not with_groups:
        return user, None
    try:
        return user, [group.name for group in get_idp().admin_list_groups_for_user(user.username)]
    except errors.CognitoUnavailable:
        raise
    except errors.CognitoError:
        return user, None


def _read(subs: list[str], action: StaffAction, params: dict[str, str] | None = None) -> list[Selected]:
    """Each selected user read now (concurrently); raises ``CognitoUnavailable`` when Cognito is down.

    With the action's ``params`` (the confirmed form) group actions also read each user's groups
    (AdminListGroupsForUser, in the same concurrent call), so users already in the group (or not in it)
    are counted apart as no-ops instead of being sent again.
    """
    with_groups = params is not None and action.parameter == "group" and action.already is not None
    futures: list[tuple[str, Future[tuple[CognitoUser, list[str] | None]]]] = [
        (sub, selectors.pool().submit(_read_one, sub, with_groups)) for sub in subs
    ]
    selection = []
    for sub, future in futures:
        failure = future.exception()
        if isinstance(failure, errors.CognitoUnavailable):
            raise failure
        if failure is not None:
            selection.append(Selected(sub, problem=_("no longer exists; skipped")))
            continue
        user, groups = future.result()
        state = selectors.user_state(user, groups=groups)
        if action.is_noop(state, params):
            selection.append(Selected(sub, user, _("nothing to do"), noop=True))
        elif not action.applies(state):
            selection.append(Selected(sub, user, _("does not apply to this user now; skipped")))
        else:
            selection.append(Selected(sub, user))
    return selection


def bulk_action(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """POST on the list: the confirmation page, then (``post=yes``) the action on each selected user."""
    require(request, MANAGE_PERMISSION)
    back_url = _back_url(site, request.POST.get("_changelist_filters", ""))
    name = request.POST.get("action", "")
    action = next((a for a in registry.bulk_actions() if a.name == name), None)
    if action is None:
        messages.warning(request, _("No action selected. Choose an action, then press Go."))
        return HttpResponseRedirect(back_url)
    require(request, action.permission)
    subs = list(dict.fromkeys(value for value in request.POST.getlist("_selected_action") if value))
    if not subs:
        messages.warning(
            request,
            _("Items must be selected in order to perform actions on them. No items have been changed."),
        )
        return HttpResponseRedirect(back_url)
    if len(subs) > MAX_BULK_SELECTION or not all(looks_like_sub(sub) for sub in subs):
        messages.error(
            request,
            _("Select at most %(count)d users at a time, from the list. No users have been changed.")
            % {"count": MAX_BULK_SELECTION},
        )
        return HttpResponseRedirect(back_url)

    groups = group_choices(request) if action.parameter == "group" else None
    confirmed = request.POST.get("post") == "yes"
    form = BulkActionForm(request.POST if confirmed else None, action=action, groups=groups)
    valid = confirmed and form.is_valid()
    try:
        selection = _read(subs, action, form.parameters() if valid else None)
    except errors.CognitoUnavailable as exc:
        messages.error(request, unavailable(exc))
        return HttpResponseRedirect(back_url)
    if valid:
        _run(request, action, selection, form)
        return HttpResponseRedirect(back_url)
    context = page_context(
        request,
        site,
        _("Are you sure?"),
        action=action,
        selection=selection,
        actionable=sum(1 for item in selection if not item.problem),
        already=_already(action, selection, {}),
        form=form,
        changelist_filters=request.POST.get("_changelist_filters", ""),
        back_url=back_url,
    )
    return TemplateResponse(
        request, "admin/cognito/bulk_confirmation.html", context, status=400 if confirmed else 200
    )


def _already(action: StaffAction, selection: list[Selected], params: dict[str, str]) -> str:
    """The no-ops of a selection in words ("19 users were already enabled.", "9 users were already in
    editors."); empty when there are none."""
    count = sum(1 for item in selection if item.noop)
    if not count or not action.already_text:
        return ""
    return str(action.already_text % {"count": count, "parameter": params.get(action.parameter or "", "")})


def _run(request: HttpRequest, action: StaffAction, selection: list[Selected], form: BulkActionForm) -> None:
    actor = Actor.from_request(request)
    done: list[str] = []
    already = _already(action, selection, form.parameters())
    for position, item in enumerate(selection):
        if item.noop:
            continue
        if item.problem:
            messages.warning(request, f"{item.label}: {item.problem}.")
            continue
        result = attempt(
            action.name, item.user, actor=actor, reason=form.cleaned_data["reason"], **form.parameters()
        )
        if result.outcome is Outcome.DONE:
            done.append(item.label)
            continue
        said = report(result, action, item.label)
        say(request, Report(said.level, f"{item.label}: {said.text}"))
        if isinstance(result.error, errors.CognitoUnavailable) or result.outcome is Outcome.UNKNOWN:
            left = [other.label for other in selection[position + 1 :] if not other.problem]
            if left:
                messages.warning(
                    request,
                    _("Not done yet for: %(users)s. Select them again and retry.")
                    % {"users": ", ".join(left)},
                )
            break
    if done:
        messages.success(
            request,
            ngettext(
                "%(action)s: done for %(count)d user (%(users)s).",
                "%(action)s: done for %(count)d users (%(users)s).",
                len(done),
            )
            % {"action": action.label, "count": len(done), "users": ", ".join(done)},
        )
    if already:
        messages.info(request, already)
