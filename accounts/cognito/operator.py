"""Operator tasks that need a raw boto3 client (bootstrapping a pool), with Cognito failures as domain errors.

Only ``accounts.cognito`` may import boto3/botocore, so the ``cognito_bootstrap`` command comes through here.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.request
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from accounts.cognito.bootstrap import DEFAULT_SIGN_IN, PoolSettings, bootstrap_pool
from accounts.cognito.client import get_client
from accounts.cognito.transport import translate


def endpoint_is_loopback(endpoint_url: str | None = None) -> bool:
    """True when the configured Cognito endpoint is on this machine (a local Cognito, never AWS)."""
    url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
    if not url:
        return False
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost: it could resolve anywhere
        return False


def read_local_outbox(endpoint_url: str | None = None, *, timeout: float = 5.0) -> list[dict]:
    """localcognito's outbox (GET /_local/outbox), oldest first; raises OSError when unreadable.

    Refuses any endpoint that is not on this machine: the outbox exists only in a local Cognito.
    """
    url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
    if not endpoint_is_loopback(url):
        raise OSError("the Cognito endpoint is not a local one")
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_local/outbox", timeout=timeout) as response:  # noqa: S310 (loopback, checked above)
            return json.load(response)
    except ValueError as exc:  # not JSON: not a localcognito
        raise OSError(f"the outbox answer is not JSON: {exc}") from exc


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
