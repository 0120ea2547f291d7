"""Helpers shared by the end-user views: Cognito trouble on the same page, and session-kept usernames."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.cognito import errors

logger = logging.getLogger(__name__)

# Usernames the next page should prefill (not secret; never used to authenticate anything).
CONFIRM_USERNAME_KEY = "accounts.confirm_username"
LOGIN_USERNAME_KEY = "accounts.login_username"
RESET_USERNAME_KEY = "accounts.reset_username"

RETRY_AFTER_SECONDS = 30


def cognito_trouble(request: HttpRequest, exc: errors.CognitoError, form: forms.Form | None = None) -> int:
    """Explain a Cognito failure on the current page; returns the status code to render with."""
    if isinstance(exc, errors.CognitoUnavailable):
        text = _(
            "The sign-in service is busy or unreachable right now. What you typed is kept "
            "(except passwords); please try again in a minute."
        )
        status = 503
    else:
        logger.warning("Cognito %s failed: %s (request %s)", exc.operation, exc.code, exc.request_id)
        text = _("Something went wrong while talking to the sign-in service. Please try again.")
        status = 200
    if form is not None:
        form.add_error(None, text)
    else:
        messages.error(request, text)
    return status


def render_page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def clear_codes(form: forms.Form) -> None:
    """Codes are one-time values: never re-render them after a failure."""
    if form.is_bound and "code" in form.fields:
        data = form.data.copy()
        data["code"] = ""
        form.data = data


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A friendly 403 for a form sent without a valid CSRF token (stale page, blocked cookie)."""
    return render(request, "403_csrf.html", status=403)
