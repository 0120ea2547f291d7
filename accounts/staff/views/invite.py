"""Inviting a user: AdminCreateUser, after which Cognito emails them a temporary password."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.staff import registry
from accounts.staff.forms import InviteForm
from accounts.staff.outcomes import Outcome
from accounts.staff.query import email_is_username
from accounts.staff.registry import MANAGE_PERMISSION, VIEW_PERMISSION, Actor
from accounts.staff.reports import report
from accounts.staff.service import attempt
from accounts.staff.views.common import detail_url, list_url, page_context, require, say, with_retry


def invite(request: HttpRequest, *, site: admin.AdminSite) -> HttpResponse:
    """GET: the invitation form. POST: invite the user (``attempt("invite")``), then their page."""
    require(request, VIEW_PERMISSION)
    require(request, MANAGE_PERMISSION)
    if request.method not in {"GET", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    form = InviteForm(
        request.POST if request.method == "POST" else None, email_is_username=email_is_username()
    )
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            action = registry.get("invite")
            username, email = form.new_username(), form.cleaned_data["email"]
            result = attempt(
                "invite",
                username,
                actor=Actor.from_request(request),
                reason=form.cleaned_data["reason"],
                email=email,
            )
            name = username
            if isinstance(result.error, errors.UsernameExists):
                form.add_error(
                    "email" if form.email_is_username else "username",
                    _("A user with this username already exists. Choose another one."),
                )
            elif result.outcome is Outcome.FAILED and isinstance(result.error, errors.CognitoUnavailable):
                say(request, report(result, action, name))
                status = 503
            elif result.outcome is Outcome.FAILED:
                form.add_error(None, report(result, action, name).text)
            else:
                say(request, report(result, action, name))
                if result.user is not None and result.user.sub:
                    return HttpResponseRedirect(detail_url(site, result.user.sub))
                return HttpResponseRedirect(list_url(site))
    context = page_context(request, site, _("Invite user"), form=form)
    response = TemplateResponse(request, "admin/cognito/invite.html", context, status=status)
    return with_retry(response) if status == 503 else response
