"""The credential actions (Keycloak's "Credentials" tab): a temporary password, or a permanent one.

Both call AdminSetUserPassword. A temporary password (``Permanent=false``) is generated here with
``secrets`` to the pool's password policy, shown once to the staff member (a ``no-store`` page, or the
command's standard output) and never logged, audited or stored: the audit row says "set a temporary
password", and the user must choose their own at their next sign-in (status FORCE_CHANGE_PASSWORD). A
permanent password is typed by the staff member, for support cases, and needs a reason.

This deviates on purpose from the checklist's "staff never choose a user's password" (security checklist
item 28, ASVS 6.4.1): issue #14 asks for it, so it is held behind its own permission
(``accounts.change_cognito_users``, the admin role only), needs a reason and is audited by name.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from accounts.cognito import get_idp
from accounts.cognito.descriptions import PasswordPolicy
from accounts.password_rules import current_policy, new_password_problems
from accounts.staff import selectors
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import CHANGE_PERMISSION, Danger, UserState, staff_action

# Letters and digits without look-alikes (0/O, 1/l/I), and symbols Cognito counts that survive copy and
# paste everywhere (no quotes, backslashes or blanks).
UPPER = "".join(c for c in string.ascii_uppercase if c not in "IO")
LOWER = "".join(c for c in string.ascii_lowercase if c not in "lo")
DIGITS = "23456789"
SYMBOLS = "!#%+-=?@^_~"
TEMPORARY_LENGTH = 16


def temporary_password(policy: PasswordPolicy | None, names: Mapping[str, str] | None = None) -> str:
    """A random password that meets ``policy`` (every class Cognito may require, at least 16 characters)
    and the portal's one rule set for new passwords (``new_password_problems``, with the user's ``names``).

    Uses ``secrets`` (the OS's CSPRNG). About 95 bits of entropy at the default length.
    """
    length = max(TEMPORARY_LENGTH, policy.minimum_length if policy else 0)
    alphabet = UPPER + LOWER + DIGITS + SYMBOLS
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in password) for group in (UPPER, LOWER, DIGITS, SYMBOLS)) and not (
            new_password_problems(password, policy, **(names or {}))
        ):
            return password


def _status_became(context: ActionContext, status: str) -> bool | None:
    """Read back: the status is now ``status``; None when it already was (a password cannot be read)."""
    if context.before is not None and context.before.status == status:
        return None
    user = context.current_user()
    return None if user is None else user.status == status


def _not_external(state: UserState) -> bool:
    """Users with a password of their own in the pool (not federated ones)."""
    return state.user.status != "EXTERNAL_PROVIDER"


@staff_action(
    name="set_temporary_password",
    label=_("Set a temporary password"),
    permission=CHANGE_PERMISSION,
    applies_to=_not_external,
    confirmation=_(
        "Set a temporary password for %(username)s? Their current password stops working. The new one is "
        "shown to you once; they must choose their own at their next sign-in."
    ),
    success=_("%(username)s has a temporary password: they must choose a new one at their next sign-in."),
    summary=_("Set a generated temporary password (shown once); the user chooses a new one at sign-in."),
    danger=Danger.CAUTION,
    parameter="password",
    parameter_is_secret=True,
    generates=lambda user: temporary_password(current_policy(), selectors.person_names(user)),
    locks_out=True,
)
def set_temporary_password(context: ActionContext) -> None:
    """AdminSetUserPassword Permanent=false; read back: the status became FORCE_CHANGE_PASSWORD."""
    context.call(
        "AdminSetUserPassword (temporary)",
        get_idp().admin_set_user_password,
        context.username,
        context.params["password"],
        permanent=False,
        read_back=lambda: _status_became(context, "FORCE_CHANGE_PASSWORD"),
    )
    context.notes.append("set a temporary password")


@staff_action(
    name="set_password",
    label=_("Set password"),
    permission=CHANGE_PERMISSION,
    applies_to=_not_external,
    confirmation=_(
        "Set a new permanent password for %(username)s? Their current password stops working. Tell them "
        "the new one over a channel you trust."
    ),
    success=_("%(username)s has a new password."),
    summary=_("Set a permanent password (support cases; a reason is required)."),
    danger=Danger.CAUTION,
    parameter="password",
    parameter_is_secret=True,
    reason_required=True,
    command="set-password",
    locks_out=True,
)
def set_password(context: ActionContext) -> None:
    """AdminSetUserPassword Permanent=true; read back: the status became CONFIRMED."""
    context.call(
        "AdminSetUserPassword (permanent)",
        get_idp().admin_set_user_password,
        context.username,
        context.params["password"],
        permanent=True,
        read_back=lambda: _status_became(context, "CONFIRMED"),
    )
    context.notes.append("set a permanent password")
