"""Forgotten password: ask for a reset code, then set a new password with it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.cognito import errors, pool_description_or_none
from accounts.flows import passwords
from accounts.forms import PasswordResetConfirmForm, PasswordResetForm
from accounts.identity import sign_in_label
from accounts.password_rules import current_policy, password_rules
from accounts.views.common import (
    LOGIN_USERNAME_KEY,
    RESET_USERNAME_KEY,
    clear_codes,
    cognito_trouble,
    rate_limited,
    render_page,
)


def _label() -> str:
    """The reset pages' name field is labelled as the sign-in page's (the pool's sign-in names)."""
    return sign_in_label(pool_description_or_none())


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("password_reset", username_field="username")
def password_reset(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = PasswordResetForm(
            initial={"username": request.session.get(RESET_USERNAME_KEY, "")}, label=_label()
        )
        return render_page(request, "accounts/password_reset.html", {"form": form})
    form = PasswordResetForm(request.POST, label=_label())
    status = 200
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            passwords.request_reset(typed_name=username)
        except errors.CognitoUnavailable as exc:
            status = cognito_trouble(request, exc, form)
        if status == 200:
            request.limiter.sent()
            request.session[RESET_USERNAME_KEY] = username
            messages.success(
                request,
                _(
                    "If an account exists for %(username)s, we have sent a reset code to its email address. "
                    "The code expires in 1 hour."
                )
                % {"username": username},
            )
            return redirect("accounts:password_reset_confirm")
    return render_page(request, "accounts/password_reset.html", {"form": form}, status=status)


@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("password_reset_confirm", username_field="username")
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    policy = current_policy()
    if request.method != "POST":
        form = PasswordResetConfirmForm(
            initial={"username": request.session.get(RESET_USERNAME_KEY, "")}, policy=policy, label=_label()
        )
        return render_page(
            request,
            "accounts/password_reset_confirm.html",
            {"form": form, "password_rules": password_rules(policy)},
        )
    form = PasswordResetConfirmForm(request.POST, policy=policy, label=_label())
    status = 200
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            ended = passwords.confirm_reset(
                typed_name=username,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
            )
        except (errors.CodeMismatch, errors.ExpiredCode, errors.UserNotFound, errors.NotAuthorized):
            request.limiter.failed()
            form.add_error("code", _("That code is invalid or has expired. Request a new code."))
        except errors.InvalidPassword as exc:
            form.add_error("new_password1", exc.user_message)
        except (errors.LimitExceeded, errors.TooManyFailedAttempts) as exc:
            request.limiter.failed()
            form.add_error(None, exc.user_message)
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            request.session.pop(RESET_USERNAME_KEY, None)
            request.session[LOGIN_USERNAME_KEY] = username
            text = _("Your password is changed. Sign in with the new password.")
            if ended.complete:
                text += " " + _("You are signed out everywhere, and remembered browsers will ask for a code.")
            messages.success(request, text)
            return redirect("accounts:sign_in")
    clear_codes(form)
    context = {"form": form, "password_rules": password_rules(policy)}
    return render_page(request, "accounts/password_reset_confirm.html", context, status=status)
