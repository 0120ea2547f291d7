"""Which attributes staff may edit, and the one rule for a new value of each (the staff change form and
``cognito_users set-attributes``).

``editable(pool)`` lists every attribute the pool defines: Cognito's standard attributes (developer guide,
"User pool attributes": the OpenID Connect set) with the pool's own schema laid over them (required,
mutable, length limits) plus its ``custom:`` attributes. ``value_field(attribute)`` is the one rule for a
new value of an attribute, shared by the form and the command; a value that did not change is never checked
again (an address Cognito holds stays as it is, whatever today's rule says). What an edit then sends, and
the ``set_attributes`` action that sends it, are in ``attribute_changes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.cognito.descriptions import PoolDescription, SchemaAttribute
from accounts.cognito.types import CognitoUser
from accounts.identity import username_problem

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
# OpenID Connect's address is "formatted for display" and may span lines; any value holding a line break
# is edited in a textarea too (a text <input> drops line breaks).
MULTI_LINE = ("address",)
E164 = r"\A\+[0-9]{4,15}\Z"
NUMBER = r"\A-?[0-9]+(\.[0-9]+)?\Z"
# The portal's one email rule is Django's EmailField at 254 characters, as at sign-up
# (accounts.forms.SignUpForm) and in the invitation (accounts.staff.forms.InviteForm). It refuses non-ASCII
# local parts: Cognito stores them, but it mails through Amazon SES, which "does not support the SMTPUTF8
# extension" (the local part "may only contain 7-bit ASCII characters": SES API reference, Destination), so
# no code or invitation could reach such an address.
EMAIL_MAX_LENGTH = 254


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


def why_read_only(attribute: SchemaAttribute) -> str:
    """Why staff cannot change ``attribute`` (for the command; the form shows such values read-only)."""
    if attribute.name in READ_ONLY:
        return _("Cognito maintains %(name)s itself.") % {"name": attribute.name}
    if attribute.developer_only:
        return _("%(name)s is a developer-only attribute: it is not edited here.") % {"name": attribute.name}
    return _("%(name)s cannot be changed: the pool sets it once, when the user is created.") % {
        "name": attribute.name
    }


def multi_line(name: str, *values: str | None) -> bool:
    """True when ``name`` is edited in a textarea: ``address``, or any value of it holding a line break."""
    return name in MULTI_LINE or any(value and ("\n" in value or "\r" in value) for value in values)


def plain_lines(value: str) -> str:
    """``value`` with every line break as LF (browsers send each one as CRLF)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def same_text(first: str | None, second: str | None) -> bool:
    """True when the two values differ at most in how their line breaks are written."""
    return plain_lines(first or "") == plain_lines(second or "")


def _preferred_username(value: str) -> None:
    # The rule sign-up applies to usernames (identity.username_problem), and never the shape of an email:
    # it is shown as the person's name and, in alias pools, typed to sign in beside email addresses.
    problem = username_problem(value)
    if problem is None and "@" in value:
        problem = _("A preferred username cannot have the form of an email address.")
    if problem:
        raise ValidationError(problem, code="invalid")


def value_field(attribute: SchemaAttribute, *, widget: forms.Widget | None = None) -> forms.Field:
    """The Django field that checks a value of ``attribute`` for sending to Cognito ("" clears it).

    Its ``clean()`` returns the value to send or raises ``ValidationError``: the email rule above, E.164
    phone numbers, the username rule for preferred_username, numbers, true/false, the schema's lengths and
    ``required`` (a required attribute cannot be cleared). Text is kept exactly as typed (no stripping).
    """
    common: dict[str, Any] = {"label": attribute.name, "required": attribute.required}
    if widget is not None:
        common["widget"] = widget
    if attribute.data_type == "Boolean":
        return forms.ChoiceField(choices=[("", "—"), ("true", "true"), ("false", "false")], **common)
    if attribute.name == "email":
        return forms.EmailField(max_length=EMAIL_MAX_LENGTH, **common)
    if attribute.name == "phone_number":
        return forms.RegexField(
            regex=E164,
            max_length=16,
            help_text=gettext_lazy("E.164: a plus sign and digits only, such as +4930123456."),
            error_messages={
                "invalid": gettext_lazy("Enter the number as + and digits, such as +4930123456.")
            },
            **common,
        )
    if attribute.data_type == "Number":
        return forms.RegexField(regex=NUMBER, strip=False, **common)
    validators = [_preferred_username] if attribute.name == "preferred_username" else []
    return forms.CharField(
        max_length=attribute.max_length or 2048,
        min_length=attribute.min_length or None,
        strip=False,
        validators=validators,
        **common,
    )


def clean_assignments(
    user: CognitoUser, wanted: Mapping[str, str], pool: PoolDescription
) -> tuple[dict[str, str], dict[str, bool], list[str]]:
    """``set-attributes``' NAME=VALUE pairs checked with the change form's rules, before any Cognito call.

    Returns ``(values, switches, problems)``: the changed values as they will be sent ("" clears), the
    verified switches (``email_verified`` → bool) and one message per problem (unknown, read-only or
    required attributes, bad values). A value equal to the user's current one is left out unchecked.
    """
    by_name = {attribute.name: attribute for attribute in editable(pool)}
    values: dict[str, str] = {}
    switches: dict[str, bool] = {}
    problems: list[str] = []
    unknown = []
    for name, value in wanted.items():
        if name in VERIFIED_FLAGS.values():
            if value not in ("true", "false"):
                problems.append(_("%(name)s takes true or false.") % {"name": name})
            switches[name] = value == "true"
            continue
        attribute = by_name.get(name) or (SchemaAttribute(name=name) if name in READ_ONLY else None)
        if attribute is None:
            unknown.append(name)
        elif read_only(attribute):
            problems.append(why_read_only(attribute))
        elif not same_text(value, user.attributes.get(name, "")):
            try:
                values[name] = value_field(attribute).clean(value)
            except ValidationError as exc:
                problems.extend(f"{name}: {message}" for message in exc.messages)
    if unknown:
        problems.insert(
            0, _("This pool has no editable attribute %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    return values, switches, problems
