"""How the account page names and shows a user's Cognito attributes: translated labels, readable values.

The standard attributes are the OpenID Connect set Cognito defines (developer guide, "User pool attributes",
docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html; OIDC Core 1.0 §5.1)
plus ``sub`` and ``identities``; a ``custom:`` attribute is labelled by its own name, humanised
(``custom:cost_centre`` → "Cost centre").
"""

from __future__ import annotations

import datetime

from django.utils import formats, timezone
from django.utils.text import camel_case_to_spaces, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Shown in this order, with these labels; any other attribute follows, sorted by its label.
ATTRIBUTE_LABELS = {
    "name": gettext_lazy("Name"),
    "given_name": gettext_lazy("Given name"),
    "middle_name": gettext_lazy("Middle name"),
    "family_name": gettext_lazy("Family name"),
    "nickname": gettext_lazy("Nickname"),
    "preferred_username": gettext_lazy("Preferred username"),
    "email": gettext_lazy("Email address"),
    "email_verified": gettext_lazy("Email verified"),
    "phone_number": gettext_lazy("Phone number"),
    "phone_number_verified": gettext_lazy("Phone number verified"),
    "address": gettext_lazy("Address"),
    "birthdate": gettext_lazy("Date of birth"),
    "gender": gettext_lazy("Gender"),
    "locale": gettext_lazy("Locale"),
    "zoneinfo": gettext_lazy("Time zone"),
    "profile": gettext_lazy("Profile page"),
    "picture": gettext_lazy("Picture"),
    "website": gettext_lazy("Website"),
    "updated_at": gettext_lazy("Profile last updated"),
    "identities": gettext_lazy("Linked sign-in providers"),
    "sub": gettext_lazy("User ID"),
}
BOOLEAN_ATTRIBUTES = {"email_verified", "phone_number_verified"}
EPOCH_ATTRIBUTES = {"updated_at"}  # seconds since the epoch (OIDC Core §5.1)


def attribute_label(name: str) -> str:
    """The label of attribute ``name`` in the active language; a ``custom:`` (or ``dev:custom:``) attribute
    gets its own name without the prefix, words split at ``_``, ``-`` and camelCase, first letter capital."""
    if name in ATTRIBUTE_LABELS:
        return str(ATTRIBUTE_LABELS[name])
    bare = name.rpartition(":")[2]
    words = camel_case_to_spaces(bare).replace("_", " ").replace("-", " ")
    return capfirst(" ".join(words.split())) or name


def attribute_value(name: str, value: str) -> str:
    """``value`` as a person reads it: Yes/No for the verified flags, a local date for ``updated_at``."""
    if name in BOOLEAN_ATTRIBUTES:
        return _("Yes") if value.lower() == "true" else _("No")
    if name in EPOCH_ATTRIBUTES:
        try:
            moment = datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)
        except (ValueError, OverflowError, OSError):
            return value
        return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return value


def attribute_rows(attributes: dict[str, str]) -> list[tuple[str, str]]:
    """``(label, value)`` rows for the account page: known attributes in ``ATTRIBUTE_LABELS`` order, then
    the others by label, the User ID (``sub``) last."""
    known = [name for name in ATTRIBUTE_LABELS if name in attributes and name != "sub"]
    others = sorted(
        (name for name in attributes if name not in ATTRIBUTE_LABELS),
        key=lambda name: attribute_label(name).casefold(),
    )
    names = known + others + (["sub"] if "sub" in attributes else [])
    return [(attribute_label(name), attribute_value(name, attributes[name])) for name in names]
