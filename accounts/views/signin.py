"""Sign-in: the password page, the one generic stage page, and sign-out (a "Sign out?" page, then POST)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import ratelimit
from accounts.cognito import errors, pool_description_or_none
from accounts.flows import account
from accounts.forms import LoginForm
from accounts.identity import sign_in_label
from accounts.middleware import NOTICE_KEY
from accounts.signin import state
from accounts.signin.flow import SignInFlow
from accounts.signin.stages import STAGES, Stage
from accounts.signin.steps import Kind, Step, safe_next
from accounts.views.common import (
    CONFIRM_USERNAME_KEY,
    LOGIN_USERNAME_KEY,
    RESET_USERNAME_KEY,
    clear_codes,
    cognito_trouble,
    rate_limited,
    render_page,
)

logger = logging.getLogger(__name__)


def follow(request: HttpRequest, step: Step) -> HttpResponse | None:
    """The response for steps that leave the current page; None when the page should re-render."""
    if step.kind in (Kind.SIGNED_IN, Kind.STAGE):
        return step.apply_cookies(request, redirect(step.url))
    if step.kind is Kind.RESTART:
        if step.message:
            messages.warning(request, step.message)
        return step.apply_cookies(request, redirect("accounts:sign_in"))
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
@rate_limited("login", username_field="username")
def sign_in_view(request: HttpRequest) -> HttpResponse:
    notice = request.session.pop(NOTICE_KEY, None)
    if notice:
        messages.info(request, notice)
    next_url = safe_next(
        request, request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    )
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    label = sign_in_label(pool_description_or_none())
    if request.method != "POST":
        form = LoginForm(
            initial={"username": request.session.get(LOGIN_USERNAME_KEY, ""), "next": next_url}, label=label
        )
        return render_page(request, "accounts/login.html", {"form": form})
    form = LoginForm(request.POST, label=label)
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
            response = follow(request, step)
            if response is not None:
                return response
            request.limiter.failed()
            form.refuse(step.message)
            return step.apply_cookies(request, render_page(request, "accounts/login.html", {"form": form}))
    return render_page(request, "accounts/login.html", {"form": form}, status=status)


# -- every challenge stage -------------------------------------------------------------------------
def signin_stage_required(view: Callable[[HttpRequest, Stage], HttpResponse]) -> Callable[..., HttpResponse]:
    """Load the pending sign-in for the URL's challenge and hand the view its ``Stage``.

    No pending sign-in, an expired one, or one waiting for another challenge: redirect where it belongs,
    without calling Cognito. Model: allauth's ``login_stage_required``.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, challenge: str) -> HttpResponse:
        flow = SignInFlow(request)
        pending = flow.pending(challenge, posted=request.method == "POST")
        if isinstance(pending, Step):
            return follow(request, pending) or redirect("accounts:sign_in")
        return view(request, STAGES[challenge](flow, pending))

    return wrapper


@sensitive_post_parameters()  # every stage form carries a code or a password
@never_cache  # the set-up page shows the authenticator key: no cache may keep it
@require_http_methods(["GET", "POST"])
@signin_stage_required
def stage_view(request: HttpRequest, stage: Stage) -> HttpResponse:
    """The page of the pending challenge: GET shows its form, POST answers Cognito."""
    form = stage.form(request.POST if request.method == "POST" else None)
    status = 200
    try:
        stage.prepare()
    except errors.NotAuthorized:
        return follow(request, stage.flow.restart()) or redirect("accounts:sign_in")
    except errors.CognitoError as exc:
        status = cognito_trouble(request, exc)
        return render_page(request, stage.template, {"form": form, "unavailable": True}, status=status)
    if request.method == "POST":
        replaced = stage.replaced(request.POST.get(state.PAGE_TAG_FIELD, ""))
        if replaced:
            # Rendered for a sign-in another tab replaced: nothing goes to Cognito, nothing is counted;
            # the page of the sign-in pending now, with a fresh form and what happened said first.
            context = {**stage.context(stage.form()), "replaced": replaced}
            return render_page(request, stage.template, context)
        limiter = ratelimit.RateLimiter(request, stage.rate_limit_action or "mfa", stage.pending.username)
        blocked = limiter.check()
        if blocked:
            return ratelimit.too_many_requests(request, blocked)
        if form.is_valid():
            answer = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
            if not state.first_answer(stage.pending, answer):
                # The same form sent twice (a double click): the first one is being answered. Do not
                # touch the session here, or this request could undo the first one's sign-in.
                messages.info(request, _("Your answer is already being checked."))
                return redirect(request.path)
            try:
                step = stage.answer(form)
            except errors.CognitoError as exc:
                status = cognito_trouble(request, exc, form)
            else:
                if step.code_failed:
                    limiter.failed()
                response = follow(request, step)
                if response is not None:
                    return response
                form.add_error(step.field, step.message)
        clear_codes(form)
    return render_page(request, stage.template, stage.context(form), status=status)


# -- sign-out --------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def sign_out_view(request: HttpRequest) -> HttpResponse:
    """GET: a "Sign out?" page (links and prefetchers must not sign anyone out). POST: sign out."""
    if request.method != "POST":
        if not request.user.is_authenticated:
            return redirect("accounts:sign_in")
        return render_page(request, "accounts/logout.html", {})
    account.revoke_refresh_token(request=request, reason="sign-out")
    was_signed_in = request.user.is_authenticated
    logout(request)  # flushes the session: tokens and any pending sign-in are gone
    if was_signed_in:
        messages.success(request, _("You have signed out."))
    response = redirect(reverse("accounts:sign_in"))
    # Not "cookies": that would also forget the remembered-browser cookie the person chose to keep.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
