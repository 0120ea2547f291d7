"""User attribute writes: (Admin)UpdateUserAttributes with Cognito's alias, uniqueness and verify rules."""

from __future__ import annotations

from typing import Any

from . import identity
from . import moto_adapter as moto
from .core import Ext, Request
from .errors import invalid


def attribute_map(attributes: Any) -> dict[str, str]:
    """A UserAttributes list ([{"Name": ..., "Value": ...}]) as a dict; malformed entries are refused."""
    if attributes is None:
        return {}
    if not isinstance(attributes, list):
        raise invalid("UserAttributes must be a list of Name/Value pairs.")
    result = {}
    for item in attributes:
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            raise invalid("UserAttributes must be a list of Name/Value pairs.")
        result[item["Name"]] = str(item.get("Value", ""))
    return result


def _pairs(attributes: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in attributes.items()]


def planned(user: moto.UserInfo, updates: dict[str, str]) -> dict[str, str]:
    """The user's attributes after ``updates`` (a blank value deletes, as the API reference says).

    A new email or phone number is unverified unless the same request marks it verified
    (AdminUpdateUserAttributes.UserAttributes: "To skip the verification message ... include the
    email_verified or phone_number_verified attribute, with a value of true").
    """
    after = dict(user.attributes)
    for name, value in updates.items():
        if value == "":
            after.pop(name, None)
        else:
            after[name] = value
    for name, flag in identity.VERIFIED.items():
        if name in updates and updates[name] != user.attributes.get(name) and flag not in updates:
            if name in after:
                after[flag] = "false"
            else:
                after.pop(flag, None)
    return after


def write(ext: Ext, user: moto.UserInfo, after: dict[str, str]) -> None:
    """Make moto's copy of the user's attributes equal ``after`` (updates, then deletions)."""
    changed = {k: v for k, v in after.items() if user.attributes.get(k) != v and k != "sub"}
    gone = [k for k in user.attributes if k not in after and k != "sub"]
    base = {"UserPoolId": user.pool_id, "Username": user.username}
    if changed:
        # moto refuses any email already in use in an email-as-username pool, this user's own included:
        # uniqueness was checked (case rule and all) before this point.
        ext.call("AdminUpdateUserAttributes", user.pool_id, {**base, "UserAttributes": _pairs(changed)})
    if gone:
        ext.call("AdminDeleteUserAttributes", user.pool_id, {**base, "UserAttributeNames": gone})


def admin_update_user_attributes(ext: Ext, req: Request) -> dict[str, Any]:
    """AdminUpdateUserAttributes: a verified alias another user holds → AliasExistsException."""
    user = ext.admin_user(req.body)
    pool = ext.pool(user.pool_id)
    after = planned(user, attribute_map(req.body.get("UserAttributes")))
    identity.claim_aliases(ext, pool, user.sub, after, force=False)
    write(ext, user, after)
    return {}


OPERATIONS = {
    "AdminUpdateUserAttributes": admin_update_user_attributes,
}
