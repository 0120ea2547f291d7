"""Changing a user's attributes: the calls an edit makes, what staff are told, the ``set_attributes`` action.

``plan(user, wanted)`` turns what staff typed (checked with the rules in ``attributes``) into the calls:
changed values for AdminUpdateUserAttributes, optional values cleared for AdminDeleteUserAttributes. A
changed email or phone number is either marked verified (the same call sets
``email_verified``/``phone_number_verified`` to "true") or left for the user to verify (Cognito sends them a
code: AdminUpdateUserAttributes API reference, UserAttributes; with AttributesRequireVerificationBeforeUpdate
the old value stays in force until then). The ``set_attributes`` action makes the calls (update first: a
refusal there leaves nothing changed) and audits attribute *names*, never values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.cognito import errors, get_idp, pool_description
from accounts.cognito.descriptions import PoolDescription
from accounts.cognito.types import CognitoUser
from accounts.staff.attributes import VERIFIED_FLAGS
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import CHANGE_PERMISSION, always, staff_action

MARK_VERIFIED, SEND_CODE = "mark_verified", "send_code"
SIGN_IN_ALIASES = ("email", "phone_number", "preferred_username")


@dataclass
class Plan:
    """What one edit sends: ``update`` (AdminUpdateUserAttributes) and ``delete`` (AdminDeleteUserAttributes)
    by attribute name. Of the changed email/phone left unverified, ``pending_verification`` names those whose
    new value waits for the user's code (AttributesRequireVerificationBeforeUpdate: the old one stays in
    force), ``sent_for_verification`` the others (changed at once, unverified)."""

    update: dict[str, str] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    sent_for_verification: list[str] = field(default_factory=list)
    pending_verification: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.update or self.delete)

    def describe(self) -> str:
        """Attribute names only, for the audit log and messages."""
        parts = []
        changed = sorted(name for name in self.update if name not in self.pending_verification)
        if changed:
            parts.append("changed: " + ", ".join(changed))
        if self.delete:
            parts.append("removed: " + ", ".join(sorted(self.delete)))
        if self.sent_for_verification:
            parts.append("sent for verification: " + ", ".join(self.sent_for_verification))
        if self.pending_verification:
            parts.append("pending verification: " + ", ".join(self.pending_verification))
        return "; ".join(parts)

    def encode(self) -> str:
        """The plan as the action's one parameter (JSON; "" deletes)."""
        return json.dumps({**self.update, **{name: "" for name in self.delete}}, ensure_ascii=False)

    def _unverified(self, user: CognitoUser | None, pool: PoolDescription | None) -> None:
        for attribute, flag in VERIFIED_FLAGS.items():
            if attribute not in self.update or flag in self.update:
                continue
            held = (
                user is not None
                and pool is not None
                and attribute in pool.attributes_require_verification_before_update
                # Only a verified value stays in force (the user signs in and gets messages with it).
                and user.attributes.get(flag) == "true"
            )
            (self.pending_verification if held else self.sent_for_verification).append(attribute)


def plan(
    user: CognitoUser,
    wanted: Mapping[str, str],
    *,
    verified: Mapping[str, bool] | None = None,
    verification: Mapping[str, str] | None = None,
    pool: PoolDescription | None = None,
) -> Plan:
    """The calls that make ``user``'s attributes ``wanted`` (name → value; "" clears an attribute).

    ``verified`` holds the switches (``email_verified`` → bool); ``verification`` says, per changed email or
    phone number, ``MARK_VERIFIED`` or ``SEND_CODE`` (the default); ``pool`` tells which of them wait for
    the user's code.
    """
    verified, verification = verified or {}, verification or {}
    result = Plan()
    for name, value in wanted.items():
        current = user.attributes.get(name, "")
        if value == current:
            continue
        if value == "":
            result.delete.append(name)
        else:
            result.update[name] = value
    for attribute, flag in VERIFIED_FLAGS.items():
        if attribute in result.update:
            if verification.get(attribute) == MARK_VERIFIED:
                result.update[flag] = "true"
        elif flag in verified and attribute not in result.delete and user.attributes.get(attribute):
            value = "true" if verified[flag] else "false"
            if user.attributes.get(flag, "false") != value:
                result.update[flag] = value
    result._unverified(user, pool)
    return result


def decode(parameter: str, *, user: CognitoUser | None = None, pool: PoolDescription | None = None) -> Plan:
    """The action's parameter back into a plan (raises ``ValueError`` when it is not a JSON object)."""
    data = json.loads(parameter)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError("attributes must be a JSON object of strings")
    result = Plan({k: v for k, v in data.items() if v != ""}, [k for k, v in data.items() if v == ""])
    result._unverified(user, pool)
    return result


ALIAS_TAKEN = {
    "email": gettext_lazy("This email address is already used by another account."),
    "phone_number": gettext_lazy("This phone number is already used by another account."),
    "preferred_username": gettext_lazy("This preferred username is already used by another account."),
}


def alias_refusal(error: errors.CognitoError, change: Plan, pool: PoolDescription) -> tuple[str | None, str]:
    """``(attribute, message)`` for Cognito's AliasExistsException on ``change``; attribute None: unclear.

    The attribute is the one Cognito's message names ("An account with the given preferred_username already
    exists."), else the only sign-in name the change set or verified.
    """
    said = error.aws_message or ""
    named = [a for a in SIGN_IN_ALIASES if re.search(rf"\b{a.replace('_', '[ _]')}\b", said, re.I)]
    names = set(pool.alias_attributes) | set(pool.username_attributes)
    touched = [
        a
        for a in SIGN_IN_ALIASES
        if a in names and (a in change.update or change.update.get(VERIFIED_FLAGS.get(a, "")) == "true")
    ]
    candidates = named if len(named) == 1 else touched
    if len(candidates) == 1:
        return candidates[0], str(ALIAS_TAKEN[candidates[0]])
    return None, _("Another account already signs in with one of these: %(names)s. Nothing was changed.") % {
        "names": ", ".join(touched or named or SIGN_IN_ALIASES)
    }


def pending_notice(change: Plan, username: str) -> list[str]:
    """What to tell staff about each new email/phone number that waits for the user's code."""
    notices = {
        "email": _(
            "The new email address of %(username)s takes effect only once they enter the code Cognito sent "
            "to it. Until then their old address stays in force."
        ),
        "phone_number": _(
            "The new phone number of %(username)s takes effect only once they enter the code Cognito sent "
            "to it. Until then their old number stays in force."
        ),
    }
    return [notices[name] % {"username": username} for name in change.pending_verification]


def partial_refusal(change: Plan, error: errors.CognitoError, username: str) -> str:
    """The message when AdminUpdateUserAttributes was applied and AdminDeleteUserAttributes refused (not for
    a busy or unreachable Cognito, where sending the same change again does finish it)."""
    return _(
        "The attributes of %(username)s were only partly saved. Applied: %(applied)s. Refused: clearing "
        "%(refused)s (Cognito: %(reason)s). Sending the same change again would be refused the same way."
    ) % {
        "username": username,
        "applied": ", ".join(sorted(change.update)),
        "refused": ", ".join(sorted(change.delete)),
        "reason": error.aws_message or error.code or type(error).__name__,
    }


@staff_action(
    name="set_attributes",
    label=gettext_lazy("Edit attributes"),
    permission=CHANGE_PERMISSION,
    applies_to=always,
    confirmation=gettext_lazy("Change the attributes of %(username)s?"),
    success=gettext_lazy("The attributes of %(username)s are saved."),
    summary=gettext_lazy("Set or clear user attributes (NAME=VALUE; NAME= clears an optional one)."),
    parameter="attributes",
    parameter_is_attribute=True,
    own_page=True,
)
def set_attributes(context: ActionContext) -> None:
    """AdminUpdateUserAttributes, then AdminDeleteUserAttributes; each read back with AdminGetUser."""
    wanted = decode(context.params["attributes"], user=context.before, pool=pool_description())
    idp = get_idp()

    def applied() -> bool | None:
        user = context.current_user()
        if user is None:
            return None
        # A changed email/phone left for verification may keep its old value until verified: not checked.
        checked = {
            k: v
            for k, v in wanted.update.items()
            if k not in VERIFIED_FLAGS or VERIFIED_FLAGS[k] in wanted.update
        }
        return all(user.attributes.get(k) == v for k, v in checked.items())

    def removed() -> bool | None:
        user = context.current_user()
        return None if user is None else not any(name in user.attributes for name in wanted.delete)

    if wanted.update:
        context.call(
            "AdminUpdateUserAttributes",
            idp.admin_update_user_attributes,
            context.username,
            wanted.update,
            read_back=applied,
        )
    if wanted.delete:
        context.call(
            "AdminDeleteUserAttributes",
            idp.admin_delete_user_attributes,
            context.username,
            wanted.delete,
            read_back=removed,
        )
    context.notes.append(wanted.describe() or "nothing changed")
