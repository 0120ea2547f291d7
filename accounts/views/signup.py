"""Sign-up, email confirmation and resending the confirmation code.

Shaped by the pool (DESIGN §8): email-as-username pools ask for the email and a password only. Outcomes
Cognito may have applied without answering (a timeout after sending) are read back before the person is
told anything (``accounts.flows.signup``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import ratelimit
from accounts.cognito import errors, pool_description_or_none
from accounts.cognito.descriptions import SIGN_IN_EMAIL, SIGN_IN_PHONE
from accounts.flows import signup as flow
from accounts.forms import ConfirmForm, SignUpForm
from accounts.identity import confirmation_label
from accounts.password_rules import current_policy, password_rules
from accounts.views.common import (
    CONFIRM_USERNAME_KEY,
    LOGIN_USERNAME_KEY,
    clear_codes,
    cognito_trouble,
    rate_limited,
    render_page,
)


def reveal_existence() -> bool:
    """``PORTAL_REVEAL_ACCOUNT_EXISTENCE``: say "taken" / "already confirmed" plainly (default: no)."""
    return bool(getattr(settings, "PORTAL_REVEAL_ACCOUNT_EXISTENCE", False))


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("signup", count_when="sent")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        messages.info(request, _("You already have an account and are signed in."))
        return redirect("accounts:home")
    policy = current_policy()
    pool = pool_description_or_none()
    email_is_username = pool is not None and pool.sign_in == SIGN_IN_EMAIL
    form = SignUpForm(
        request.POST or None,
        policy=policy,
        email_is_username=email_is_username,
        email_is_alias=pool is not None and "email" in pool.alias_attributes,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        # Only submissions that reach Cognito count against the limit: typos caught above never do.
        blocked = request.limiter.check()
        if blocked:
            return ratelimit.too_many_requests(request, blocked)
        name, email = form.sign_in_name, form.cleaned_data["email"]
        try:
            outcome = flow.sign_up(name=name, email=email, password=form.cleaned_data["password1"])
        except errors.UsernameExists:
            if flow.waiting_for_confirmation(name=name, email=email):
                # The same person again (e.g. after a lost answer): carry on with the confirmation.
                request.session[CONFIRM_USERNAME_KEY] = name
                messages.info(
                    request, _("This account is waiting for its confirmation code: enter it below.")
                )
                return redirect("accounts:confirm")
            if email_is_username and not reveal_existence():
                # Do not tell whether this address has an account: answer as for a new one.
                request.session[CONFIRM_USERNAME_KEY] = name
                messages.success(request, _sent_code_message(email))
                return redirect("accounts:confirm")
            form.add_error(
                "email" if email_is_username else "username",
                _("This email address already has an account. Sign in, or reset your password.")
                if email_is_username
                else _("This username is taken. Choose another one."),
            )
        except errors.InvalidPassword as exc:
            form.add_error("password1", exc.user_message)
        except errors.InvalidParameter as exc:
            field = "email" if "email" in exc.aws_message.lower() else None
            if field is None and "username" in exc.aws_message.lower() and not email_is_username:
                field = "username"
            form.add_error(field, _("Check this value: the sign-in service did not accept it."))
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            if outcome.unknown:
                request.session[CONFIRM_USERNAME_KEY] = name
                messages.warning(
                    request,
                    _(
                        "The sign-in service did not answer in time, so we cannot tell yet whether your "
                        "account was created. If a code reaches %(email)s in the next few minutes, enter it "
                        "below; if none comes, sign up again."
                    )
                    % {"email": email},
                )
                return redirect("accounts:confirm")
            if outcome.confirmed:  # a pre sign-up trigger confirmed the account already
                request.session[LOGIN_USERNAME_KEY] = name
                messages.success(
                    request, _("Your account is ready. Sign in to set up your authenticator app.")
                )
                return redirect("accounts:sign_in")
            request.session[CONFIRM_USERNAME_KEY] = name
            messages.success(request, _sent_code_message(email))
            return redirect("accounts:confirm")
    context = {"form": form, "password_rules": password_rules(policy)}
    return render_page(request, "accounts/signup.html", context, status=status)


def _sent_code_message(email: str) -> str:
    return _("We have emailed a confirmation code to %(email)s: enter it below.") % {"email": email}


def _confirm_context(request: HttpRequest, form: ConfirmForm, *, wait: int = 0) -> dict:
    """The confirm page's context; ``wait`` (seconds) holds the "Send a new code" button back at least
    that long, on top of the cooldown of the name in the form."""
    username = form["username"].value() or ""
    return {"form": form, "resend_wait": max(wait, ratelimit.cooldown_remaining("resend", username))}


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("confirm", username_field="username")
def confirm(request: HttpRequest) -> HttpResponse:
    label = confirmation_label(pool_description_or_none())
    if request.method != "POST":
        form = ConfirmForm(initial={"username": request.session.get(CONFIRM_USERNAME_KEY, "")}, label=label)
        return render_page(request, "accounts/confirm.html", _confirm_context(request, form))
    form = ConfirmForm(request.POST, label=label)
    status = 200
    if form.is_valid():
        username = form.cleaned_data["username"]
        request.session[CONFIRM_USERNAME_KEY] = username
        try:
            flow.confirm_sign_up(name=username, code=form.cleaned_data["code"])
        except (errors.CodeMismatch, errors.UserNotFound):
            request.limiter.failed()
            form.add_error("code", _code_problem())
        except errors.ExpiredCode:
            request.limiter.failed()
            form.add_error("code", _("That code has expired. Ask for a new code below."))
        except errors.NotAuthorized:
            # Cognito refuses to confirm an account twice.
            if reveal_existence():
                request.session[LOGIN_USERNAME_KEY] = username
                messages.info(request, _("Your account is already confirmed. Sign in below."))
                return redirect("accounts:sign_in")
            request.limiter.failed()
            form.add_error("code", _code_problem())
        except (errors.LimitExceeded, errors.TooManyFailedAttempts) as exc:
            request.limiter.failed()
            form.add_error(None, exc.user_message)
        except errors.AliasExists as exc:
            form.add_error(None, exc.user_message)
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            request.session.pop(CONFIRM_USERNAME_KEY, None)
            request.session[LOGIN_USERNAME_KEY] = username
            messages.success(
                request, _("Your email address is confirmed. Sign in to finish setting up your account.")
            )
            return redirect("accounts:sign_in")
    clear_codes(form)
    return render_page(request, "accounts/confirm.html", _confirm_context(request, form), status=status)


def _code_problem() -> str:
    if reveal_existence():
        return _("That code is not correct. Check the email, or ask for a new code below.")
    return _(
        "That code is not correct, or the account is confirmed already: check the email, ask for a new "
        "code below, or sign in."
    )


def _name_required(pool) -> str:
    if pool is not None and pool.sign_in == SIGN_IN_EMAIL:
        return _("Enter your email address to get a new code.")
    if pool is not None and pool.sign_in == SIGN_IN_PHONE:
        return _("Enter your phone number to get a new code.")
    return _("Enter your username to get a new code.")


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("resend", username_field="username", count_when="sent")
def resend(request: HttpRequest) -> HttpResponse:
    """POST ``username`` (the confirm form's "Send a new code" button): ResendConfirmationCode.

    A GET (a reloaded or followed link) shows the confirm page. Refusals re-render the confirm page with
    everything typed kept; only a code that goes (or may have gone) out leads back to a fresh page.
    """
    if request.method != "POST":
        return redirect("accounts:confirm")
    pool = pool_description_or_none()
    form = ConfirmForm(
        request.POST, label=confirmation_label(pool), resending=True, name_required=_name_required(pool)
    )
    if not form.is_valid():  # no name, or one with spaces: said on its field, nothing counted or sent
        return render_page(request, "accounts/confirm.html", _confirm_context(request, form))
    username = form.cleaned_data["username"]
    request.session[CONFIRM_USERNAME_KEY] = username
    blocked = request.limiter.check()
    if blocked:
        # Early (the cooldown) or too often: the same page with the time left, not a dead end.
        form.add_error(None, _("Too many attempts. Please wait a little and try again."))
        context = _confirm_context(request, form, wait=blocked.retry_after)
        response = render_page(request, "accounts/confirm.html", context, status=429)
        response["Retry-After"] = str(blocked.retry_after)
        return response
    try:
        flow.resend_code(name=username)
    except errors.CognitoUnavailable as exc:
        if not exc.outcome_unknown:
            status = cognito_trouble(request, exc, form)
            return render_page(
                request, "accounts/confirm.html", _confirm_context(request, form), status=status
            )
        # It may have gone out: never send another one now (the cooldown below starts either way).
    request.limiter.sent()
    messages.success(
        request,
        _(
            "If an unconfirmed account exists for %(username)s, we have sent a new code to its "
            "email address. Codes expire in 24 hours."
        )
        % {"username": username},
    )
    return redirect("accounts:confirm")
