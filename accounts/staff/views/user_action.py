"""One action on one user: a confirmation page (GET) and the action itself (POST), keyed by sub."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.staff import registry, selectors
from accounts.staff.forms import ActionForm
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import VIEW_PERMISSION, Actor, StaffAction, UserState
from accounts.staff.reports import cognito_said, report
from accounts.staff.service import ActionResult, attempt
from accounts.staff.views.bulk import group_choices
from accounts.staff.views.common import (
    detail_url,
    list_url,
    not_found,
    page_context,
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
    if result.refusal:
        return 403
    if isinstance(result.error, errors.CognitoUnavailable):
        return 503
    return 400


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
    groups = group_choices(request) if spec.parameter == "group" and spec.name == "add_to_group" else []
    if request.method == "POST":
        form = ActionForm(request.POST, action=spec, name=label, groups=groups)
    else:
        initial = {spec.parameter: request.GET.get(spec.parameter, "")} if spec.parameter else {}
        form = ActionForm(initial=initial, action=spec, name=label, groups=groups)
        if not spec.applies(UserState(user)):
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

    status = 200
    if form.is_bound and form.is_valid():
        result = attempt(
            spec.name,
            user,
            actor=Actor.from_request(request),
            reason=form.cleaned_data["reason"],
            **form.parameters(),
        )
        if isinstance(result.error, errors.UserNotFound):
            return not_found(request, site, label)
        say(request, report(result, spec, label))
        if result.outcome is not Outcome.FAILED:
            if spec.name == "delete" and result.outcome is Outcome.DONE:
                return HttpResponseRedirect(list_url(site))
            return HttpResponseRedirect(detail_url(site, sub))
        status = _status(result)
    elif form.is_bound:
        status = 400

    parameter = ""
    if spec.parameter:
        parameter = (
            form.data.get(spec.parameter) if form.is_bound else form.initial.get(spec.parameter)
        ) or ""
    context = page_context(
        request,
        site,
        _("Are you sure?"),
        username=label,
        action=spec,
        form=form,
        confirmation=spec.confirmation % {"username": label, "parameter": parameter or _("(choose below)")},
        detail_url=detail_url(site, sub),
        danger=spec.danger,
    )
    response = TemplateResponse(request, "admin/cognito/action_confirmation.html", context, status=status)
    return with_retry(response) if status == 503 else response
