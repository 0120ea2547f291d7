"""One action on one user: a confirmation page (GET) and the action itself (POST), keyed by sub.

A generated temporary password is shown once, on the POST's own answer (``no-store``, never in a message,
the session or a log); a refreshed or revisited page cannot show it again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.cognito.types import CognitoUser
from accounts.staff import registry, selectors
from accounts.staff.forms import ActionForm
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import VIEW_PERMISSION, Actor, StaffAction, UserState
from accounts.staff.reports import cognito_said, report
from accounts.staff.service import ActionResult, attempt
from accounts.staff.views.bulk import group_choices
from accounts.staff.views.common import (
    action_url,
    detail_url,
    list_url,
    not_found,
    page_context,
    refusal_page,
    require,
    say,
    say_unavailable,
    with_retry,
)


def _action(name: str) -> StaffAction:
    action = next((a for a in registry.user_actions() if a.name == name), None)
    if action is None:
        raise Http404(_("There is no such action."))
    return action


def _status(result: ActionResult) -> int:
    if result.instead:
        return 409
    if result.refusal:
        return 403
    if isinstance(result.error, errors.CognitoUnavailable):
        return 503
    return 400


def _parameter_label(spec: StaffAction, user: CognitoUser, value: str) -> str:
    """The parameter as staff know it: a device by its name, never a secret."""
    if not value or spec.parameter_is_secret:
        return ""
    if spec.parameter == "device_key":
        return selectors.device_label(user.username, value)
    return value


def _instead(request: HttpRequest, site: admin.AdminSite, spec: StaffAction, state: UserState) -> dict | None:
    """The action that fits this user instead of ``spec`` (its label, URL and why), or None."""
    other = spec.alternative(state)
    if not other:
        return None
    alternative = registry.get(other)
    user = state.user
    return {
        "text": spec.instead_message(other, selectors.staff_label(user)),
        "label": alternative.label,
        "url": action_url(site, user.sub, other) if request.user.has_perm(alternative.permission) else "",
    }


def _form_error(form: ActionForm, result: ActionResult) -> bool:
    """Cognito's refusal of a typed password as a field error (the form is shown again); True if it was."""
    if form.typed_password and isinstance(result.error, errors.InvalidPassword):
        form.add_error("password1", str(result.error.user_message))
        return True
    return False


def user_action(request: HttpRequest, sub: str, action: str, *, site: admin.AdminSite) -> HttpResponse:
    """GET: confirm ``action`` for the user ``sub``. POST: run it (``attempt``), report the outcome."""
    spec = _action(action)
    require(request, VIEW_PERMISSION)
    require(request, spec.permission)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        user = selectors.resolve_sub(sub)
    except errors.UserNotFound:
        return not_found(request, site, sub)
    except errors.CognitoUnavailable as exc:
        say_unavailable(request, exc)
        context = page_context(request, site, sub, username=sub, failed=True)
        return with_retry(TemplateResponse(request, "admin/cognito/user_detail.html", context))
    except errors.CognitoError as exc:
        messages.error(request, cognito_said(exc))
        context = page_context(request, site, sub, username=sub, failed=True)
        return TemplateResponse(request, "admin/cognito/user_detail.html", context, status=502)

    label = selectors.staff_label(user)
    state = selectors.user_state(user)
    instead = _instead(request, site, spec, state)
    if instead is None:
        # The portal's own rules (group memberships, portal staff and administrators) refuse on the GET
        # already, with the same page and status as the POST.
        data = request.POST if request.method == "POST" else request.GET
        guarded = {"group": data.get("group", "")} if spec.parameter == "group" else {}
        refused = refusal_page(request, site, spec, user, params=guarded)
        if refused is not None:
            return refused
    groups = group_choices(request) if spec.parameter == "group" and spec.name == "add_to_group" else []
    names = selectors.person_names(user)  # a typed password must not resemble or contain the user's own names
    form_options: dict[str, Any] = {"action": spec, "name": label, "groups": groups, "names": names}
    if request.method == "POST":
        form = ActionForm(request.POST, **form_options)
    else:
        initial = {spec.parameter: request.GET.get(spec.parameter, "")} if spec.parameter else {}
        form = ActionForm(initial=initial, **form_options)
        if not spec.applies(state) and instead is None:
            messages.warning(
                request,
                _(
                    "“%(action)s” does not apply to %(username)s as Cognito lists them now "
                    "(%(status)s, %(enabled)s)."
                )
                % {
                    "action": spec.label,
                    "username": label,
                    "status": user.status,
                    "enabled": _("enabled") if user.enabled else _("disabled"),
                },
            )

    parameter = ""
    if spec.parameter:
        parameter = (
            form.data.get(spec.parameter) if form.is_bound else form.initial.get(spec.parameter)
        ) or ""
    status = 200 if instead is None else 409
    if form.is_bound and form.is_valid():
        generated = spec.generates(user) if spec.generates else ""
        params = {**form.parameters(), **({spec.parameter: generated} if generated else {})}
        result = attempt(
            spec.name, user, actor=Actor.from_request(request), reason=form.cleaned_data["reason"], **params
        )
        if isinstance(result.error, errors.UserNotFound):
            return not_found(request, site, label)
        if generated and result.outcome is Outcome.DONE:
            return _show_once(request, site, spec, user, label, generated, report(result, spec, label))
        if not _form_error(form, result) and not result.instead:
            say(request, report(result, spec, label))  # a device by the name the action read
        if result.outcome is not Outcome.FAILED:
            if spec.name == "delete" and result.outcome is Outcome.DONE:
                return HttpResponseRedirect(list_url(site))
            return HttpResponseRedirect(detail_url(site, sub))
        status = _status(result)
    elif form.is_bound:
        status = 400 if instead is None else 409

    parameter_label = _parameter_label(spec, user, parameter)
    context = page_context(
        request,
        site,
        _("Are you sure?"),
        username=label,
        action=spec,
        form=form,
        confirmation=spec.confirmation
        % {"username": label, "parameter": parameter_label or _("(choose below)")},
        detail_url=detail_url(site, sub),
        danger=spec.danger,
        instead=instead,
    )
    response = TemplateResponse(request, "admin/cognito/action_confirmation.html", context, status=status)
    if form.typed_password:
        add_never_cache_headers(response)
    return with_retry(response) if status == 503 else response


def _show_once(
    request: HttpRequest,
    site: admin.AdminSite,
    spec: StaffAction,
    user: CognitoUser,
    label: str,
    password: str,
    said: Any,
) -> HttpResponse:
    """The generated password, on this answer only: no-store, not a redirect, not in the session."""
    context = page_context(
        request,
        site,
        spec.label,
        username=label,
        action=spec,
        detail_url=detail_url(site, user.sub),
        done=said.text,
        password=password,
    )
    response = TemplateResponse(request, "admin/cognito/password_shown.html", context)
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response
