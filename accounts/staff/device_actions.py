"""The staff actions on a user's devices and MFA: forget one device, forget every device, reset MFA.

Reset MFA signs the user out everywhere and forgets their devices *first* and turns the authenticator off
*last*: a failure part-way then leaves a user who is signed out, has no remembered device and still needs
their (lost) authenticator, i.e. locked out rather than open, and running the action again finishes it. The
other order could leave the authenticator off while old sessions and remembered devices still work.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.cognito import errors, get_idp
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import (
    MANAGE_PERMISSION,
    Danger,
    UserState,
    has_devices,
    has_mfa,
    staff_action,
)


def _device_gone(context: ActionContext, key: str) -> bool:
    return key not in {device.key for device in context.current_devices()}


@staff_action(
    name="forget_device",
    label=_("Forget device"),
    permission=MANAGE_PERMISSION,
    applies_to=has_devices,
    confirmation=_(
        "Forget the device “%(parameter)s” of %(username)s? The next sign-in from it asks for an "
        "authenticator code."
    ),
    success=_("The device “%(parameter)s” of %(username)s is forgotten."),
    summary=_("Forget one device of a user."),
    parameter="device_key",
    row="devices",
)
def forget_device(context: ActionContext) -> None:
    """AdminListDevices for the device's name (messages and the audit row name it, the key comes second),
    then AdminForgetDevice on ``device_key``; read back: the device is no longer listed."""
    key = context.params["device_key"]
    try:
        devices = context.current_devices()
    except errors.CognitoError:
        devices = []  # the name only: the write itself says whether Cognito can be reached
    context.parameter_name = next((d.name for d in devices if d.key == key and d.name), "")
    context.call(
        "AdminForgetDevice",
        get_idp().admin_forget_device,
        context.username,
        key,
        read_back=lambda: _device_gone(context, key),
    )


def _forget_every_device(context: ActionContext) -> None:
    devices = context.current_devices()
    for position, device in enumerate(devices, start=1):
        context.call(
            f"AdminForgetDevice ({position} of {len(devices)})",
            get_idp().admin_forget_device,
            context.username,
            device.key,
            read_back=lambda key=device.key: _device_gone(context, key),
        )
    context.notes.append(f"forgot {len(devices)} device(s)")


@staff_action(
    name="forget_all_devices",
    label=_("Forget all devices"),
    permission=MANAGE_PERMISSION,
    applies_to=has_devices,
    confirmation=_("Forget every device of %(username)s? Each next sign-in asks for an authenticator code."),
    success=_("Every device of %(username)s is forgotten."),
    summary=_("Forget every remembered device of users."),
    command="forget-devices",
)
def forget_all_devices(context: ActionContext) -> None:
    """AdminListDevices, then AdminForgetDevice for each; each read back by listing again."""
    _forget_every_device(context)


@staff_action(
    name="reset_mfa",
    label=_("Reset MFA"),
    permission=MANAGE_PERMISSION,
    applies_to=has_mfa,
    confirmation=_(
        "Reset MFA for %(username)s? They are signed out everywhere, every device is forgotten and their "
        "authenticator is turned off; they set up a new authenticator at their next sign-in."
    ),
    success=_("MFA is reset for %(username)s: they will set up a new authenticator at their next sign-in."),
    summary=_("Reset MFA: signed out everywhere, devices forgotten, authenticator off."),
    danger=Danger.CAUTION,
    command="reset-mfa",
    locks_out=True,
)
def reset_mfa(context: ActionContext) -> None:
    """Sign out everywhere, forget every device, then AdminSetUserMFAPreference (TOTP off), in that order."""
    idp = get_idp()
    context.call("AdminUserGlobalSignOut", idp.admin_user_global_sign_out, context.username)
    _forget_every_device(context)

    def authenticator_off() -> bool | None:
        user = context.current_user()
        return None if user is None else not has_mfa(UserState(user))

    context.call(
        "AdminSetUserMFAPreference",
        idp.admin_set_user_mfa_preference,
        context.username,
        totp_enabled=False,
        totp_preferred=False,
        read_back=authenticator_off,
    )
