"""TOTP software-token MFA: per-user random secrets, pyotp checks, and the user's MFA settings."""

from __future__ import annotations

import hmac
import time
from typing import Any

import pyotp

from .core import AuthSession, Ext, Request, Totp
from .errors import CognitoError, invalid

STEP = 30


def check_code(totp: Totp, secret: str, code: Any) -> str | None:
    """None when the code is right for this or a neighbouring 30 s step and not used before.

    ``totp.last_counter`` belongs to the verified secret; check a pending secret with a fresh Totp().
    """
    if not isinstance(code, str) or not code.isdigit() or len(code) != 6:
        return "mismatch"
    generator = pyotp.TOTP(secret)
    current = int(time.time()) // STEP
    for counter in (current - 1, current, current + 1):
        if hmac.compare_digest(generator.generate_otp(counter), code):
            if counter <= totp.last_counter:
                return "reused"
            totp.last_counter = counter
            return None
    return "mismatch"


def _mfa_setup_session(ext: Ext, session_id: Any) -> AuthSession:
    session = ext.get_session(session_id)
    if session.challenge != "MFA_SETUP":
        raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
    return session


def _one_of(body: dict[str, Any]) -> None:
    if bool(body.get("AccessToken")) == bool(body.get("Session")):
        raise invalid("Exactly one of AccessToken or Session must be provided.")


def associate_software_token(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    _one_of(b)
    secret = pyotp.random_base32()  # 32 base32 characters = 160 bits
    if b.get("Session"):
        session = _mfa_setup_session(ext, b["Session"])
        if not ext.pool(session.pool_id).software_token_mfa:
            raise CognitoError(
                "SoftwareTokenMFANotFoundException", "Software token MFA is not enabled for the pool."
            )
        session.pending_secret = secret
        session.verified = False
        return {"SecretCode": secret, "Session": ext.put_session(session, "MFA_SETUP")}
    user = ext.token_user(b["AccessToken"])
    if not ext.pool(user.pool_id).software_token_mfa:
        raise CognitoError(
            "SoftwareTokenMFANotFoundException", "Software token MFA is not enabled for the pool."
        )
    ext.totp(user.sub).pending = secret
    return {"SecretCode": secret}


def _mismatch() -> CognitoError:
    return CognitoError("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")


def verify_software_token(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    _one_of(b)
    if b.get("Session"):
        session = _mfa_setup_session(ext, b["Session"])
        if not session.pending_secret:
            raise CognitoError(
                "SoftwareTokenMFANotFoundException", "No software token is associated with this session."
            )
        trial = Totp()
        if check_code(trial, session.pending_secret, b.get("UserCode")):
            raise _mismatch()
        totp = ext.totp(session.sub)
        totp.secret, totp.pending, totp.enabled = session.pending_secret, None, True
        totp.last_counter = trial.last_counter
        session.pending_secret = None
        session.verified = True
        return {"Status": "SUCCESS", "Session": ext.put_session(session, "MFA_SETUP")}
    user = ext.token_user(b["AccessToken"])
    totp = ext.totp(user.sub)
    if not totp.pending:
        raise CognitoError("SoftwareTokenMFANotFoundException", "No software token has been associated.")
    trial = Totp()
    if check_code(trial, totp.pending, b.get("UserCode")):
        raise _mismatch()
    totp.secret, totp.pending, totp.last_counter = totp.pending, None, trial.last_counter
    # In an MFA-required pool the verified token becomes the user's factor straight away.
    if ext.pool(user.pool_id).mfa == "ON":
        totp.enabled = True
    return {"Status": "SUCCESS"}


def _set_preference(ext: Ext, sub: str, body: dict[str, Any]) -> dict[str, Any]:
    totp = ext.totp(sub)
    settings = body.get("SoftwareTokenMfaSettings")
    if isinstance(settings, dict):
        if settings.get("Enabled"):
            if not totp.secret:
                raise invalid("User has not verified software token mfa")
            totp.enabled = True
        elif "Enabled" in settings:
            # Turning TOTP off drops the secret: the next sign-in in an MFA=ON pool starts MFA_SETUP again.
            totp.enabled, totp.secret, totp.pending = False, None, None
    for other, kind in (("SMSMfaSettings", "SMS_MFA"), ("EmailMfaSettings", "EMAIL_OTP")):
        if isinstance(body.get(other), dict) and body[other].get("Enabled"):
            raise invalid(f"User does not have delivery config set to turn on {kind}")
    return {}


def set_user_mfa_preference(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.token_user(req.body.get("AccessToken"))
    return _set_preference(ext, user.sub, req.body)


def admin_set_user_mfa_preference(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.admin_user(req.body)
    return _set_preference(ext, user.sub, req.body)


def with_mfa_settings(ext: Ext, data: dict[str, Any]) -> dict[str, Any]:
    """Replace moto's MFA fields in a (Admin)GetUser answer with localcognito's view."""
    sub = next((a["Value"] for a in data.get("UserAttributes", []) if a.get("Name") == "sub"), None)
    totp = ext.state.totp.get(sub) if sub else None
    if not data.get("MFAOptions"):
        data.pop("MFAOptions", None)
    if totp is not None and totp.enabled:
        data["UserMFASettingList"] = ["SOFTWARE_TOKEN_MFA"]
        data["PreferredMfaSetting"] = "SOFTWARE_TOKEN_MFA"
    else:
        data.pop("UserMFASettingList", None)
        data.pop("PreferredMfaSetting", None)
    return data


def get_user(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.token_user(req.body.get("AccessToken"))
    return with_mfa_settings(ext, ext.call("GetUser", user.pool_id, {"AccessToken": req.body["AccessToken"]}))


def admin_get_user(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.admin_user(req.body)
    data = ext.call("AdminGetUser", user.pool_id, {"UserPoolId": user.pool_id, "Username": user.username})
    return with_mfa_settings(ext, data)


OPERATIONS = {
    "AssociateSoftwareToken": associate_software_token,
    "VerifySoftwareToken": verify_software_token,
    "SetUserMFAPreference": set_user_mfa_preference,
    "AdminSetUserMFAPreference": admin_set_user_mfa_preference,
    "GetUser": get_user,
    "AdminGetUser": admin_get_user,
}
