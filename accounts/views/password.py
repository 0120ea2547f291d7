"""Forgotten password: ask for a reset code, then set a new password with it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import ratelimit
from accounts.cognito import errors, get_idp
from accounts.forms import PasswordResetConfirmForm, PasswordResetForm, current_policy, password_rules
from accounts.models import RememberedDevice
from accounts.views.common import (
    LOGIN_USERNAME_KEY,
    RESET_USERNAME_KEY,
    clear_codes,
    cognito_trouble,
    render_page,
)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = PasswordResetForm(initial={"username": request.session.get(RESET_USERNAME_KEY, "")})
        return render_page(request, "accounts/password_reset.html", {"form": form})
    form = PasswordResetForm(request.POST)
    limiter = ratelimit.RateLimiter(request, "password_reset", request.POST.get("username", ""))
    blocked = limiter.check()
    if blocked:
        return ratelimit.too_many_requests(request, blocked)
    status = 200
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            get_idp().forgot_password(username)
        except errors.CognitoUnavailable as exc:
            status = cognito_trouble(request, exc, form)
        except errors.CognitoError:
            # Unknown user, no verified address, over quota: the same answer as success, so that this
            # page never tells whether an account exists.
            pass
        if status == 200:
            limiter.sent()
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
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    policy = current_policy()
    if request.method != "POST":
        form = PasswordResetConfirmForm(
            initial={"username": request.session.get(RESET_USERNAME_KEY, "")}, policy=policy
        )
        return render_page(
            request,
            "accounts/password_reset_confirm.html",
            {"form": form, "password_rules": password_rules(policy)},
        )
    form = PasswordResetConfirmForm(request.POST, policy=policy)
    limiter = ratelimit.RateLimiter(request, "password_reset_confirm", request.POST.get("username", ""))
    blocked = limiter.check()
    if blocked:
        return ratelimit.too_many_requests(request, blocked)
    status = 200
    if form.is_valid():
        username = form.cleaned_data["username"]
        try:
            get_idp().confirm_forgot_password(
                username, form.cleaned_data["code"], form.cleaned_data["new_password1"]
            )
        except (errors.CodeMismatch, errors.ExpiredCode, errors.UserNotFound, errors.NotAuthorized):
            limiter.failed()
            form.add_error("code", _("That code is invalid or has expired. Request a new code."))
        except errors.InvalidPassword as exc:
            form.add_error("new_password1", exc.user_message)
        except (errors.LimitExceeded, errors.TooManyFailedAttempts) as exc:
            limiter.failed()
            form.add_error(None, exc.user_message)
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            # A new password ends the trust placed in remembered browsers: they must pass MFA again.
            RememberedDevice.objects.filter(user__username=username).delete()
            request.session.pop(RESET_USERNAME_KEY, None)
            request.session[LOGIN_USERNAME_KEY] = username
            messages.success(request, _("Your password is changed. Sign in with the new password."))
            return redirect("accounts:login")
    clear_codes(form)
    context = {"form": form, "password_rules": password_rules(policy)}
    return render_page(request, "accounts/password_reset_confirm.html", context, status=status)
