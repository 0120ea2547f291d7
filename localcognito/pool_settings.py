"""Pool and app-client settings moto accepts but Cognito refuses, checked before moto stores them.

Sources: API reference, CreateUserPoolClient/UpdateUserPoolClient.AuthSessionValidity ("Valid Range:
Minimum value of 3. Maximum value of 15"); SetUserPoolMfaConfig (MfaConfiguration ON or OPTIONAL needs an
MFA factor; Cognito answers "Invalid MFA configuration given, can't disable all MFAs with a required or
optional configuration.", quoted in sst#5177, and "... can't turn off MFA and configure an MFA
together." for OFF with a factor, measured in go-to-k/cdkd#1923); developer guide, "User pool attributes"
(a pool signs people in either with aliases of a username or with an email/phone *as* the username:
AliasAttributes or UsernameAttributes, never both).
"""

from __future__ import annotations

import json
from typing import Any

from .core import Ext, Request
from .errors import invalid
from .wire import Forward

AUTH_SESSION_MINUTES = (3, 15)


def _range_error(value: Any, member: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"1 validation error detected: Value '{value}' at '{member}' must be an integer")
    if value < low:
        raise invalid(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {low}"
        )
    if value > high:
        raise invalid(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {high}"
        )


def create_user_pool(ext: Ext, req: Request) -> Forward:
    """CreateUserPool: InvalidParameterException for AliasAttributes together with UsernameAttributes."""
    if req.body.get("AliasAttributes") and req.body.get("UsernameAttributes"):
        raise invalid(
            "A user pool takes AliasAttributes or UsernameAttributes, not both: choose aliases of a "
            "username, or an email address or phone number as the username."
        )
    return Forward(json.dumps(req.body).encode())


def user_pool_client(ext: Ext, req: Request) -> Forward:
    """Create/UpdateUserPoolClient: AuthSessionValidity, when given, is a number of minutes in 3-15."""
    if req.body.get("AuthSessionValidity") is not None:
        _range_error(req.body["AuthSessionValidity"], "authSessionValidity", *AUTH_SESSION_MINUTES)
    return Forward(json.dumps(req.body).encode())


def set_user_pool_mfa_config(ext: Ext, req: Request) -> Forward:
    """SetUserPoolMfaConfig: ON or OPTIONAL needs a factor (TOTP enabled, or an SMS or email MFA
    configuration), and OFF takes none. The request replaces the pool's MFA settings (as in moto)."""
    body = req.body
    totp = body.get("SoftwareTokenMfaConfiguration")
    factors = [
        isinstance(totp, dict) and totp.get("Enabled") is True,
        bool(body.get("SmsMfaConfiguration")),
        bool(body.get("EmailMfaConfiguration")),
    ]
    mode = body.get("MfaConfiguration")
    if mode in ("ON", "OPTIONAL") and not any(factors):
        raise invalid(
            "Invalid MFA configuration given, can't disable all MFAs with a required or optional "
            "configuration."
        )
    if mode == "OFF" and any(factors):
        raise invalid("Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
    return Forward(json.dumps(body).encode())


OPERATIONS = {
    "CreateUserPool": create_user_pool,
    "CreateUserPoolClient": user_pool_client,
    "UpdateUserPoolClient": user_pool_client,
    "SetUserPoolMfaConfig": set_user_pool_mfa_config,
}
