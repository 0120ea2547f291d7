"""Idempotent pool bootstrap (plain boto3, no Django): the pool, app client and groups the portal expects."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class PoolSettings:
    pool_id: str
    client_id: str
    client_secret: str
    region: str


def _find_pool(client: Any, pool_name: str) -> str | None:
    for page in client.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == pool_name:
                return pool["Id"]
    return None


def _create_pool(client: Any, pool_name: str) -> str:
    settings = {
        "PoolName": pool_name,
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
        "AuthSessionValidity": 3,
    }


def bootstrap_pool(
    client: Any,
    *,
    pool_name: str = "cognito-portal",
    client_name: str = "cognito-portal-web",
    with_secret: bool = True,
    staff_group: str = "portal-staff",
    admin_group: str = "portal-admins",
) -> PoolSettings:
    """Find or create the pool, its app client and the two groups; safe to run any number of times."""
    pool_id = _find_pool(client, pool_name) or _create_pool(client, pool_name)
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
    return PoolSettings(
        pool_id=pool_id,
        client_id=client_id,
        client_secret=described.get("ClientSecret") or "",
        region=pool_id.split("_", 1)[0],
    )
