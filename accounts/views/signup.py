"""Sign-up, email confirmation and resending the confirmation code."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import ratelimit
from accounts.cognito import errors, get_idp
from accounts.forms import ConfirmForm, ResendForm, SignUpForm, current_policy, password_rules
from accounts.views.common import (
    CONFIRM_USERNAME_KEY,
    LOGIN_USERNAME_KEY,
    clear_codes,
    cognito_trouble,
    render_page,
)

CODE_PROBLEM = gettext_lazy("That code is not correct. Check the email, or ask for a new code below.")


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        messages.info(request, _("You already have an account and are signed in."))
        return redirect("accounts:home")
    policy = current_policy()
    form = SignUpForm(request.POST or None, policy=policy)
    status = 200
    if request.method == "POST":
        blocked = ratelimit.RateLimiter(request, "signup").check()
        if blocked:
            return ratelimit.too_many_requests(request, blocked)
        if form.is_valid():
            username = form.cleaned_data["username"]
            try:
                result = get_idp().sign_up(
                    username, form.cleaned_data["password1"], {"email": form.cleaned_data["email"]}
                )
            except errors.UsernameExists:
                form.add_error("username", _("This username is taken. Choose another one."))
            except errors.InvalidPassword as exc:
                form.add_error("password1", exc.user_message)
            except errors.InvalidParameter as exc:
                field = "email" if "email" in exc.aws_message.lower() else None
                if field is None and "username" in exc.aws_message.lower():
                    field = "username"
                form.add_error(field, _("Check this value: the sign-in service did not accept it."))
            except errors.CognitoError as exc:
                status = cognito_trouble(request, exc, form)
            else:
                if result.confirmed:  # a pre sign-up trigger confirmed the account already
                    request.session[LOGIN_USERNAME_KEY] = username
                    messages.success(
                        request, _("Your account is ready. Sign in to set up your authenticator app.")
                    )
                    return redirect("accounts:login")
                request.session[CONFIRM_USERNAME_KEY] = username
                messages.success(
                    request,
                    _(
                        "Your account is created. We have emailed a confirmation code to %(email)s: "
                        "enter it below."
                    )
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("accounts:confirm")
    return render_page(
        request,
        "accounts/signup.html",
        {"form": form, "password_rules": password_rules(policy)},
        status=status,
    )


def _confirm_context(request: HttpRequest, form: ConfirmForm) -> dict:
    username = form["username"].value() or ""
    return {
        "form": form,
        "resend_form": ResendForm(initial={"username": username}),
        "resend_wait": ratelimit.cooldown_remaining("resend", username),
    }


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = ConfirmForm(initial={"username": request.session.get(CONFIRM_USERNAME_KEY, "")})
        return render_page(request, "accounts/confirm.html", _confirm_context(request, form))
    form = ConfirmForm(request.POST)
    limiter = ratelimit.RateLimiter(request, "confirm", request.POST.get("username", ""))
    blocked = limiter.check()
    if blocked:
        return ratelimit.too_many_requests(request, blocked)
    status = 200
    if form.is_valid():
        username = form.cleaned_data["username"]
        request.session[CONFIRM_USERNAME_KEY] = username
        try:
            get_idp().confirm_sign_up(username, form.cleaned_data["code"])
        except (errors.CodeMismatch, errors.UserNotFound):
            limiter.failed()
            form.add_error("code", CODE_PROBLEM)
        except errors.ExpiredCode:
            limiter.failed()
            form.add_error("code", _("That code has expired. Ask for a new code below."))
        except errors.NotAuthorized:
            # Cognito refuses to confirm an account twice: the account is ready, so go and sign in.
            request.session[LOGIN_USERNAME_KEY] = username
            messages.info(request, _("Your account is already confirmed. Sign in below."))
            return redirect("accounts:login")
        except (errors.LimitExceeded, errors.TooManyFailedAttempts) as exc:
            limiter.failed()
            form.add_error(None, exc.user_message)
        except errors.AliasExists as exc:
            form.add_error(None, exc.user_message)
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            request.session.pop(CONFIRM_USERNAME_KEY, None)
            request.session[LOGIN_USERNAME_KEY] = username
            messages.success(
                request,
                _("Your email address is confirmed. Sign in to finish setting up your account."),
            )
            return redirect("accounts:login")
    clear_codes(form)
    return render_page(request, "accounts/confirm.html", _confirm_context(request, form), status=status)


@never_cache
@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    form = ResendForm(request.POST)
    limiter = ratelimit.RateLimiter(request, "resend", request.POST.get("username", ""))
    blocked = limiter.check()
    if blocked:
        return ratelimit.too_many_requests(request, blocked)
    if not form.is_valid():
        messages.error(request, _("Enter your username to get a new code."))
        return redirect("accounts:confirm")
    username = form.cleaned_data["username"]
    request.session[CONFIRM_USERNAME_KEY] = username
    try:
        get_idp().resend_confirmation_code(username)
    except errors.CognitoUnavailable as exc:
        cognito_trouble(request, exc)
        return redirect("accounts:confirm")
    except errors.CognitoError:
        # Unknown, already confirmed or over Cognito's quota: the answer is the same, so that this page
        # never tells whether an account exists.
        pass
    limiter.sent()
    messages.success(
        request,
        _(
            "If an unconfirmed account exists for %(username)s, we have sent a new code to its "
            "email address. "
            "Codes expire in 24 hours."
        )
        % {"username": username},
    )
    return redirect("accounts:confirm")
