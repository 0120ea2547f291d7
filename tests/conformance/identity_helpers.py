"""Users of any pool shape for the identity conformance tests (test_identity.py, test_aliases.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .conftest import PASSWORD, Cog


@dataclass(frozen=True)
class Person:
    """A user as the tests know it: what they type, the canonical username, the sub, the email."""

    name: str  # the username given at creation (the email in an email-as-username pool)
    username: str  # what Cognito stores: ``name``, or a UUID equal to the sub in an email pool
    sub: str
    email: str


def attribute(attributes: list[dict[str, str]], name: str) -> str | None:
    return next((a["Value"] for a in attributes if a["Name"] == name), None)


def person(
    cog: Cog,
    handle: str | None = None,
    *,
    email: str | None = None,
    verified: bool = True,
    preferred: str | None = None,
    password: str = PASSWORD,
    force_alias: bool = False,
) -> Person:
    """AdminCreateUser + a permanent password; ``handle`` is the username where the pool has one."""
    handle = handle or cog.name()
    email = email or f"{handle.lower()}@example.com"
    attrs = [{"Name": "email", "Value": email}]
    if verified:
        attrs.append({"Name": "email_verified", "Value": "true"})
    if preferred:
        attrs.append({"Name": "preferred_username", "Value": preferred})
    name = email if cog.pool.sign_in == "email" else handle
    extra: dict[str, Any] = {"ForceAliasCreation": True} if force_alias else {}
    created = cog.idp.admin_create_user(
        UserPoolId=cog.pool_id, Username=name, UserAttributes=attrs, MessageAction="SUPPRESS", **extra
    )["User"]
    username = created["Username"]
    cog.created.append(username)
    cog.idp.admin_set_user_password(
        UserPoolId=cog.pool_id, Username=username, Password=password, Permanent=True
    )
    return Person(name, username, attribute(created["Attributes"], "sub") or "", email)


def get(cog: Cog, name: str) -> dict[str, Any]:
    return cog.idp.admin_get_user(UserPoolId=cog.pool_id, Username=name)


def sign_in_names(cog: Cog, who: Person) -> list[str]:
    """Names other than the canonical username that the pool's shape lets ``who`` sign in with."""
    names = [who.name] if cog.pool.sign_in == "username" else [who.email]
    if not cog.pool.case_sensitive:
        names += [names[0].upper(), who.name.swapcase()]
    return [n for n in dict.fromkeys(names) if n != who.username]
