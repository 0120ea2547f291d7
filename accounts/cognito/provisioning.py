"""Operator tasks that create things in Cognito (a pool, its client and groups), with domain errors.

Only ``accounts.cognito`` may import boto3/botocore, so ``cognito_bootstrap`` and ``runlocal`` come through
here; failures go through the gateway's one translator (``transport.translate``).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from accounts.cognito.bootstrap import DEFAULT_SIGN_IN, PoolSettings, bootstrap_pool
from accounts.cognito.client import get_client
from accounts.cognito.transport import translate


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
    try:
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
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc) from exc
