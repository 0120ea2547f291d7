"""The staff actions on a user's access: disable, enable, reset password, sign out everywhere.

Every staff action is declared once (``registry.staff_action``) with its read-backs: every write goes
through ``context.call`` with a read-back that tells, after a lost answer, whether the write took effect
(see ``outcomes``). The declarations are split by what they act on: this module, ``device_actions``
(devices and MFA), ``group_actions`` (group membership), ``lifecycle_actions`` (sign-up, invitation,
deletion), ``attribute_changes`` and ``passwords``; ``registry.ACTION_MODULES`` loads them in the order
of the buttons on the user page, and declaration order within each module is the order of its buttons.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.cognito import get_idp
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import (
    MANAGE_PERMISSION,
    Danger,
    already_disabled,
    already_enabled,
    always,
    disabled,
    enabled,
    has_password,
    invited,
    must_change_password,
    staff_action,
)


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
