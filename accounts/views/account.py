"""Pages for a signed-in user: account home (with "sign out everywhere"), devices, password change."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import devices
from accounts.cognito import errors, get_idp, pool_description_or_none
from accounts.cognito.descriptions import SIGN_IN_EMAIL, SIGN_IN_PHONE
from accounts.cognito.types import CognitoUser
from accounts.flows import account, passwords
from accounts.forms import ForgetDeviceForm, PasswordChangeForm
from accounts.identity import looks_like_sub
from accounts.models import RememberedDevice
from accounts.password_rules import current_policy, password_rules
from accounts.signin import state
from accounts.signin.state import SessionTokens
from accounts.views.attributes import attribute_rows
from accounts.views.common import cognito_trouble, rate_limited, render_page

logger = logging.getLogger(__name__)


def username_is_a_name(user: CognitoUser) -> bool:
    """Whether the account page shows a "Username" row. Not in email- or phone-as-username pools, where
    Cognito generates the username (the sub itself) and the email or phone number is the sign-in name;
    nor for any username that is only the sub again (it is shown once, as "User ID")."""
    if looks_like_sub(user.username) or user.username == user.sub:
        return False
    pool = pool_description_or_none()
    return pool is None or pool.sign_in not in (SIGN_IN_EMAIL, SIGN_IN_PHONE)


def _session_over(request: HttpRequest) -> HttpResponse:
    """Cognito no longer accepts this session's tokens (signed out elsewhere, disabled): end it here too."""
    logout(request)
    messages.info(request, _("Your session has ended. Please sign in again."))
    return redirect("accounts:sign_in")


def _tokens(request: HttpRequest) -> SessionTokens | None:
    return state.load_tokens(request.session)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    tokens = _tokens(request)
    if request.method == "POST":
        if request.POST.get("action") != "sign_out_everywhere":
            messages.error(request, _("That action is not available here."))
            return redirect("accounts:home")
        try:
            account.sign_out_everywhere(request=request)
        except errors.CognitoUnavailable as exc:
            cognito_trouble(request, exc)
            return redirect("accounts:home")
        messages.success(request, _("You are signed out on every device and browser."))
        response = redirect("accounts:sign_in")
        response["Clear-Site-Data"] = '"cache", "storage"'  # as at sign-out: this browser is signed out too
        return response
    context: dict = {"cognito_user": None, "attributes": []}
    status = 200
    if tokens is None:
        messages.warning(request, _("Your account details are not available in this session."))
    else:
        try:
            cognito_user = get_idp().get_user(tokens.access_token)
        except errors.NotAuthorized:
            return _session_over(request)
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc)
        else:
            context["cognito_user"] = cognito_user
            context["show_username"] = username_is_a_name(cognito_user)
            context["attributes"] = attribute_rows(cognito_user.attributes)
    context["remembered_here"] = bool(devices.cookie_record_id(request, request.user))
    return render_page(request, "accounts/home.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def devices_view(request: HttpRequest) -> HttpResponse:
    tokens = _tokens(request)
    if tokens is None:
        return _session_over(request)
    if request.method == "POST":
        form = ForgetDeviceForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a device to forget."))
            return redirect("accounts:devices")
        try:
            forgotten = account.forget_devices(
                request=request,
                device_key=form.cleaned_data["device_key"],
                everything=form.cleaned_data["all"],
            )
        except account.NotYourDevice:
            messages.error(request, _("That device is not one of yours, or it is already forgotten."))
            return redirect("accounts:devices")
        except errors.NotAuthorized:
            return _session_over(request)
        except errors.CognitoError as exc:
            cognito_trouble(request, exc)
            return redirect("accounts:devices")
        response = devices.apply_cookie(request, redirect("accounts:devices"), forgotten.cookie)
        if forgotten.this_browser:
            messages.info(request, _("This browser is no longer remembered: next time you will need a code."))
        if len(forgotten.keys) == 1:
            messages.success(request, _("The device is forgotten."))
        else:
            messages.success(
                request, _("All your devices are forgotten (%(count)d).") % {"count": len(forgotten.keys)}
            )
        return response
    rows = []
    status = 200
    try:
        cognito_devices = get_idp().all_devices(access_token=tokens.access_token)
    except errors.NotAuthorized:
        return _session_over(request)
    except errors.CognitoError as exc:
        status = cognito_trouble(request, exc)
        cognito_devices = []
    this_browser = account.this_browser_device_key(request)
    remembered_keys = set(
        RememberedDevice.objects.filter(user=request.user).values_list("device_key", flat=True)
    )
    for device in cognito_devices:
        remembered = device.remembered if device.remembered is not None else device.key in remembered_keys
        rows.append(
            {
                "key": device.key,
                "name": device.name or _("Unnamed device"),
                "last_used": device.last_authenticated or device.modified or device.created,
                "last_ip": device.last_ip,
                "remembered": remembered,
                "this_browser": device.key == this_browser,
            }
        )
    rows.sort(key=lambda row: (not row["this_browser"], str(row["name"])))
    return render_page(request, "accounts/devices.html", {"devices": rows}, status=status)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("password_change", username=lambda request: request.user.get_username())
def password_change(request: HttpRequest) -> HttpResponse:
    tokens = _tokens(request)
    if tokens is None:
        return _session_over(request)
    policy = current_policy()
    form = PasswordChangeForm(
        request.POST or None,
        policy=policy,
        names={
            "username": request.user.get_username(),
            "email": request.user.email,
            "preferred_username": request.user.preferred_username,
        },
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            ended = passwords.change_password(
                request=request,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except errors.NotAuthorized:
            request.limiter.failed()
            form.add_error("old_password", _("Your current password is not correct."))
        except errors.InvalidPassword as exc:
            form.add_error("new_password1", exc.user_message)
        except errors.LimitExceeded as exc:
            form.add_error(None, exc.user_message)
        except errors.CognitoError as exc:
            status = cognito_trouble(request, exc, form)
        else:
            messages.success(request, _password_changed_message(ended))
            return redirect("accounts:home")
    context = {"form": form, "password_rules": password_rules(policy)}
    return render_page(request, "accounts/password_change.html", context, status=status)


def _password_changed_message(ended) -> str:
    text = _("Your password is changed. Use the new one next time you sign in.")
    if ended.sessions_ended:
        text += " " + _("Your other sessions are signed out.")
    if ended.complete:
        text += " " + _("Remembered browsers will ask for a code again.")
    else:
        text += " " + _(
            "We could not reach the sign-in service to forget your remembered browsers: "
            "use “Forget all” on the devices page."
        )
    return text
