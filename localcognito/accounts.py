"""Sign-up, confirmation and password-recovery operations, with codes delivered to the outbox."""

from __future__ import annotations

from typing import Any

from . import identity
from .attributes import attribute_map, check_new_user, check_writable
from .core import Ext, Request, mask_email, temporary_password
from .errors import CognitoError, invalid, not_authorized, user_not_found
from .moto_adapter import PoolInfo


def _details(email: str) -> dict[str, str]:
    return {"Destination": mask_email(email), "DeliveryMedium": "EMAIL", "AttributeName": "email"}


def _fake_details(username: Any) -> dict[str, Any]:
    # PreventUserExistenceErrors: answer as if a code went out, without revealing anything.
    return {"CodeDeliveryDetails": _details(f"{str(username)[:1] or 'u'}@e")}


def _username_attribute(pool: PoolInfo, username: Any) -> dict[str, str]:
    """What an email-as-username pool stores from the Username: {"email": ...} (or phone_number)."""
    if not pool.username_attributes or not isinstance(username, str):
        return {}
    return {"email" if identity.EMAIL_FORMAT.fullmatch(username) else "phone_number": username}


def _check_unique(pool: PoolInfo, username: str) -> None:
    if identity.username_taken(pool, username) is not None:
        if pool.username_attributes:
            kind = "email" if identity.EMAIL_FORMAT.fullmatch(username) else "phone_number"
            raise CognitoError("UsernameExistsException", f"An account with the given {kind} already exists.")
        raise CognitoError("UsernameExistsException", "User already exists")


def sign_up(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    client = ext.client(b.get("ClientId"))
    username = b.get("Username")
    ext.check_secret_hash(client, [username], b.get("SecretHash"))
    pool = ext.pool(client.pool_id)
    identity.check_new_username(pool, username)
    given = attribute_map(b.get("UserAttributes"))
    check_new_user(pool, {**given, **_username_attribute(pool, username)})
    check_writable(client, given)  # e.g. email_verified, which no client may set by default
    if "preferred_username" in pool.alias_attributes and "preferred_username" in given:
        # Developer guide, Aliases: "the value can be provided only when an account is confirmed".
        raise invalid("preferred_username cannot be set at sign-up when it is a sign-in alias.")
    if isinstance(b.get("Password"), str):
        ext.check_password_policy(pool.pool_id, b["Password"])
    _check_unique(pool, username)
    params = {k: b[k] for k in ("ClientId", "Username", "Password", "UserAttributes") if k in b}
    result = ext.call("SignUp", pool.pool_id, params)
    # The stored username: the one given, or (UsernameAttributes pools) a generated UUID equal to the sub.
    user = ext.user(pool.pool_id, result.get("UserSub") if pool.username_attributes else username)
    out: dict[str, Any] = {"UserConfirmed": False, "UserSub": result.get("UserSub")}
    email = user.attributes.get("email") if user else None
    if user and email and "email" in pool.auto_verified:
        code = ext.new_code(ext.state.signup_codes, user.sub, ext.settings.signup_code_ttl)
        ext.outbox.deliver(
            kind="signup",
            pool_id=pool.pool_id,
            username=user.username,
            destination=email,
            code=code,
            when=ext.now(),
        )
        out["CodeDeliveryDetails"] = _details(email)
    return out


def _code_target(ext: Ext, b: dict[str, Any]):
    """The app client and user of a call that checks a code (secret hash checked first).

    With PreventUserExistenceErrors an unknown user looks exactly like a wrong code.
    """
    client = ext.client(b.get("ClientId"))
    ext.check_secret_hash(client, [b.get("Username")], b.get("SecretHash"))
    user = ext.user(client.pool_id, b.get("Username"))
    if user is None:
        if client.prevent_user_existence_errors:
            raise CognitoError(
                "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        raise user_not_found()
    return client, user


def confirm_sign_up(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    client, user = _code_target(ext, b)
    if user.status != "UNCONFIRMED":
        raise not_authorized(f"User cannot be confirmed. Current status is {user.status}")
    ext.check_code(ext.state.signup_codes, user.sub, b.get("ConfirmationCode"), consume=False)
    if user.attributes.get("email"):
        # Confirming verifies the email: in an alias pool it becomes an active alias, which must be free
        # (AliasExistsException) unless ForceAliasCreation moves it (developer guide, Aliases).
        pool = ext.pool(client.pool_id)
        after = {**user.attributes, "email_verified": "true"}
        identity.claim_aliases(ext, pool, user.sub, after, force=b.get("ForceAliasCreation") is True)
    ext.state.signup_codes.pop(user.sub, None)
    ext.call("AdminConfirmSignUp", client.pool_id, {"UserPoolId": client.pool_id, "Username": user.username})
    if user.attributes.get("email"):
        ext.call(
            "AdminUpdateUserAttributes",
            client.pool_id,
            {
                "UserPoolId": client.pool_id,
                "Username": user.username,
                "UserAttributes": [{"Name": "email_verified", "Value": "true"}],
            },
        )
    return {}


def resend_confirmation_code(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    client = ext.client(b.get("ClientId"))
    ext.check_secret_hash(client, [b.get("Username")], b.get("SecretHash"))
    user = ext.user(client.pool_id, b.get("Username"))
    if user is None:
        if client.prevent_user_existence_errors:
            return _fake_details(b.get("Username"))
        raise user_not_found()
    if user.status != "UNCONFIRMED":
        raise invalid("User is already confirmed.")
    email = user.attributes.get("email")
    if not email:
        raise invalid("User has no email address to send a confirmation code to.")
    ext.rate_limit("signup:" + user.sub)
    code = ext.new_code(ext.state.signup_codes, user.sub, ext.settings.signup_code_ttl)
    ext.outbox.deliver(
        kind="signup",
        pool_id=client.pool_id,
        username=user.username,
        destination=email,
        code=code,
        when=ext.now(),
    )
    return {"CodeDeliveryDetails": _details(email)}


def forgot_password(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    client = ext.client(b.get("ClientId"))
    ext.check_secret_hash(client, [b.get("Username")], b.get("SecretHash"))
    hide = client.prevent_user_existence_errors
    user = ext.user(client.pool_id, b.get("Username"))
    if user is None:
        if hide:
            return _fake_details(b.get("Username"))
        raise user_not_found()
    email = user.attributes.get("email")
    verified = user.attributes.get("email_verified") == "true"
    if not user.enabled or not (email and verified):
        if hide:
            return _fake_details(b.get("Username"))
        if not user.enabled:
            raise not_authorized("User is disabled.")
        raise invalid(
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    if user.status == "FORCE_CHANGE_PASSWORD":
        raise not_authorized("User password cannot be reset in the current state.")
    ext.rate_limit("reset:" + user.sub)
    code = ext.new_code(ext.state.reset_codes, user.sub, ext.settings.reset_code_ttl)
    ext.outbox.deliver(
        kind="forgot_password",
        pool_id=client.pool_id,
        username=user.username,
        destination=str(email),
        code=code,
        when=ext.now(),
    )
    return {"CodeDeliveryDetails": _details(str(email))}


def confirm_forgot_password(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    client, user = _code_target(ext, b)
    # Policy first, so a weak password does not burn the code.
    ext.check_password_policy(client.pool_id, b.get("Password"))
    ext.check_code(ext.state.reset_codes, user.sub, b.get("ConfirmationCode"))
    ext.call(
        "AdminSetUserPassword",
        client.pool_id,
        {
            "UserPoolId": client.pool_id,
            "Username": user.username,
            "Password": b["Password"],
            "Permanent": True,
        },
    )
    return {}


def admin_reset_user_password(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.admin_user(req.body)
    ext.call("AdminResetUserPassword", user.pool_id, {"UserPoolId": user.pool_id, "Username": user.username})
    email = user.attributes.get("email")
    if email:
        code = ext.new_code(ext.state.reset_codes, user.sub, ext.settings.reset_code_ttl)
        ext.outbox.deliver(
            kind="admin_reset",
            pool_id=user.pool_id,
            username=user.username,
            destination=email,
            code=code,
            when=ext.now(),
        )
    return {}


def admin_confirm_sign_up(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.admin_user(req.body)
    ext.call("AdminConfirmSignUp", user.pool_id, {"UserPoolId": user.pool_id, "Username": user.username})
    ext.state.signup_codes.pop(user.sub, None)
    return {}


def _user_type(data: dict[str, Any]) -> dict[str, Any]:
    """AdminGetUser's answer reshaped as the UserType that AdminCreateUser returns."""
    keep = ("Username", "UserCreateDate", "UserLastModifiedDate", "Enabled", "UserStatus")
    user = {k: data[k] for k in keep if k in data}
    user["Attributes"] = data.get("UserAttributes", [])
    return user


# localcognito has no SMS configuration (it sends no SMS), so an invitation only a phone could carry is
# refused as Cognito refuses one in a pool without one (amplify-js#166 quotes Cognito's message).
NO_SMS = "User pool does not have SMS configuration to send messages."


def _check_deliverable(attributes: dict[str, str]) -> None:
    """InvalidParameterException unless an invitation to a user with ``attributes`` can go by email."""
    if attributes.get("email"):
        return
    if attributes.get("phone_number"):
        raise invalid(NO_SMS)
    raise invalid("User has no email address or phone number to send the invitation to.")


def admin_create_user(ext: Ext, req: Request) -> dict[str, Any]:
    """AdminCreateUser: checks, then moto; the invitation (temporary password) goes to the outbox.

    MessageAction RESEND replaces the temporary password of a FORCE_CHANGE_PASSWORD user and sends it
    again; an invitation that could only go by SMS (a phone number and no email) is refused before
    anything changes (InvalidParameterException), SUPPRESS sends nothing.
    """
    b = req.body
    pool = ext.pool(b.get("UserPoolId"))
    action = b.get("MessageAction")
    if action not in (None, "RESEND", "SUPPRESS"):
        raise invalid("MessageAction must be RESEND or SUPPRESS")
    password = b.get("TemporaryPassword") or temporary_password(pool.password_policy)
    ext.check_password_policy(pool.pool_id, password)
    if action != "RESEND":
        username = b.get("Username")
        identity.check_new_username(pool, username)
        _check_unique(pool, username)
        given = {**attribute_map(b.get("UserAttributes")), **_username_attribute(pool, username)}
        check_new_user(pool, given)
        if action != "SUPPRESS" and not given.get("email") and given.get("phone_number"):
            raise invalid(NO_SMS)
        # A verified email/phone (or a preferred_username) given here must be free, unless
        # ForceAliasCreation moves it from its holder (AdminCreateUser API reference).
        identity.claim_aliases(ext, pool, "", given, force=b.get("ForceAliasCreation") is True)
    if action == "RESEND":
        user = ext.user(pool.pool_id, b.get("Username"))
        if user is None:
            raise user_not_found()
        if user.status != "FORCE_CHANGE_PASSWORD":
            raise CognitoError("UnsupportedUserStateException", f"User is in status {user.status}.")
        _check_deliverable(user.attributes)  # before the old temporary password is replaced
        ext.call(
            "AdminSetUserPassword",
            pool.pool_id,
            {"UserPoolId": pool.pool_id, "Username": user.username, "Password": password, "Permanent": False},
        )
        data = ext.call("AdminGetUser", pool.pool_id, {"UserPoolId": pool.pool_id, "Username": user.username})
        result: dict[str, Any] = {"User": _user_type(data)}
    else:
        params = {k: v for k, v in b.items() if k not in ("MessageAction", "ForceAliasCreation")}
        params["TemporaryPassword"] = password
        result = ext.call("AdminCreateUser", pool.pool_id, params)
        user = ext.user(pool.pool_id, result["User"]["Username"])
    if action != "SUPPRESS" and user is not None and user.attributes.get("email"):
        ext.outbox.deliver(
            kind="invitation",
            pool_id=pool.pool_id,
            username=user.username,
            destination=user.attributes["email"],
            temporary_password=password,
            when=ext.now(),
        )
    return result


def change_password(ext: Ext, req: Request) -> dict[str, Any]:
    """ChangePassword: the previous password, then the new one's pattern and the pool's policy."""
    b = req.body
    user = ext.token_user(b.get("AccessToken"))
    if not isinstance(b.get("PreviousPassword"), str) or b["PreviousPassword"] != user.password:
        raise not_authorized("Incorrect username or password.")
    ext.check_password_policy(user.pool_id, b.get("ProposedPassword"), "proposedPassword")
    base = {"UserPoolId": user.pool_id, "Username": user.username}
    ext.call(
        "AdminSetUserPassword", user.pool_id, {**base, "Password": b["ProposedPassword"], "Permanent": True}
    )
    return {}


def admin_set_user_password(ext: Ext, req: Request) -> dict[str, Any]:
    """AdminSetUserPassword by any name of the user, after the password pattern and the pool's policy."""
    b = req.body
    user = ext.admin_user(b)
    ext.check_password_policy(user.pool_id, b.get("Password"))
    params = {**b, "UserPoolId": user.pool_id, "Username": user.username}
    ext.call("AdminSetUserPassword", user.pool_id, params)
    return {}


OPERATIONS = {
    "ChangePassword": change_password,
    "AdminSetUserPassword": admin_set_user_password,
    "SignUp": sign_up,
    "ConfirmSignUp": confirm_sign_up,
    "ResendConfirmationCode": resend_confirmation_code,
    "ForgotPassword": forgot_password,
    "ConfirmForgotPassword": confirm_forgot_password,
    "AdminResetUserPassword": admin_reset_user_password,
    "AdminConfirmSignUp": admin_confirm_sign_up,
    "AdminCreateUser": admin_create_user,
}
