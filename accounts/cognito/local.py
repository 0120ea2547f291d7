"""Local mode (``make run``): bootstrap the embedded localcognito and give it a staff account."""

from __future__ import annotations

import boto3
from botocore.config import Config

from accounts.cognito.bootstrap import DEFAULT_SIGN_IN, PoolSettings, bootstrap_pool


def local_client(endpoint_url: str, region: str = "us-east-1"):
    """A boto3 client for the local Cognito (it accepts any credentials)."""
    return boto3.session.Session().client(
        "cognito-idp",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106
        config=Config(
            retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=10
        ),
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
    return bootstrap_pool(
        local_client(endpoint_url),
        staff_group=staff_group,
        admin_group=admin_group,
        sign_in=sign_in,
        case_sensitive=case_sensitive,
    )


def ensure_staff_account(
    endpoint_url: str, pool: PoolSettings, *, username: str, password: str, email: str, groups: list[str]
) -> bool:
    """Create (or reset) a confirmed Cognito user in the staff groups; True when it was created."""
    client = local_client(endpoint_url, pool.region)
    created = False
    try:
        client.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    except client.exceptions.UserNotFoundException:
        client.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        created = True
    client.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=username, Password=password, Permanent=True
    )
    for group in groups:
        client.admin_add_user_to_group(UserPoolId=pool.pool_id, Username=username, GroupName=group)
    return created
