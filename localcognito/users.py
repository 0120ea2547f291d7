"""ListUsers and DescribeUserPool, answered by localcognito from moto's store with Cognito's rules."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from . import moto_adapter as moto
from .core import Ext, Request
from .errors import invalid

# `<attribute> <op> "<value>"`; AWS's own samples also quote the attribute name ('"email"^="x"').
FILTER = re.compile(r'^\s*("?)([\w:]+)\1\s*(=|\^=)\s*"(.*)"\s*$', re.DOTALL)
# The only searchable attributes (API reference, ListUsers.Filter); custom attributes are not.
SEARCHABLE = (
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
)
MAX_LIMIT = 60


def _parse_filter(text: Any) -> tuple[str, str, str] | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    match = FILTER.match(text) if isinstance(text, str) else None
    if match is None:
        raise invalid("Error while parsing filter.")
    _, name, op, value = match.groups()
    if name not in SEARCHABLE:
        raise invalid(f"Invalid search attribute: {name}")
    # Inner quotes are escaped with a backslash (ListUsers.Filter reference): unescape \" and \\.
    return name, op, re.sub(r"\\(.)", r"\1", value)


def _matcher(pool: moto.PoolInfo, name: str, op: str, value: str) -> Callable[[moto.UserRow], bool]:
    """A predicate over UserRow for one parsed filter, with each attribute's case rule."""
    # cognito:user_status is case-insensitive; username folds case in a case-insensitive pool
    # (UsernameConfigurationType: "enables case insensitivity for all username input").
    fold = name == "cognito:user_status" or (name == "username" and not pool.case_sensitive)
    wanted = value.lower() if fold else value

    def field(row: moto.UserRow) -> str | None:
        if name == "username":
            return row.username
        if name == "cognito:user_status":
            return row.status
        if name == "status":
            return "Enabled" if row.enabled else "Disabled"
        if name == "sub":
            return row.sub
        return row.attributes.get(name)

    def matches(row: moto.UserRow) -> bool:
        current = field(row)
        if current is None:
            return False
        if fold:
            current = current.lower()
        return current == wanted if op == "=" else current.startswith(wanted)

    return matches


def _encode_token(after: str, at: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after, "at": at}).encode()).decode()


def _decode_token(token: Any) -> tuple[str, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        after, at = data["after"], data["at"]
        if not isinstance(after, str) or not isinstance(at, int) or at < 0:
            raise ValueError(token)
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        # ListUsers documents no token-specific error: a bad token is a bad parameter.
        raise invalid("Invalid pagination token.") from exc
    return after, at


def _user_type(row: moto.UserRow, wanted: list[str] | None) -> dict[str, Any]:
    attributes = row.attributes if wanted is None else {k: row.attributes[k] for k in wanted}
    return {
        "Username": row.username,
        "Attributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        "UserCreateDate": moto.epoch(row.created),
        "UserLastModifiedDate": moto.epoch(row.modified),
        "Enabled": row.enabled,
        "UserStatus": row.status,
    }


def list_users(ext: Ext, req: Request) -> dict[str, Any]:
    """ListUsers: filter, page (Limit 0-60, opaque PaginationToken) and AttributesToGet as documented.

    AttributesToGet: "Amazon Cognito returns an error if not all users in the results have set a value
    for the attribute you request" (API reference) — InvalidParameterException here.
    """
    b = req.body
    pool = ext.pool(b.get("UserPoolId"))
    limit = b.get("Limit", MAX_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise invalid(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_LIMIT}"
        )
    limit = limit or MAX_LIMIT
    wanted = b.get("AttributesToGet")
    if wanted is not None and (not isinstance(wanted, list) or not all(isinstance(a, str) for a in wanted)):
        raise invalid("AttributesToGet must be a list of attribute names.")
    wanted = wanted or None
    parsed = _parse_filter(b.get("Filter"))
    rows = moto.user_rows(pool.pool_id)
    if parsed is not None:
        matches = _matcher(pool, *parsed)
        rows = [row for row in rows if matches(row)]
    start = 0
    if b.get("PaginationToken"):
        after, at = _decode_token(b["PaginationToken"])
        names = [row.username for row in rows]
        start = names.index(after) + 1 if after in names else min(at, len(rows))
    page = rows[start : start + limit]
    if wanted is not None:
        for row in page:
            missing = [name for name in wanted if name not in row.attributes]
            if missing:
                raise invalid(f"One or more requested attributes are not set for every user: {missing[0]}")
    result: dict[str, Any] = {"Users": [_user_type(row, wanted) for row in page]}
    if page and start + len(page) < len(rows):
        result["PaginationToken"] = _encode_token(page[-1].username, start + len(page))
    return result


def describe_user_pool(ext: Ext, req: Request) -> dict[str, Any]:
    """DescribeUserPool with the pool's current MfaConfiguration (moto reports the creation-time value)."""
    pool = ext.pool(req.body.get("UserPoolId"))
    data = ext.call("DescribeUserPool", pool.pool_id, {"UserPoolId": pool.pool_id})
    data["UserPool"]["MfaConfiguration"] = pool.mfa
    return data


# Settings CreateUserPool fixes for good: UpdateUserPool takes none of them and Cognito keeps them.
CREATION_ONLY = ("AliasAttributes", "UsernameAttributes", "UsernameConfiguration")


def update_user_pool(ext: Ext, req: Request) -> dict[str, Any]:
    """UpdateUserPool keeping the creation-only settings (moto would drop them) and applying MFA."""
    pool = ext.pool(req.body.get("UserPoolId"))
    body = {k: v for k, v in req.body.items() if k not in CREATION_ONLY}
    described = ext.call("DescribeUserPool", pool.pool_id, {"UserPoolId": pool.pool_id})["UserPool"]
    body.update({k: described[k] for k in CREATION_ONLY if k in described})
    result = ext.call("UpdateUserPool", pool.pool_id, body)
    if body.get("MfaConfiguration") in ("OFF", "ON", "OPTIONAL"):
        moto.set_mfa_configuration(pool.pool_id, body["MfaConfiguration"])
    return result


OPERATIONS = {
    "UpdateUserPool": update_user_pool,
    "ListUsers": list_users,
    "DescribeUserPool": describe_user_pool,
}
