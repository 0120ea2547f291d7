"""The boto3 ``cognito-idp`` clients: created lazily, once per process, shared by all threads.

Two clients share one configuration except for retries. Reads and idempotent admin calls use botocore's
standard retry mode. Calls that must not be repeated blindly (sign-up, challenge answers, ConfirmDevice,
anything that sends a code) use a single-attempt client; ``idp`` retries those only when the request can
be known not to have reached Cognito (throttling, connection refused), never after a read timeout.
"""

from __future__ import annotations

import os
import threading

import boto3
from botocore.config import Config
from django.conf import settings

_lock = threading.Lock()
# Keyed by (retry, what the client is built from): a settings change (tests, a new endpoint) gets a new
# client, while a change of pool or app client keeps the existing one (building one costs ~0.1 s).
_clients: dict[tuple, object] = {}


def _key(retry: bool) -> tuple:
    return (
        retry,
        settings.COGNITO_ENDPOINT_URL,
        settings.COGNITO_REGION,
        settings.COGNITO_CONNECT_TIMEOUT,
        settings.COGNITO_READ_TIMEOUT,
        settings.COGNITO_MAX_ATTEMPTS,
    )


def _config(retry: bool) -> Config:
    return Config(
        region_name=settings.COGNITO_REGION,
        connect_timeout=settings.COGNITO_CONNECT_TIMEOUT,
        read_timeout=settings.COGNITO_READ_TIMEOUT,
        # total_max_attempts counts the first request; botocore's "max_attempts" would count retries only,
        # so a "single-attempt" client built with it would still send a timed-out sign-up twice.
        retries={
            "mode": "standard",
            "total_max_attempts": max(1, settings.COGNITO_MAX_ATTEMPTS) if retry else 1,
        },
        tcp_keepalive=True,
        max_pool_connections=20,
    )


def _build(retry: bool):
    kwargs: dict[str, object] = {"config": _config(retry)}
    if settings.COGNITO_ENDPOINT_URL:
        kwargs["endpoint_url"] = settings.COGNITO_ENDPOINT_URL
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            # The local Cognito accepts any SigV4 signature; never go looking for real credentials.
            kwargs["aws_access_key_id"] = "local"
            kwargs["aws_secret_access_key"] = "local"  # noqa: S105
    # A Session per client keeps credential resolution out of boto3's shared default session.
    return boto3.session.Session().client("cognito-idp", **kwargs)


def get_client(*, retry: bool = True):
    """The process-wide client for the current settings; ``retry=False`` gives the single-attempt one."""
    key = _key(retry)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _build(retry)
    return client


def reset_clients() -> None:
    """Forget the clients (tests that change the Cognito settings)."""
    with _lock:
        _clients.clear()


def local_client(endpoint_url: str, region: str = "us-east-1"):
    """A boto3 client for a local Cognito at ``endpoint_url`` (it accepts any credentials), for local
    mode's set-up before the portal's own settings point there (``provisioning``)."""
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
