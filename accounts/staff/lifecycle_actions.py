"""The staff actions on an account's beginning and end: confirm a sign-up, invite a user, resend the
invitation, delete the user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.cognito import get_idp
from accounts.cognito.idp import last_request_id
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import (
    DELETE_PERMISSION,
    MANAGE_PERMISSION,
    Danger,
    always,
    invited,
    staff_action,
    unconfirmed,
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
