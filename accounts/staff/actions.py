"""Staff actions on Cognito users: one function, one audit record per action (admin pages and commands).

``perform(action, username, actor=..., ...)`` makes the Cognito call(s) through the gateway, writes one
``AuditEvent`` (success with the AWS request id, or failure with Cognito's error code and message) and
re-raises any ``CognitoError`` so the caller can tell the person what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import audit
from accounts.cognito import get_idp
from accounts.cognito.errors import CognitoError
from accounts.cognito.idp import last_request_id
from accounts.models import AuditEvent, RememberedDevice, User

VIEW_PERMISSION = "accounts.view_cognito_users"
MANAGE_PERMISSION = "accounts.manage_cognito_users"
DELETE_PERMISSION = "accounts.delete_cognito_users"


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in staff member (with IP) or an operator running a command."""

    user: User | None
    label: str
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = request.user if request.user.is_authenticated else None
        label = user.get_username() if user is not None else "anonymous"
        # REMOTE_ADDR only: forwarded headers can be forged unless a trusted proxy rewrites them.
        return cls(user=user, label=label, ip=request.META.get("REMOTE_ADDR") or None)

    @classmethod
    def operator(cls, label: str) -> Actor:
        return cls(user=None, label=label, ip=None)


@dataclass(frozen=True)
class ActionSpec:
    """What the pages and commands need to know about one action."""

    name: str
    label: Any  # lazy translation
    permission: str
    confirmation: Any  # a sentence with %(username)s (and %(parameter)s when the action takes one)
    success: Any  # message after success, same placeholders
    parameter: str | None = None  # the keyword argument perform() requires, if any
    bulk: bool = False  # offered as a bulk action on the user list
    ends_sessions: bool = False  # the user's portal sessions must end too


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            "disable",
            _("Disable"),
            MANAGE_PERMISSION,
            _("Disable %(username)s? They will not be able to sign in until enabled again."),
            _("%(username)s is disabled."),
            bulk=True,
            ends_sessions=True,
        ),
        ActionSpec(
            "enable",
            _("Enable"),
            MANAGE_PERMISSION,
            _("Enable %(username)s? They will be able to sign in again."),
            _("%(username)s is enabled."),
            bulk=True,
        ),
        ActionSpec(
            "reset_password",
            _("Reset password"),
            MANAGE_PERMISSION,
            _(
                "Reset the password of %(username)s? Cognito emails them a code; they cannot sign in "
                "until they choose a new password."
            ),
            _("The password of %(username)s is reset; Cognito has sent them a code."),
            ends_sessions=True,
        ),
        ActionSpec(
            "sign_out",
            _("Sign out everywhere"),
            MANAGE_PERMISSION,
            _("Sign %(username)s out everywhere? Every refresh token they hold stops working."),
            _("%(username)s is signed out everywhere."),
            bulk=True,
            ends_sessions=True,
        ),
        ActionSpec(
            "forget_device",
            _("Forget device"),
            MANAGE_PERMISSION,
            _(
                "Forget the device %(parameter)s of %(username)s? The next sign-in from it asks for "
                "an authenticator code."
            ),
            _("The device %(parameter)s of %(username)s is forgotten."),
            parameter="device_key",
        ),
        ActionSpec(
            "forget_all_devices",
            _("Forget all devices"),
            MANAGE_PERMISSION,
            _("Forget every device of %(username)s? Each next sign-in asks for an authenticator code."),
            _("Every device of %(username)s is forgotten."),
        ),
        ActionSpec(
            "reset_mfa",
            _("Reset MFA"),
            MANAGE_PERMISSION,
            _(
                "Reset MFA for %(username)s? Their authenticator is turned off, every device is forgotten "
                "and they are signed out everywhere; they set up a new authenticator at their next sign-in."
            ),
            _("MFA is reset for %(username)s: they will set up a new authenticator at their next sign-in."),
            ends_sessions=True,
        ),
        ActionSpec(
            "add_to_group",
            _("Add to group"),
            MANAGE_PERMISSION,
            _("Add %(username)s to the group %(parameter)s?"),
            _("%(username)s is now in the group %(parameter)s."),
            parameter="group",
        ),
        ActionSpec(
            "remove_from_group",
            _("Remove from group"),
            MANAGE_PERMISSION,
            _("Remove %(username)s from the group %(parameter)s?"),
            _("%(username)s is no longer in the group %(parameter)s."),
            parameter="group",
        ),
        ActionSpec(
            "confirm_sign_up",
            _("Confirm sign-up"),
            MANAGE_PERMISSION,
            _("Confirm the sign-up of %(username)s without their email code?"),
            _("The sign-up of %(username)s is confirmed."),
        ),
        ActionSpec(
            "resend_invitation",
            _("Resend invitation"),
            MANAGE_PERMISSION,
            _("Send %(username)s a new invitation with a new temporary password?"),
            _("A new invitation is on its way to %(username)s."),
        ),
        ActionSpec(
            "delete",
            _("Delete"),
            DELETE_PERMISSION,
            _("Delete %(username)s from the user pool? This cannot be undone."),
            _("%(username)s is deleted."),
            ends_sessions=True,
        ),
        ActionSpec(
            "invite",
            _("Invite user"),
            MANAGE_PERMISSION,
            _("Invite %(username)s at %(parameter)s?"),
            _("%(username)s is invited: Cognito has emailed them a temporary password."),
            parameter="email",
        ),
    )
}

# Actions that act on an existing user from the user pages (invite creates one and has its own form).
USER_ACTIONS = tuple(name for name in ACTIONS if name != "invite")
BULK_ACTIONS = tuple(name for name, spec in ACTIONS.items() if spec.bulk)


@dataclass
class _Result:
    request_id: str = ""
    target_sub: str = ""
    detail: str = ""


def _forget_all(username: str, result: _Result) -> None:
    idp = get_idp()
    devices = idp.all_devices(username=username)
    for device in devices:
        result.request_id = idp.admin_forget_device(username, device.key)
    result.detail = f"forgot {len(devices)} device(s)"


def _reset_mfa(username: str, result: _Result) -> None:
    idp = get_idp()
    steps = []
    idp.admin_set_user_mfa_preference(username, totp_enabled=False, totp_preferred=False)
    steps.append("TOTP turned off")
    devices = idp.all_devices(username=username)
    for device in devices:
        idp.admin_forget_device(username, device.key)
    steps.append(f"forgot {len(devices)} device(s)")
    result.detail = "; ".join(steps)
    result.request_id = idp.admin_user_global_sign_out(username)
    result.detail += "; signed out everywhere"


def _invite(username: str, result: _Result, email: str) -> None:
    user = get_idp().admin_create_user(username, email)
    result.request_id = last_request_id()
    result.target_sub = user.sub
    result.detail = f"invited at {email}"


def _simple(method: str, *, param: str | None = None) -> Callable[..., None]:
    def run(username: str, result: _Result, **params: Any) -> None:
        args = (params[param],) if param else ()
        result.request_id = getattr(get_idp(), method)(username, *args)
        if param:
            result.detail = f"{param}={params[param]}"

    return run


def _resend(username: str, result: _Result) -> None:
    user = get_idp().admin_create_user(username, "", resend=True)
    result.request_id = last_request_id()
    result.target_sub = result.target_sub or user.sub


_HANDLERS: dict[str, Callable[..., None]] = {
    "disable": _simple("admin_disable_user"),
    "enable": _simple("admin_enable_user"),
    "reset_password": _simple("admin_reset_user_password"),
    "sign_out": _simple("admin_user_global_sign_out"),
    "forget_device": _simple("admin_forget_device", param="device_key"),
    "forget_all_devices": _forget_all,
    "reset_mfa": _reset_mfa,
    "add_to_group": _simple("admin_add_user_to_group", param="group"),
    "remove_from_group": _simple("admin_remove_user_from_group", param="group"),
    "confirm_sign_up": _simple("admin_confirm_sign_up"),
    "resend_invitation": _resend,
    "delete": _simple("admin_delete_user"),
    "invite": _invite,
}


def _mirror(username: str) -> User | None:
    return get_user_model().objects.filter(username=username).first()


def _end_portal_sessions(mirror: User | None) -> None:
    """Sign the mirror user out of every portal session.

    Django checks each session against a hash of the stored password; rotating the (always unusable)
    password makes every existing session of this user anonymous at its next request.
    """
    if mirror is None:
        return
    mirror.set_unusable_password()
    mirror.save(update_fields=["password"])


def _clean_local_devices(action: str, mirror: User | None, params: dict[str, Any]) -> None:
    """Drop remembered-device records Cognito no longer knows, so the browser falls back to TOTP."""
    if mirror is None:
        return
    devices = RememberedDevice.objects.filter(user=mirror)
    if action == "forget_device":
        devices.filter(device_key=params["device_key"]).delete()
    elif action in {"forget_all_devices", "reset_mfa", "delete"}:
        devices.delete()


def perform(action: str, username: str, *, actor: Actor, reason: str = "", **params: Any) -> AuditEvent:
    """Run one staff action on a Cognito user and record it; Cognito failures are recorded and re-raised.

    ``params`` carries the action's parameter (``device_key``, ``group`` or ``email``) and optionally
    ``target_sub`` when the caller already knows the user's sub.
    """
    spec = ACTIONS.get(action)
    if spec is None:
        raise ValueError(f"Unknown action {action!r}; choose one of {', '.join(ACTIONS)}.")
    target_sub = str(params.pop("target_sub", "") or "")
    if spec.parameter and not params.get(spec.parameter):
        raise ValueError(f"The action {action!r} needs {spec.parameter}=.")
    unexpected = set(params) - ({spec.parameter} if spec.parameter else set())
    if unexpected:
        raise ValueError(f"The action {action!r} does not take {', '.join(sorted(unexpected))}.")

    mirror = _mirror(username)
    if not target_sub and mirror is not None:
        target_sub = mirror.cognito_sub or ""
    result = _Result(target_sub=target_sub)
    common = {
        "actor": actor.user,
        "actor_label": actor.label,
        "actor_ip": actor.ip,
        "reason": reason,
    }
    try:
        _HANDLERS[action](username, result, **params)
    except CognitoError as exc:
        failure = f"{exc.code or exc.__class__.__name__}: {exc.aws_message}".strip()
        audit.record(
            action,
            username,
            outcome=AuditEvent.Outcome.FAILURE,
            target_sub=result.target_sub,
            detail="; ".join(part for part in (result.detail, failure) if part),
            aws_request_id=exc.request_id,
            **common,
        )
        raise
    if spec.ends_sessions:
        _end_portal_sessions(mirror)
    _clean_local_devices(action, mirror, params)
    return audit.record(
        action,
        username,
        outcome=AuditEvent.Outcome.SUCCESS,
        target_sub=result.target_sub,
        detail=result.detail,
        aws_request_id=result.request_id,
        **common,
    )
