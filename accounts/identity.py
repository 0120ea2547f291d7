"""The identity rule (DESIGN §8): a Cognito user *is* its ``sub``; every name is only a way to find one.

Which names find a user, and whether their case matters, is the pool's business: ``UsernameAttributes``
(email or phone number used as the username), ``AliasAttributes`` (verified email, phone number or
preferred_username accepted instead of the username) and ``UsernameConfiguration.CaseSensitive``, all
from DescribeUserPool (``accounts.cognito.pool_description()``). Nothing here calls Cognito.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.cognito.descriptions import SIGN_IN_ALIASES, SIGN_IN_EMAIL, SIGN_IN_PHONE, PoolDescription

# The shape of a Cognito sub (a UUID). A username of this shape would be ambiguous wherever a sub is
# accepted in its place (AdminGetUser and the staff URLs), so the portal never creates one.
SUB_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
USERNAME_MAX_LENGTH = 128


def looks_like_sub(value: str) -> bool:
    return bool(SUB_PATTERN.match(value or ""))


def fold(name: str, pool: PoolDescription) -> str:
    """``name`` as the pool compares it: lower-cased in a case-insensitive pool, untouched otherwise."""
    return name if pool.case_sensitive else name.lower()


def same_name(first: str, second: str, pool: PoolDescription) -> bool:
    """True when the pool treats the two names as one (never folds where the pool does not)."""
    if not first or not second:
        return False
    return fold(first, pool) == fold(second, pool)


@dataclass(frozen=True)
class Identity:
    """What the portal knows of one Cognito user's names (from ID-token claims or user attributes).

    ``username`` is the canonical username Cognito stores (``cognito:username``; a UUID in
    email-as-username pools), ``sub`` the stable key.
    """

    sub: str
    username: str
    email: str = ""
    email_verified: bool = False
    phone_number: str = ""
    phone_number_verified: bool = False
    preferred_username: str = ""

    @classmethod
    def from_claims(cls, claims: Mapping[str, object]) -> Identity:
        """From verified ID-token claims (``sub``, ``cognito:username``, ``email``, ``email_verified`` …)."""

        def text(name: str) -> str:
            value = claims.get(name)
            return "" if value is None else str(value)

        def flag(name: str) -> bool:
            value = claims.get(name)
            return value is True or str(value).lower() == "true"

        sub = text("sub")
        return cls(
            sub=sub,
            username=text("cognito:username") or text("username") or sub,
            email=text("email"),
            email_verified=flag("email_verified"),
            phone_number=text("phone_number"),
            phone_number_verified=flag("phone_number_verified"),
            preferred_username=text("preferred_username"),
        )

    @classmethod
    def from_attributes(cls, username: str, attributes: Mapping[str, str]) -> Identity:
        """From a user's ``Username`` and attributes (AdminGetUser, ListUsers)."""
        return cls(
            sub=attributes.get("sub", ""),
            username=username,
            email=attributes.get("email", ""),
            email_verified=attributes.get("email_verified", "").lower() == "true",
            phone_number=attributes.get("phone_number", ""),
            phone_number_verified=attributes.get("phone_number_verified", "").lower() == "true",
            preferred_username=attributes.get("preferred_username", ""),
        )

    def sign_in_names(self, pool: PoolDescription) -> list[str]:
        """Every name that signs this user in to ``pool`` (the username first)."""
        names = [self.username]
        for attribute in pool.username_attributes:
            # Used *as* the username: accepted whether or not it is verified.
            names.append(self._value(attribute))
        for attribute in pool.alias_attributes:
            # An alias works only once verified (preferred_username needs no verification).
            if attribute == "preferred_username" or self._verified(attribute):
                names.append(self._value(attribute))
        return [name for name in names if name]

    def answers_to(self, typed: str, pool: PoolDescription) -> bool:
        """True when ``typed`` is one of this user's sign-in names under the pool's case rule."""
        return any(same_name(typed, name, pool) for name in self.sign_in_names(pool))

    @property
    def display_name(self) -> str:
        """A human name for greetings and lists: preferred_username, email, then the username.

        Never a bare sub: in email-as-username pools the username is a generated id.
        """
        if self.preferred_username:
            return self.preferred_username
        if self.email:
            return self.email
        if self.username and not looks_like_sub(self.username):
            return self.username
        return self.phone_number or self.username

    def _value(self, attribute: str) -> str:
        return {
            "email": self.email,
            "phone_number": self.phone_number,
            "preferred_username": self.preferred_username,
        }.get(attribute, "")

    def _verified(self, attribute: str) -> bool:
        return {"email": self.email_verified, "phone_number": self.phone_number_verified}.get(
            attribute, False
        )


def display_name(username: str, attributes: Mapping[str, str]) -> str:
    """``Identity.display_name`` for a ListUsers/AdminGetUser user."""
    return Identity.from_attributes(username, attributes).display_name


def username_problem(name: str) -> str | None:
    """Why a new username cannot be used (shown to the person), or None when it is fine.

    Cognito's username pattern allows no white space; beyond that the portal refuses names that could not
    be shown or typed back safely: control and invisible format characters (bidi overrides, zero-width
    joiners), text that changes under Unicode normalisation, and the shape of a sub (see ``SUB_PATTERN``).
    """
    if not name:
        return _("Enter a username.")
    if len(name) > USERNAME_MAX_LENGTH:
        return _("A username can have at most %(count)d characters.") % {"count": USERNAME_MAX_LENGTH}
    if any(ch.isspace() for ch in name):
        return _("A username cannot contain spaces.")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs", "Cn"} for ch in name):
        return _("A username cannot contain control or invisible characters.")
    if unicodedata.normalize("NFC", name) != name:
        return _("This username is written in an unusual way. Type it again using your keyboard.")
    if looks_like_sub(name):
        return _("A username cannot have the form of a user ID. Choose another one.")
    return None


def sign_in_label(pool: PoolDescription | None) -> str:
    """The label of the sign-in name field for this pool ("Username", "Email address", …)."""
    if pool is None:
        return _("Username")
    if pool.sign_in == SIGN_IN_EMAIL:
        return _("Email address")
    if pool.sign_in == SIGN_IN_PHONE:
        return _("Phone number")
    if pool.sign_in == SIGN_IN_ALIASES:
        if "email" in pool.alias_attributes:
            return _("Username or email address")
        if "phone_number" in pool.alias_attributes:
            return _("Username or phone number")
    return _("Username")


def confirmation_label(pool: PoolDescription | None) -> str:
    """The label of the name field on the confirm page: an alias only works once verified, which is what
    confirming does, so only the username (or, in email-as-username pools, the email) finds the account."""
    if pool is not None and pool.sign_in in (SIGN_IN_EMAIL, SIGN_IN_PHONE):
        return sign_in_label(pool)
    return _("Username")
