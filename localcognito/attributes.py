"""User attributes: schema checks, updates, verification codes and deletions, with Cognito's rules.

Sources: developer guide "User pool attributes" (required attributes; only email and phone can be
verified; "An app can ... write an attribute that is marked as writable" else NotAuthorizedException) and
"Verifying updates to email addresses and phone numbers" (AttributesRequireVerificationBeforeUpdate keeps
the original value in force until the new one is verified); API reference for (Admin)UpdateUserAttributes
("a blank value" deletes; email_verified=true skips the verification message), VerifyUserAttribute and
GetUserAttributeVerificationCode.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import identity, moto_tokens
from . import moto_adapter as moto
from .core import Ext, Request, mask_email
from .errors import invalid, not_authorized

PHONE_FORMAT = re.compile(r"\+[0-9]{1,15}")
VERIFIABLE = ("email",)  # phone numbers would need SMS, which localcognito does not send


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


def _check_formats(attributes: dict[str, str]) -> None:
    email = attributes.get("email")
    if email and not identity.EMAIL_FORMAT.fullmatch(email):
        raise invalid("Invalid email address format.")
    phone = attributes.get("phone_number")
    if phone and not PHONE_FORMAT.fullmatch(phone):
        raise invalid("Invalid phone number format.")


def check_new_user(pool: moto.PoolInfo, attributes: dict[str, str]) -> None:
    """SignUp / AdminCreateUser: every name in the schema, every required attribute given, valid formats.

    ``attributes`` includes what the username supplies (the email in an email-as-username pool).
    """
    for name in attributes:
        if name not in pool.schema:
            raise invalid(
                f"Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
            )
    for name, (required, _mutable) in pool.schema.items():
        if required and name != "sub" and not attributes.get(name):
            raise invalid(f"Attributes did not conform to the schema: {name}: The attribute is required")
    _check_formats(attributes)


def check_update(pool: moto.PoolInfo, updates: dict[str, str]) -> None:
    """(Admin)UpdateUserAttributes: known, mutable attributes with valid values; required ones kept."""
    for name, value in updates.items():
        spec = pool.schema.get(name)
        if spec is None:
            raise invalid(f"user.{name}: Attribute does not exist in the schema.")
        required, mutable = spec
        if not mutable or name == "sub":
            raise invalid(f"user.{name}: Attribute cannot be updated. (changing an immutable attribute)")
        if required and value == "":
            raise invalid(f"Attributes did not conform to the schema: {name}: The attribute is required")
    _check_formats(updates)


def planned(user: moto.UserInfo, updates: dict[str, str]) -> dict[str, str]:
    """The user's attributes after ``updates`` (a blank value deletes).

    A new email or phone number is unverified unless the same request marks it verified.
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


def _send_code(ext: Ext, user: moto.UserInfo, attribute: str, destination: str) -> dict[str, str]:
    code = ext.new_code(ext.state.attribute_codes, f"{user.sub}:{attribute}", ext.settings.signup_code_ttl)
    ext.outbox.deliver(
        kind="verify_attribute",
        pool_id=user.pool_id,
        username=user.username,
        destination=destination,
        code=code,
        when=ext.now(),
    )
    return {"Destination": mask_email(destination), "DeliveryMedium": "EMAIL", "AttributeName": attribute}


def update(ext: Ext, user: moto.UserInfo, updates: dict[str, str]) -> list[dict[str, str]]:
    """Apply ``updates`` as (Admin)UpdateUserAttributes does; the CodeDeliveryDetails of codes sent.

    A changed email that is not marked verified becomes unverified and, when the pool auto-verifies
    email, gets a code at the new address; with AttributesRequireVerificationBeforeUpdate the new value
    waits (ext.state.pending_attributes) and the verified old one stays in force until VerifyUserAttribute.
    """
    pool = ext.pool(user.pool_id)
    check_update(pool, updates)
    new_email = updates.get("email")
    changed = bool(new_email) and new_email != user.attributes.get("email")
    confirmed = updates.get("email_verified") == "true"
    hold = (
        changed
        and not confirmed
        and "email" in pool.verify_before_update
        and user.attributes.get("email_verified") == "true"
    )
    effective = {k: v for k, v in updates.items() if not (hold and k in ("email", "email_verified"))}
    after = planned(user, effective)
    if hold:
        after_pending = {**after, "email": str(new_email)}
        identity.claim_aliases(ext, pool, user.sub, {**after_pending, "email_verified": "false"}, force=False)
    identity.claim_aliases(ext, pool, user.sub, after, force=False)
    write(ext, user, after)
    if hold:
        ext.state.pending_attributes.setdefault(user.sub, {})["email"] = str(new_email)
    elif changed:
        ext.state.pending_attributes.get(user.sub, {}).pop("email", None)
    if changed and not confirmed and "email" in pool.auto_verified:
        return [_send_code(ext, user, "email", str(new_email))]
    return []


def _token_client(ext: Ext, token: Any) -> moto.ClientInfo | None:
    client_id = moto_tokens.access_token_client(token) if isinstance(token, str) else None
    return moto.client_info(client_id) if client_id else None


def admin_update_user_attributes(ext: Ext, req: Request) -> dict[str, Any]:
    """AdminUpdateUserAttributes (see ``update``); answers {} as Cognito does."""
    update(ext, ext.admin_user(req.body), attribute_map(req.body.get("UserAttributes")))
    return {}


def check_writable(client: moto.ClientInfo | None, names: Iterable[str]) -> None:
    """NotAuthorizedException unless the app client may write every attribute in ``names``.

    Its WriteAttributes when it has them; without them every attribute but the *_verified flags (the
    developer guide's "Attribute permissions and scopes": an app writes only attributes marked writable).
    Applies to SignUp, UpdateUserAttributes and NEW_PASSWORD_REQUIRED's userAttributes.*, never to the
    Admin* calls.
    """
    writable = client.write_attributes if client else None
    for name in names:
        allowed = name in writable if writable is not None else name not in identity.VERIFIED.values()
        if not allowed:
            raise not_authorized("A client attempted to write unauthorized attribute")


def update_user_attributes(ext: Ext, req: Request) -> dict[str, Any]:
    """UpdateUserAttributes with the access token: the app client's WriteAttributes, then ``update``.

    Answers CodeDeliveryDetailsList when a code went out; NotAuthorizedException for an attribute the
    client may not write.
    """
    user = ext.token_user(req.body.get("AccessToken"))
    updates = attribute_map(req.body.get("UserAttributes"))
    check_update(ext.pool(user.pool_id), updates)  # the schema first: an unknown name is invalid
    check_writable(_token_client(ext, req.body["AccessToken"]), updates)
    details = update(ext, user, updates)
    return {"CodeDeliveryDetailsList": details} if details else {}


def set_at_new_password(
    ext: Ext, client: moto.ClientInfo, user: moto.UserInfo, answers: dict[str, Any]
) -> None:
    """The ``userAttributes.<name>`` answers of a NEW_PASSWORD_REQUIRED challenge, with the rules of
    UpdateUserAttributes (RespondToAuthChallenge API reference: required attributes, and "writable
    attributes that aren't required").

    NotAuthorizedException for an attribute the client may not write; InvalidParameterException for an
    unknown or immutable attribute, a malformed email or phone number, or a blank or non-string value (an
    answer sets a value, it never deletes one); AliasExistsException for another user's sign-in alias.
    Everything is checked before anything is written.
    """
    prefix = "userAttributes."
    given = {key[len(prefix) :]: value for key, value in answers.items() if key.startswith(prefix)}
    if not given:
        return
    for name, value in given.items():
        if not isinstance(value, str) or not value.strip():
            raise invalid(f"userAttributes.{name} must be a non-blank string.")
    check_update(ext.pool(user.pool_id), given)
    check_writable(client, given)
    update(ext, user, given)


def _verifiable(user: moto.UserInfo, ext: Ext, name: Any) -> str:
    """The value a code for ``name`` verifies: the pending new value, else the current one."""
    if name not in VERIFIABLE:
        raise invalid(f"Attribute {name} cannot be verified here: localcognito verifies email only.")
    value = ext.state.pending_attributes.get(user.sub, {}).get(name) or user.attributes.get(name)
    if not value:
        raise invalid(f"User has no {name} to verify.")
    return value


def get_user_attribute_verification_code(ext: Ext, req: Request) -> dict[str, Any]:
    """GetUserAttributeVerificationCode: a code for the email (its pending new value first) to the outbox."""
    user = ext.token_user(req.body.get("AccessToken"))
    name = req.body.get("AttributeName")
    value = _verifiable(user, ext, name)
    ext.rate_limit(f"verify:{user.sub}")
    return {"CodeDeliveryDetails": _send_code(ext, user, str(name), value)}


def verify_user_attribute(ext: Ext, req: Request) -> dict[str, Any]:
    """VerifyUserAttribute: the code, then the alias rule (AliasExistsException), then the new value."""
    user = ext.token_user(req.body.get("AccessToken"))
    name = str(req.body.get("AttributeName"))
    value = _verifiable(user, ext, name)
    key = f"{user.sub}:{name}"
    ext.check_code(ext.state.attribute_codes, key, req.body.get("Code"), consume=False)
    after = {**user.attributes, name: value, identity.VERIFIED[name]: "true"}
    identity.claim_aliases(ext, ext.pool(user.pool_id), user.sub, after, force=False)
    ext.state.attribute_codes.pop(key, None)
    ext.state.pending_attributes.get(user.sub, {}).pop(name, None)
    write(ext, user, after)
    return {}


def _delete_attributes(ext: Ext, user: moto.UserInfo, names: Any) -> dict[str, Any]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise invalid("UserAttributeNames must be a list of attribute names.")
    check_update(ext.pool(user.pool_id), dict.fromkeys(names, ""))
    write(ext, user, {k: v for k, v in user.attributes.items() if k not in names})
    return {}


def delete_user_attributes(ext: Ext, req: Request) -> dict[str, Any]:
    """DeleteUserAttributes with the access token; required or immutable ones → InvalidParameterException."""
    user = ext.token_user(req.body.get("AccessToken"))
    return _delete_attributes(ext, user, req.body.get("UserAttributeNames"))


def admin_delete_user_attributes(ext: Ext, req: Request) -> dict[str, Any]:
    """AdminDeleteUserAttributes, with the same checks as DeleteUserAttributes."""
    return _delete_attributes(ext, ext.admin_user(req.body), req.body.get("UserAttributeNames"))


def _delete_user(ext: Ext, user: moto.UserInfo) -> dict[str, Any]:
    ext.call("AdminDeleteUser", user.pool_id, {"UserPoolId": user.pool_id, "Username": user.username})
    # A deleted user's tokens must not work for a later user given the same username (moto keys them by
    # username): they go with the user.
    moto_tokens.forget_tokens(user.pool_id, user.username)
    ext.state.forget_user(user.sub)
    return {}


def delete_user(ext: Ext, req: Request) -> dict[str, Any]:
    """DeleteUser: the signed-in user deletes themselves (their tokens stop working at once)."""
    return _delete_user(ext, ext.token_user(req.body.get("AccessToken")))


def admin_delete_user(ext: Ext, req: Request) -> dict[str, Any]:
    """AdminDeleteUser by any name of the user; localcognito forgets its codes, TOTP secret and devices."""
    return _delete_user(ext, ext.admin_user(req.body))


OPERATIONS = {
    "AdminUpdateUserAttributes": admin_update_user_attributes,
    "UpdateUserAttributes": update_user_attributes,
    "GetUserAttributeVerificationCode": get_user_attribute_verification_code,
    "VerifyUserAttribute": verify_user_attribute,
    "DeleteUserAttributes": delete_user_attributes,
    "AdminDeleteUserAttributes": admin_delete_user_attributes,
    "DeleteUser": delete_user,
    "AdminDeleteUser": admin_delete_user,
}
