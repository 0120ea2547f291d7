"""Who a name refers to in a pool: username, email/phone as username, verified aliases, sub; case rules.

Every operation that takes a user's name resolves it here (``Ext.user`` for localcognito's own
operations, ``canonical_forward`` for those moto answers), so the pool's sign-in shape applies to all.
Sources: Cognito developer guide, "User pool attributes" (Username and preferred username; Aliases;
"Option 2: User signs up and signs in with email or phone number"); API reference UsernameConfigurationType
("False ... also enables both preferred_username and email alias to be case insensitive") and
AdminGetUser.Username ("can be any of their alias attributes ... you can also use their sub").
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from . import moto_adapter as moto
from .errors import CognitoError, invalid
from .wire import Forward

if TYPE_CHECKING:  # core imports this module
    from .core import Ext, Request

# The formats Cognito recognises in UsernameAttributes pools (and refuses as usernames in alias pools).
EMAIL_FORMAT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_FORMAT = re.compile(r"\+[0-9]{4,15}")
FORMATS = {"email": EMAIL_FORMAT, "phone_number": PHONE_FORMAT}
VERIFIED = {"email": "email_verified", "phone_number": "phone_number_verified"}
# Attributes whose comparison folds case in a case-insensitive pool (phone numbers have no case).
FOLDED = ("email", "preferred_username")

# Operations moto answers itself that name a user: the name is made canonical before moto sees it.
FORWARDED_WITH_USERNAME = (
    "AdminAddUserToGroup",
    "AdminRemoveUserFromGroup",
    "AdminListGroupsForUser",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminSetUserSettings",
    "AdminUserGlobalSignOut",
    "AdminListUserAuthEvents",
    "AdminUpdateAuthEventFeedback",
    "AdminDeleteSoftwareToken",
    "AdminGetUserAuthFactors",
)


def fold(pool: moto.PoolInfo, value: str) -> str:
    """``value`` as the pool compares it: lower-cased when UsernameConfiguration.CaseSensitive is false."""
    return value if pool.case_sensitive else value.lower()


def _same(pool: moto.PoolInfo, attribute: str, stored: str | None, wanted: str) -> bool:
    if not stored:
        return False
    if attribute in FOLDED:
        return fold(pool, stored) == fold(pool, wanted)
    return stored == wanted


def active_aliases(pool: moto.PoolInfo, attributes: dict[str, str]) -> dict[str, str]:
    """The alias attributes a user can sign in with now: verified email/phone, any preferred_username.

    Only in AliasAttributes pools ("phone numbers and email addresses only become active aliases for a
    user after [they] are verified"; preferred_username needs no verification).
    """
    active = {}
    for attribute in pool.alias_attributes:
        value = attributes.get(attribute)
        if value and (attribute not in VERIFIED or attributes.get(VERIFIED[attribute]) == "true"):
            active[attribute] = value
    return active


def resolve(pool: moto.PoolInfo, name: Any) -> moto.UserInfo | None:
    """The user ``name`` refers to in ``pool``, or None.

    Order (the first rule that matches wins; Cognito's uniqueness rules keep them from disagreeing):
    1. the username (exactly; then case-folded in a case-insensitive pool);
    2. UsernameAttributes pools: the email / phone_number attribute (verified or not: it is the username);
    3. AliasAttributes pools: a verified email or phone_number, or the preferred_username;
    4. the user's ``sub``.
    The exact-username case costs one dict lookup; the others scan the pool once.
    """
    if not isinstance(name, str) or not name:
        return None
    exact = moto.user_info(pool.pool_id, name)
    if exact is not None:
        return exact
    wanted = fold(pool, name)
    folds = not pool.case_sensitive
    # (attribute, verification flag or None, compare folded) for the attributes that may name a user.
    checks = [(a, None, folds and a in FOLDED) for a in pool.username_attributes]
    alias_checks = [(a, VERIFIED.get(a), folds and a in FOLDED) for a in pool.alias_attributes]
    found: dict[int, str] = {}
    for username, sub, attributes in moto.user_records(pool.pool_id):
        if folds and username.lower() == wanted:
            found[1] = username
            break
        for rank, rules in ((2, checks), (3, alias_checks)):
            if rank in found:
                continue
            for attribute, flag, folded in rules:
                value = attributes.get(attribute)
                matches = bool(value) and (value.lower() == wanted if folded else value == name)
                if matches and (flag is None or attributes.get(flag) == "true"):
                    found[rank] = username
        if sub == name and 4 not in found:
            found[4] = username
    return moto.user_info(pool.pool_id, found[min(found)]) if found else None


def username_taken(pool: moto.PoolInfo, username: str) -> moto.UserInfo | None:
    """The user already holding ``username`` (case-folded per the pool rule), for SignUp/AdminCreateUser.

    In a UsernameAttributes pool the email / phone number given as the username must be unique among
    every user's email / phone number, verified or not (developer guide, "Option 2").
    """
    exact = moto.user_info(pool.pool_id, username)
    if exact is not None:
        return exact
    wanted = fold(pool, username)
    for name, _sub, attributes in moto.user_records(pool.pool_id):
        if (not pool.case_sensitive and name.lower() == wanted) or any(
            _same(pool, a, attributes.get(a), username) for a in pool.username_attributes
        ):
            return moto.user_info(pool.pool_id, name)
    return None


def check_new_username(pool: moto.PoolInfo, username: Any) -> None:
    """Cognito's format rules for the Username of SignUp / AdminCreateUser.

    UsernameAttributes pools take only an email (or phone number) there; AliasAttributes pools refuse a
    username in the format of an alias ("If email is selected as an alias, a username can't match a valid
    email format").
    """
    if not isinstance(username, str) or not username:
        raise invalid("Missing required parameter Username")
    if pool.username_attributes:
        if not any(FORMATS[a].fullmatch(username) for a in pool.username_attributes if a in FORMATS):
            raise invalid("Username should be either an email or a phone number.")
        return
    for attribute in ("email", "phone_number"):
        if attribute in pool.alias_attributes and FORMATS[attribute].fullmatch(username):
            kind = "email" if attribute == "email" else "phone number"
            raise invalid(
                f"Username cannot be of {kind} format, since user pool is configured for {kind} alias."
            )


def alias_exists(attribute: str) -> CognitoError:
    """Cognito's AliasExistsException for ``attribute`` (email, phone_number or preferred_username)."""
    return CognitoError("AliasExistsException", f"An account with the given {attribute} already exists.")


def alias_conflicts(
    pool: moto.PoolInfo, sub: str, attributes: dict[str, str]
) -> list[tuple[str, moto.UserInfo]]:
    """(attribute, other user) for every sign-in name ``attributes`` would take from another user.

    ``attributes`` is the user's complete attribute set after the change. In alias pools a verified
    email/phone or a preferred_username is unique among active aliases; in UsernameAttributes pools the
    email / phone number is unique among all users (case-folded per the pool rule either way).
    """
    if pool.username_attributes:
        mine = {a: attributes[a] for a in pool.username_attributes if attributes.get(a)}
    else:
        mine = active_aliases(pool, attributes)
    if not mine:
        return []
    conflicts = []
    for username, other_sub, other in moto.user_records(pool.pool_id):
        if other_sub == sub:
            continue
        theirs = (
            {a: other.get(a) for a in pool.username_attributes}
            if pool.username_attributes
            else active_aliases(pool, other)
        )
        for attribute, value in mine.items():
            if _same(pool, attribute, theirs.get(attribute), value):
                user = moto.user_info(pool.pool_id, username)
                if user is not None:
                    conflicts.append((attribute, user))
    return conflicts


def claim_aliases(ext: Ext, pool: moto.PoolInfo, sub: str, attributes: dict[str, str], force: bool) -> None:
    """Raise AliasExistsException for a taken alias, or (``force``: ForceAliasCreation) move it here.

    Moving an email / phone alias "marks the attribute unverified in the previous account" (developer
    guide, Aliases). A preferred_username, or a UsernameAttributes email, cannot be moved.
    """
    conflicts = alias_conflicts(pool, sub, attributes)
    for attribute, _other in conflicts:
        if not force or attribute not in VERIFIED or pool.username_attributes:
            raise alias_exists(attribute)
    for attribute, other in conflicts:
        ext.call(
            "AdminUpdateUserAttributes",
            pool.pool_id,
            {
                "UserPoolId": pool.pool_id,
                "Username": other.username,
                "UserAttributes": [{"Name": VERIFIED[attribute], "Value": "false"}],
            },
        )


def canonical_forward(ext: Ext, req: Request) -> Forward:
    """Forward an operation moto answers, with ``Username`` replaced by the canonical username."""
    body = req.body
    pool_id = body.get("UserPoolId")
    info = moto.pool_info(pool_id) if isinstance(pool_id, str) and pool_id else None
    if info is not None:
        user = resolve(info, body.get("Username"))
        if user is not None:
            body["Username"] = user.username
    return Forward(json.dumps(body).encode())


# Only what moto answers: the others (AdminSetUserSettings, AdminGetUserAuthFactors ...) are unsupported,
# and forwarding them would make moto crash (HTTP 500, which SDKs retry) instead.
OPERATIONS = {name: canonical_forward for name in FORWARDED_WITH_USERNAME if moto.implements(name)}
