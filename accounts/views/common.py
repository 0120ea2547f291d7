"""Helpers shared by the end-user views: Cognito trouble on the same page, and session-kept usernames."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import ratelimit
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


def rate_limited(
    action: str,
    *,
    username_field: str | None = None,
    username: Callable[[HttpRequest], str] | None = None,
    count_when: str = "posted",
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: the limits of ``action`` (``ratelimit.DEFAULT_LIMITS``) for POSTs.

    The request gets ``request.limiter`` (a ``ratelimit.RateLimiter``) for the view to report failures
    (``failed()``) and codes sent (``sent()``). With ``count_when="posted"`` every POST is checked and counted
    before the view runs (429, no Cognito call, when over). With ``count_when="sent"`` the view calls
    ``request.limiter.check()`` itself just before it calls Cognito, so typos caught by the form never count.
    The username comes from the POST field ``username_field`` or from ``username(request)``.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                name = username(request) if username else request.POST.get(username_field or "", "")
                request.limiter = ratelimit.RateLimiter(request, action, name)
                if count_when == "posted":
                    blocked = request.limiter.check()
                    if blocked:
                        return ratelimit.too_many_requests(request, blocked)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
