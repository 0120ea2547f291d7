"""Idempotent pool bootstrap (plain boto3, no Django): the pool, app client and groups the portal expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASSWORD_POLICY = {
    "MinimumLength": 10,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
DEVICE_CONFIGURATION = {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True}
AUTH_FLOWS = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
]
READ_ATTRIBUTES = ["email", "email_verified", "name", "given_name", "family_name", "preferred_username"]
WRITE_ATTRIBUTES = ["email", "name", "given_name", "family_name", "preferred_username"]
# The longest challenge session Cognito allows (3-15 minutes): setting up an authenticator app takes time.
AUTH_SESSION_VALIDITY_MINUTES = 15

# How people sign in (DESIGN §8). Cognito fixes this, and case sensitivity, when the pool is created.
SIGN_IN_SHAPES: dict[str, dict[str, list[str]]] = {
    "username": {},
    "username+aliases": {"AliasAttributes": ["email", "preferred_username"]},
    "email": {"UsernameAttributes": ["email"]},
}
DEFAULT_SIGN_IN = "username+aliases"


@dataclass(frozen=True)
class PoolSettings:
    """What the portal needs to reach a pool, plus the pool's sign-in shape as Cognito reports it.

    ``sign_in`` is one of ``SIGN_IN_SHAPES`` (or "other" for a pool this module did not create), and
    ``case_sensitive`` is ``UsernameConfiguration.CaseSensitive``. Neither can change after creation, so
    they may differ from what a later bootstrap asked for.
    """

    pool_id: str
    client_id: str
    client_secret: str
    region: str
    sign_in: str = "username"
    case_sensitive: bool = True
    created: bool = field(default=False, compare=False)  # this call created the pool


def described_shape(pool: dict[str, Any]) -> tuple[str, bool]:
    """(sign-in shape, case-sensitive) of a DescribeUserPool ``UserPool``."""
    if pool.get("UsernameAttributes"):
        shape = "email" if pool["UsernameAttributes"] == ["email"] else "other"
    elif pool.get("AliasAttributes"):
        shape = "username+aliases"
    else:
        shape = "username"
    case_sensitive = bool((pool.get("UsernameConfiguration") or {}).get("CaseSensitive", True))
    return shape, case_sensitive


def _find_pool(client: Any, pool_name: str) -> str | None:
    for page in client.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == pool_name:
                return pool["Id"]
    return None


def _create_pool(client: Any, pool_name: str, *, sign_in: str, case_sensitive: bool) -> str:
    settings = {
        "PoolName": pool_name,
        **SIGN_IN_SHAPES[sign_in],
        "UsernameConfiguration": {"CaseSensitive": case_sensitive},
        "Policies": {"PasswordPolicy": PASSWORD_POLICY},
        "AutoVerifiedAttributes": ["email"],
        "DeviceConfiguration": DEVICE_CONFIGURATION,
        "Schema": [{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}],
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
    }
    # MFA ON at creation: moto keeps a later SetUserPoolMfaConfig(ON) apart from DescribeUserPool. Real
    # Cognito refuses ON at creation without an SMS configuration; then create with OFF and let
    # SetUserPoolMfaConfig (TOTP, ON) switch it on.
    try:
        return client.create_user_pool(MfaConfiguration="ON", **settings)["UserPool"]["Id"]
    except client.exceptions.InvalidParameterException:
        return client.create_user_pool(MfaConfiguration="OFF", **settings)["UserPool"]["Id"]


def _find_client(client: Any, pool_id: str, client_name: str) -> str | None:
    for page in client.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id, MaxResults=60):
        for app in page["UserPoolClients"]:
            if app["ClientName"] == client_name:
                return app["ClientId"]
    return None


def _client_config(client_name: str) -> dict[str, Any]:
    return {
        "ClientName": client_name,
        "ExplicitAuthFlows": AUTH_FLOWS,
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True,
        "ReadAttributes": READ_ATTRIBUTES,
        "WriteAttributes": WRITE_ATTRIBUTES,
        "AuthSessionValidity": AUTH_SESSION_VALIDITY_MINUTES,
    }


def bootstrap_pool(
    client: Any,
    *,
    pool_name: str = "cognito-portal",
    client_name: str = "cognito-portal-web",
    with_secret: bool = True,
    staff_group: str = "portal-staff",
    admin_group: str = "portal-admins",
    sign_in: str = DEFAULT_SIGN_IN,
    case_sensitive: bool = False,
) -> PoolSettings:
    """Find or create the pool, its app client and the two groups; safe to run any number of times.

    ``sign_in`` (a key of ``SIGN_IN_SHAPES``) and ``case_sensitive`` apply only when the pool is created:
    Cognito cannot change them afterwards, so an existing pool keeps its own (reported in the result).
    Raises botocore's ``ClientError`` for Cognito's refusals (callers translate it).
    """
    if sign_in not in SIGN_IN_SHAPES:
        raise ValueError(f"sign_in must be one of {', '.join(SIGN_IN_SHAPES)}, not {sign_in!r}")
    pool_id = _find_pool(client, pool_name)
    pool_created = pool_id is None
    if pool_id is None:
        pool_id = _create_pool(client, pool_name, sign_in=sign_in, case_sensitive=case_sensitive)
    client.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client_id = _find_client(client, pool_id, client_name)
    if client_id is None:
        created = client.create_user_pool_client(
            UserPoolId=pool_id, GenerateSecret=with_secret, **_client_config(client_name)
        )
        client_id = created["UserPoolClient"]["ClientId"]
    else:
        # Keep an existing client's settings current (the secret cannot change after creation).
        client.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **_client_config(client_name))
    described = client.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    existing = {
        g["GroupName"]
        for page in client.get_paginator("list_groups").paginate(UserPoolId=pool_id)
        for g in page["Groups"]
    }
    for group, description in ((staff_group, "Portal staff"), (admin_group, "Portal administrators")):
        if group not in existing:
            client.create_group(UserPoolId=pool_id, GroupName=group, Description=description)
    shape, pool_case_sensitive = described_shape(client.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    return PoolSettings(
        pool_id=pool_id,
        client_id=client_id,
        client_secret=described.get("ClientSecret") or "",
        region=pool_id.split("_", 1)[0],
        sign_in=shape,
        case_sensitive=pool_case_sensitive,
        created=pool_created,
    )
