"""The staff actions on Cognito users, each declared once (``registry.staff_action``) with its read-backs.

Every write goes through ``context.call`` with a read-back that tells, after a lost answer, whether the
write took effect (see ``outcomes``). Declaration order is the order of the buttons on the user page.

Reset MFA signs the user out everywhere and forgets their devices *first* and turns the authenticator off
*last*: a failure part-way then leaves a user who is signed out, has no remembered device and still needs
their (lost) authenticator, i.e. locked out rather than open, and running the action again finishes it. The
other order could leave the authenticator off while old sessions and remembered devices still work.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts import roles
from accounts.cognito import errors, get_idp
from accounts.cognito.idp import last_request_id
from accounts.cognito.types import CognitoUser
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import (
    DELETE_PERMISSION,
    MANAGE_PERMISSION,
    Actor,
    Danger,
    UserState,
    already_disabled,
    already_enabled,
    always,
    disabled,
    enabled,
    has_devices,
    has_mfa,
    has_password,
    in_group,
    invited,
    must_change_password,
    not_in_group,
    staff_action,
    unconfirmed,
)


def _membership_refusal(actor: Actor, user: CognitoUser, params: Mapping[str, str]) -> str | None:
    return roles.membership_refusal(actor.user, target_sub=user.sub, group=params.get("group", ""))


def _is_enabled(context: ActionContext) -> bool | None:
    user = context.current_user()
    return None if user is None else user.enabled


@staff_action(
    name="disable",
    label=_("Disable"),
    permission=MANAGE_PERMISSION,
    applies_to=enabled,
    confirmation=_("Disable %(username)s? They will not be able to sign in until enabled again."),
    success=_("%(username)s is disabled."),
    summary=_("Disable users: they cannot sign in until enabled again."),
    danger=Danger.CAUTION,
    bulk=True,
    command="disable",
    locks_out=True,
    already=already_disabled,
    already_text=ngettext_lazy(
        "%(count)d user was already disabled.", "%(count)d users were already disabled.", "count"
    ),
)
def disable(context: ActionContext) -> None:
    """AdminDisableUser; read back: AdminGetUser ``Enabled`` is false."""

    def read_back() -> bool | None:
        state = _is_enabled(context)
        return None if state is None else not state

    context.call("AdminDisableUser", get_idp().admin_disable_user, context.username, read_back=read_back)


@staff_action(
    name="enable",
    label=_("Enable"),
    permission=MANAGE_PERMISSION,
    applies_to=disabled,
    confirmation=_("Enable %(username)s? They will be able to sign in again."),
    success=_("%(username)s is enabled."),
    summary=_("Enable users again."),
    bulk=True,
    command="enable",
    already=already_enabled,
    already_text=ngettext_lazy(
        "%(count)d user was already enabled.", "%(count)d users were already enabled.", "count"
    ),
)
def enable(context: ActionContext) -> None:
    """AdminEnableUser; read back: AdminGetUser ``Enabled`` is true."""
    context.call(
        "AdminEnableUser",
        get_idp().admin_enable_user,
        context.username,
        read_back=lambda: _is_enabled(context),
    )


@staff_action(
    name="reset_password",
    label=_("Reset password"),
    permission=MANAGE_PERMISSION,
    applies_to=has_password,
    confirmation=_(
        "Reset the password of %(username)s? Cognito emails them a code; they cannot sign in until they "
        "choose a new password."
    ),
    success=_("The password of %(username)s is reset; Cognito has sent them a code."),
    summary=_("Reset passwords: Cognito emails a code, and the old password stops working."),
    danger=Danger.CAUTION,
    command="reset-password",
    locks_out=True,
    sends_message=True,
    instead=lambda state: (
        "resend_invitation"
        if invited(state)
        else "set_temporary_password"
        if must_change_password(state)
        else None
    ),
    instead_text={
        "resend_invitation": _(
            "%(username)s has not accepted the invitation yet: resend the invitation instead."
        ),
        "set_temporary_password": _(
            "%(username)s must choose a new password at their next sign-in (a temporary password set by "
            "staff), so there is no password to reset: set a temporary password again instead."
        ),
    },
)
def reset_password(context: ActionContext) -> None:
    """AdminResetUserPassword (Cognito mails a code); read back: the status became RESET_REQUIRED."""
    before = context.before.status if context.before else ""

    def read_back() -> bool | None:
        user = context.current_user()
        if user is None or before == "RESET_REQUIRED":
            return None  # already waiting for a code: a new one may or may not have gone out
        return user.status == "RESET_REQUIRED"

    context.call(
        "AdminResetUserPassword", get_idp().admin_reset_user_password, context.username, read_back=read_back
    )


@staff_action(
    name="sign_out",
    label=_("Sign out everywhere"),
    permission=MANAGE_PERMISSION,
    applies_to=always,
    confirmation=_("Sign %(username)s out everywhere? Every refresh token they hold stops working."),
    success=_("%(username)s is signed out everywhere."),
    summary=_("Sign users out everywhere (their refresh tokens stop working)."),
    danger=Danger.CAUTION,
    bulk=True,
    command="signout",
    locks_out=True,
)
def sign_out(context: ActionContext) -> None:
    """AdminUserGlobalSignOut; cannot be read back."""
    # A revoked refresh token cannot be read back: a lost answer stays "unknown" (sending it again is safe).
    context.call("AdminUserGlobalSignOut", get_idp().admin_user_global_sign_out, context.username)


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


def _in_group(context: ActionContext, group: str) -> bool:
    return group in {item.name for item in context.current_groups()}


@staff_action(
    name="add_to_group",
    label=_("Add to group"),
    permission=MANAGE_PERMISSION,
    applies_to=always,
    confirmation=_("Add %(username)s to the group %(parameter)s?"),
    success=_("%(username)s is now in the group %(parameter)s."),
    summary=_("Add users to a Cognito group (portal role groups: superusers only)."),
    parameter="group",
    bulk=True,
    command="add-to-group",
    refusal=_membership_refusal,
    already=in_group,
    already_text=ngettext_lazy(
        "%(count)d user was already in %(parameter)s.",
        "%(count)d users were already in %(parameter)s.",
        "count",
    ),
)
def add_to_group(context: ActionContext) -> None:
    """AdminAddUserToGroup; read back: AdminListGroupsForUser lists the group."""
    group = context.params["group"]
    context.call(
        "AdminAddUserToGroup",
        get_idp().admin_add_user_to_group,
        context.username,
        group,
        read_back=lambda: _in_group(context, group),
    )


@staff_action(
    name="remove_from_group",
    label=_("Remove from group"),
    permission=MANAGE_PERMISSION,
    applies_to=always,
    confirmation=_("Remove %(username)s from the group %(parameter)s?"),
    success=_("%(username)s is no longer in the group %(parameter)s."),
    summary=_("Remove users from a Cognito group (portal role groups: superusers only)."),
    parameter="group",
    bulk=True,
    command="remove-from-group",
    row="groups",
    refusal=_membership_refusal,
    already=not_in_group,
    already_text=ngettext_lazy(
        "%(count)d user was not in %(parameter)s.", "%(count)d users were not in %(parameter)s.", "count"
    ),
)
def remove_from_group(context: ActionContext) -> None:
    """AdminRemoveUserFromGroup; read back: the group is no longer listed."""
    group = context.params["group"]
    context.call(
        "AdminRemoveUserFromGroup",
        get_idp().admin_remove_user_from_group,
        context.username,
        group,
        read_back=lambda: not _in_group(context, group),
    )


@staff_action(
    name="confirm_sign_up",
    label=_("Confirm sign-up"),
    permission=MANAGE_PERMISSION,
    applies_to=unconfirmed,
    confirmation=_("Confirm the sign-up of %(username)s without their email code?"),
    success=_("The sign-up of %(username)s is confirmed."),
    summary=_("Confirm sign-ups without the emailed code."),
    command="confirm-sign-up",
)
def confirm_sign_up(context: ActionContext) -> None:
    """AdminConfirmSignUp; read back: the status became CONFIRMED."""

    def read_back() -> bool | None:
        user = context.current_user()
        return None if user is None else user.status == "CONFIRMED"

    context.call("AdminConfirmSignUp", get_idp().admin_confirm_sign_up, context.username, read_back=read_back)


@staff_action(
    name="resend_invitation",
    label=_("Resend invitation"),
    permission=MANAGE_PERMISSION,
    applies_to=invited,
    confirmation=_("Send %(username)s a new invitation with a new temporary password?"),
    success=_("A new invitation is on its way to %(username)s."),
    summary=_("Send invited users a new invitation with a new temporary password."),
    command="resend-invitation",
    sends_message=True,
)
def resend_invitation(context: ActionContext) -> None:
    """AdminCreateUser with MessageAction RESEND (a new temporary password is mailed)."""
    # No read-back: whether an invitation went out cannot be seen, so a lost answer stays "unknown" and is
    # never followed by a second invitation.
    context.call("AdminCreateUser (RESEND)", get_idp().admin_create_user, context.username, "", resend=True)
    context.request_id = last_request_id()


@staff_action(
    name="delete",
    label=_("Delete"),
    permission=DELETE_PERMISSION,
    applies_to=always,
    confirmation=_("Delete %(username)s from the user pool? This cannot be undone."),
    success=_("%(username)s is deleted."),
    summary=_("Delete users from the pool. This cannot be undone."),
    danger=Danger.DANGER,
    command="delete",
    locks_out=True,
)
def delete(context: ActionContext) -> None:
    """AdminDeleteUser; read back: the user (that sub) is gone."""
    context.call(
        "AdminDeleteUser",
        get_idp().admin_delete_user,
        context.username,
        read_back=lambda: context.current_user() is None,
    )


@staff_action(
    name="invite",
    label=_("Invite user"),
    permission=MANAGE_PERMISSION,
    applies_to=always,
    confirmation=_("Invite %(username)s at %(parameter)s?"),
    success=_("%(username)s is invited: Cognito has emailed them a temporary password."),
    summary=_("Invite a user: Cognito emails a temporary password."),
    parameter="email",
    parameter_is_attribute=True,
    command="invite",
    creates_user=True,
    sends_message=True,
)
def invite(context: ActionContext) -> None:
    """AdminCreateUser with the email (verified); Cognito mails a temporary password."""
    email = context.params["email"]

    def read_back() -> bool | None:
        user = context.current_user()
        if user is None:
            return False
        if user.email == email and user.status == "FORCE_CHANGE_PASSWORD":
            context.created = user
            return True
        return None

    created = context.call(
        "AdminCreateUser", get_idp().admin_create_user, context.username, email, read_back=read_back
    )
    if created is not None:
        context.created = created
        context.request_id = last_request_id()
    context.notes.append("attributes set: email, email_verified")
