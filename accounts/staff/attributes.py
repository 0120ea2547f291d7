"""Editing a user's attributes (the staff change form and ``cognito_users set-attributes``).

``editable(pool)`` lists every attribute the pool defines: Cognito's standard attributes (developer guide,
"User pool attributes": the OpenID Connect set) with the pool's own schema laid over them (required,
mutable, length limits) plus its ``custom:`` attributes. ``plan(user, wanted)`` turns what staff typed into
the calls: changed values for AdminUpdateUserAttributes, optional values cleared for
AdminDeleteUserAttributes. A changed email or phone number is either marked verified (the same call sets
``email_verified``/``phone_number_verified`` to "true") or left for the user to verify (Cognito sends them a
code: AdminUpdateUserAttributes API reference, UserAttributes). The ``set_attributes`` action makes the
calls (update first: a refusal there leaves nothing changed) and audits attribute *names*, never values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.cognito import get_idp
from accounts.cognito.descriptions import PoolDescription, SchemaAttribute
from accounts.cognito.types import CognitoUser
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import CHANGE_PERMISSION, always, staff_action

# Cognito's standard attributes, in the order of the developer guide; sub and identities are immutable.
STANDARD = (
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "email",
    "phone_number",
    "address",
    "birthdate",
    "gender",
    "locale",
    "zoneinfo",
    "picture",
    "profile",
    "website",
)
READ_ONLY = ("sub", "identities", "updated_at")  # Cognito sets these itself
VERIFIED_FLAGS = {"email": "email_verified", "phone_number": "phone_number_verified"}
MARK_VERIFIED, SEND_CODE = "mark_verified", "send_code"


def editable(pool: PoolDescription) -> list[SchemaAttribute]:
    """Every attribute staff may see on the form, standard ones first, then ``custom:`` ones by name.

    The verified flags are not listed: they are switches of their attribute.
    """
    declared = {attribute.name: attribute for attribute in pool.schema}
    result = [declared.get(name) or SchemaAttribute(name=name, max_length=2048) for name in STANDARD]
    result += sorted(
        (
            a
            for a in pool.schema
            if a.name not in STANDARD and a.name not in READ_ONLY and a.name not in VERIFIED_FLAGS.values()
        ),
        key=lambda a: (not a.custom, a.name),
    )
    return result


def read_only(attribute: SchemaAttribute) -> bool:
    """Immutable (set at creation only), maintained by Cognito, or developer-only (hidden from the form)."""
    return not attribute.mutable or attribute.name in READ_ONLY or attribute.developer_only


@dataclass
class Plan:
    """What one edit sends: ``update`` (AdminUpdateUserAttributes) and ``delete`` (AdminDeleteUserAttributes)
    by attribute name; ``sent_for_verification`` names the changed email/phone left unverified."""

    update: dict[str, str] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    sent_for_verification: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.update or self.delete)

    def describe(self) -> str:
        """Attribute names only, for the audit log and messages."""
        parts = []
        if self.update:
            parts.append("changed: " + ", ".join(sorted(self.update)))
        if self.delete:
            parts.append("removed: " + ", ".join(sorted(self.delete)))
        if self.sent_for_verification:
            parts.append("sent for verification: " + ", ".join(self.sent_for_verification))
        return "; ".join(parts)

    def encode(self) -> str:
        """The plan as the action's one parameter (JSON; "" deletes)."""
        return json.dumps({**self.update, **{name: "" for name in self.delete}}, ensure_ascii=False)


def plan(
    user: CognitoUser,
    wanted: Mapping[str, str],
    *,
    verified: Mapping[str, bool] | None = None,
    verification: Mapping[str, str] | None = None,
) -> Plan:
    """The calls that make ``user``'s attributes ``wanted`` (name → value; "" clears an attribute).

    ``verified`` holds the switches (``email_verified`` → bool); ``verification`` says, per changed email or
    phone number, ``MARK_VERIFIED`` or ``SEND_CODE`` (the default).
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
            else:
                result.sent_for_verification.append(attribute)
        elif flag in verified and attribute not in result.delete and user.attributes.get(attribute):
            value = "true" if verified[flag] else "false"
            if user.attributes.get(flag, "false") != value:
                result.update[flag] = value
    return result


def decode(parameter: str) -> Plan:
    """The action's parameter back into a plan (raises ``ValueError`` when it is not a JSON object)."""
    data = json.loads(parameter)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError("attributes must be a JSON object of strings")
    update = {k: v for k, v in data.items() if v != ""}
    unverified = [a for a, flag in VERIFIED_FLAGS.items() if a in update and flag not in update]
    return Plan(update, [k for k, v in data.items() if v == ""], unverified)


@staff_action(
    name="set_attributes",
    label=_("Edit attributes"),
    permission=CHANGE_PERMISSION,
    applies_to=always,
    confirmation=_("Change the attributes of %(username)s?"),
    success=_("The attributes of %(username)s are saved."),
    summary=_("Set or clear user attributes (NAME=VALUE; NAME= clears an optional one)."),
    parameter="attributes",
    parameter_is_attribute=True,
    own_page=True,
)
def set_attributes(context: ActionContext) -> None:
    """AdminUpdateUserAttributes, then AdminDeleteUserAttributes; each read back with AdminGetUser."""
    wanted = decode(context.params["attributes"])
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
