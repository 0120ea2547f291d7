"""Operator tasks that create things in Cognito: a pool, its client and groups (``cognito_bootstrap``), and
local mode's pool and staff account (``runlocal``).

Only ``accounts.cognito`` may import boto3/botocore, so the commands come through here; failures go through
the gateway's one translator (``transport.translate``) and arrive as ``errors.CognitoError`` subclasses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from accounts.cognito.bootstrap import DEFAULT_SIGN_IN, PoolSettings, bootstrap_pool
from accounts.cognito.client import get_client, local_client
from accounts.cognito.transport import translate


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Turn botocore failures inside the block into the gateway's domain errors."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc


def bootstrap_configured_pool(
    *,
    pool_name: str = "cognito-portal",
    client_name: str = "cognito-portal-web",
    with_secret: bool = True,
    staff_group: str | None = None,
    admin_group: str | None = None,
    sign_in: str = DEFAULT_SIGN_IN,
    case_sensitive: bool = False,
) -> PoolSettings:
    """Create (or find and update) the pool, app client and groups where the settings point.

    Idempotent: a second run finds the same pool and client by name and returns the same ids.
    """
    client = get_client(retry=True)
    with translated():
        return bootstrap_pool(
            client,
            pool_name=pool_name,
            client_name=client_name,
            with_secret=with_secret,
            staff_group=staff_group or settings.COGNITO_STAFF_GROUP,
            admin_group=admin_group or settings.COGNITO_ADMIN_GROUP,
            sign_in=sign_in,
            case_sensitive=case_sensitive,
        )


def bootstrap_local(
    endpoint_url: str,
    *,
    staff_group: str,
    admin_group: str,
    sign_in: str = DEFAULT_SIGN_IN,
    case_sensitive: bool = False,
) -> PoolSettings:
    """``bootstrap_pool`` against the local Cognito at ``endpoint_url`` (see its docstring)."""
    with translated():
        return bootstrap_pool(
            local_client(endpoint_url),
            staff_group=staff_group,
            admin_group=admin_group,
            sign_in=sign_in,
            case_sensitive=case_sensitive,
        )


def staff_sign_in_name(pool: PoolSettings, username: str, email: str) -> str:
    """The name the staff account is created under: the email in an email-as-username pool."""
    return email if pool.sign_in == "email" else username


def ensure_staff_account(
    endpoint_url: str, pool: PoolSettings, *, username: str, password: str, email: str, groups: list[str]
) -> bool:
    """Create (or reset the password of) a confirmed Cognito user in the staff groups; True when created.

    ``username`` is used as is, or replaced by ``email`` in an email-as-username pool. Raises
    ``errors.CognitoError`` subclasses.
    """
    with translated():
        return _ensure_staff_account(
            local_client(endpoint_url, pool.region), pool, username, password, email, groups
        )


def has_authenticator(endpoint_url: str, pool: PoolSettings, username: str) -> bool:
    """True when ``username`` (any name of the user) has an authenticator app (TOTP) set up: AdminGetUser's
    UserMFASettingList. Raises ``errors.CognitoError`` subclasses (the user not existing among them)."""
    with translated():
        client = local_client(endpoint_url, pool.region)
        user = client.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    return "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or ())


def _ensure_staff_account(
    client, pool: PoolSettings, username: str, password: str, email: str, groups: list[str]
) -> bool:
    name = staff_sign_in_name(pool, username, email)
    created = False
    try:
        name = client.admin_get_user(UserPoolId=pool.pool_id, Username=name)["Username"]
    except client.exceptions.UserNotFoundException:  # the one refusal that is expected here
        user = client.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=name,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        name = user["User"]["Username"]
        created = True
    client.admin_set_user_password(UserPoolId=pool.pool_id, Username=name, Password=password, Permanent=True)
    for group in groups:
        client.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=name, GroupName=group)
    return created
