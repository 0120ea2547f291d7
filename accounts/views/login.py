"""Sign-in: the password page, one page per challenge stage, and sign-out (POST only)."""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import ratelimit
from accounts.cognito import errors, get_idp, pool_description
from accounts.forms import LoginForm, MfaSetupForm, NewPasswordForm, TotpForm, current_policy, password_rules
from accounts.middleware import NOTICE_KEY
from accounts.signin import state
from accounts.signin.stages import Kind, SignInFlow, Step, safe_next
from accounts.views.common import (
    CONFIRM_USERNAME_KEY,
    LOGIN_USERNAME_KEY,
    RESET_USERNAME_KEY,
    clear_codes,
    cognito_trouble,
    render_page,
)

logger = logging.getLogger(__name__)


def _follow(request: HttpRequest, step: Step) -> HttpResponse | None:
    """The response for steps that leave the current page; None when the page should re-render."""
    if step.kind in (Kind.SIGNED_IN, Kind.STAGE):
        return step.apply_cookies(request, redirect(step.url))
    if step.kind is Kind.RESTART:
        if step.message:
            messages.warning(request, step.message)
        return step.apply_cookies(request, redirect("accounts:login"))
    if step.kind is Kind.UNCONFIRMED:
        messages.info(
            request,
            _(
                "Your account is not confirmed yet. Enter the code from our email, "
                "or ask for a new one below."
            ),
        )
        return step.apply_cookies(request, redirect("accounts:confirm"))
    if step.kind is Kind.RESET_REQUIRED:
        messages.info(
            request,
            _("You need to choose a new password before you can sign in. Ask for a reset code below."),
        )
        return step.apply_cookies(request, redirect("accounts:password_reset"))
    if step.kind is Kind.UNSUPPORTED:
        return step.apply_cookies(
            request,
            render_page(request, "accounts/unsupported.html", {"challenge": step.challenge}),
        )
    return None


# -- the password step -----------------------------------------------------------------------------
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    notice = request.session.pop(NOTICE_KEY, None)
    if notice:
        messages.info(request, notice)
    next_url = safe_next(
        request, request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    )
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if request.method != "POST":
        form = LoginForm(initial={"username": request.session.get(LOGIN_USERNAME_KEY, ""), "next": next_url})
        return render_page(request, "accounts/login.html", {"form": form})
    form = LoginForm(request.POST)
    limiter = ratelimit.RateLimiter(request, "login", request.POST.get("username", ""))
    blocked = limiter.check()
    if blocked:
        return ratelimit.too_many_requests(request, blocked)
    status = 200
    if form.is_valid():
        username = form.cleaned_data["username"]
        request.session[LOGIN_USERNAME_KEY] = username
        request.session[CONFIRM_USERNAME_KEY] = username
        request.session[RESET_USERNAME_KEY] = username
        try:
            step = SignInFlow(request).start(username, form.cleaned_data["password"], next_url)
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            response = _follow(request, step)
            if response is not None:
                return response
            limiter.failed()
            form.add_error(None, step.message)
            return step.apply_cookies(request, render_page(request, "accounts/login.html", {"form": form}))
    return render_page(request, "accounts/login.html", {"form": form}, status=status)


# -- NEW_PASSWORD_REQUIRED -------------------------------------------------------------------------
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def new_password(request: HttpRequest) -> HttpResponse:
    flow = SignInFlow(request)
    pending = flow.pending("NEW_PASSWORD_REQUIRED")
    if isinstance(pending, Step):
        return _follow(request, pending) or redirect("accounts:login")
    policy = current_policy()
    form = NewPasswordForm(request.POST or None, policy=policy)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            step = flow.answer_new_password(pending, form.cleaned_data["new_password1"])
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            response = _follow(request, step)
            if response is not None:
                if step.kind is Kind.STAGE:
                    messages.success(request, _("Your new password is saved."))
                return response
            form.add_error("new_password1", step.message)
    context = {"form": form, "password_rules": password_rules(policy), "username": pending.username}
    return render_page(request, "accounts/new_password.html", context, status=status)


# -- MFA_SETUP -------------------------------------------------------------------------------------
def otpauth_uri(username: str, secret: str) -> str:
    issuer = urllib.parse.quote(settings.PORTAL_SITE_NAME, safe="")
    account = urllib.parse.quote(username, safe="")
    return f"otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}"


def qr_svg(data: str) -> str:
    """The QR code as inline SVG markup, drawn here: the key never goes to a third-party service."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    markup = image.to_string(encoding="unicode")
    return markup[markup.index("<svg") :]


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _remember_offered() -> bool:
    try:
        return pool_description().device_tracking
    except errors.CognitoError:
        return True


def _answer_code(
    request: HttpRequest,
    form: TotpForm | MfaSetupForm,
    username: str,
    answer: Callable[..., Step],
    pending: object,
    signed_in_message: str = "",
) -> tuple[HttpResponse | None, int]:
    """Rate-limit and answer a posted TOTP code: a response when the page is left, else the status.

    The form keeps its errors and loses the code it carried.
    """
    limiter = ratelimit.RateLimiter(request, "mfa", username)
    blocked = limiter.check()
    if blocked:
        return ratelimit.too_many_requests(request, blocked), 429
    status = 200
    if form.is_valid():
        try:
            step = answer(pending, form.cleaned_data["code"], remember=form.cleaned_data["remember_device"])
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            if step.code_failed:
                limiter.failed()
            response = _follow(request, step)
            if response is not None:
                if signed_in_message and step.kind is Kind.SIGNED_IN:
                    messages.success(request, signed_in_message)
                return response, response.status_code
            form.add_error("code", step.message)
    clear_codes(form)
    return None, status


@sensitive_post_parameters("code")
@never_cache  # the page shows the authenticator key: no cache may keep it
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    flow = SignInFlow(request)
    pending = flow.pending("MFA_SETUP")
    if isinstance(pending, Step):
        return _follow(request, pending) or redirect("accounts:login")
    form = MfaSetupForm(request.POST or None)
    status = 200
    try:
        secret = flow.totp_setup(pending)
    except errors.NotAuthorized:
        flow.cancel()
        messages.warning(request, _("Your sign-in took too long and has expired. Please sign in again."))
        return redirect("accounts:login")
    except errors.CognitoError as exc:
        status = cognito_trouble(request, exc)
        return render_page(request, "accounts/mfa_setup.html", {"form": form, "secret": ""}, status=status)
    if request.method == "POST":
        response, status = _answer_code(
            request,
            form,
            pending.username,
            flow.verify_totp_setup,
            pending,
            _("Your authenticator app is set up."),
        )
        if response is not None:
            return response
    context = {
        "form": form,
        "secret": grouped(secret),
        "qr_svg": mark_safe(qr_svg(otpauth_uri(pending.username, secret))),  # noqa: S308 (our own markup)
        "username": pending.username,
        "site_name": settings.PORTAL_SITE_NAME,
        "remember_offered": _remember_offered(),
    }
    return render_page(request, "accounts/mfa_setup.html", context, status=status)


# -- SOFTWARE_TOKEN_MFA ----------------------------------------------------------------------------
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def mfa(request: HttpRequest) -> HttpResponse:
    flow = SignInFlow(request)
    pending = flow.pending("SOFTWARE_TOKEN_MFA")
    if isinstance(pending, Step):
        return _follow(request, pending) or redirect("accounts:login")
    form = TotpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        response, status = _answer_code(request, form, pending.username, flow.answer_totp, pending)
        if response is not None:
            return response
    context = {"form": form, "username": pending.username, "remember_offered": _remember_offered()}
    return render_page(request, "accounts/mfa.html", context, status=status)


# -- sign-out --------------------------------------------------------------------------------------
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    tokens = state.load_tokens(request.session)
    if tokens is not None and tokens.refresh_token:
        try:
            get_idp().revoke_token(tokens.refresh_token)
        except errors.CognitoError as exc:
            # The local session ends regardless; the token dies with its validity at the latest.
            logger.warning("RevokeToken failed at sign-out: %s", exc.code or exc.__class__.__name__)
    was_signed_in = request.user.is_authenticated
    logout(request)  # flushes the session: tokens and any pending sign-in are gone
    if was_signed_in:
        messages.success(request, _("You have signed out."))
    response = redirect(reverse("accounts:login"))
    response["Clear-Site-Data"] = '"cache"'
    return response
