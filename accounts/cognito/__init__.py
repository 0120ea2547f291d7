"""The Cognito gateway: the only package that imports boto3 and botocore.

``get_idp()`` gives the process-wide ``CognitoIdentityProvider`` for the configured pool;
``pool_description()`` is DescribeUserPool and ``client_description()`` DescribeUserPoolClient, each cached
per process (they share a 15 RPS account quota).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.cognito.idp import CognitoIdentityProvider
    from accounts.cognito.types import ClientDescription, PoolDescription

_lock = threading.Lock()
_idp: CognitoIdentityProvider | None = None
_pool: tuple[float, PoolDescription] | None = None
_client: tuple[float, ClientDescription] | None = None
POOL_CACHE_SECONDS = 300


def get_idp() -> CognitoIdentityProvider:
    global _idp
    if _idp is None:
        from accounts.cognito.idp import CognitoIdentityProvider

        with _lock:
            if _idp is None:
                _idp = CognitoIdentityProvider()
    return _idp


def pool_description(*, refresh: bool = False) -> PoolDescription:
    """DescribeUserPool, at most once per ``POOL_CACHE_SECONDS`` per process."""
    global _pool
    cached = _pool
    if cached and not refresh and time.monotonic() - cached[0] < POOL_CACHE_SECONDS:
        return cached[1]
    description = get_idp().describe_user_pool()
    _pool = (time.monotonic(), description)
    return description


def client_description(*, refresh: bool = False) -> ClientDescription:
    """DescribeUserPoolClient of the configured app client, at most once per ``POOL_CACHE_SECONDS``."""
    global _client
    cached = _client
    if cached and not refresh and time.monotonic() - cached[0] < POOL_CACHE_SECONDS:
        return cached[1]
    description = get_idp().describe_user_pool_client()
    _client = (time.monotonic(), description)
    return description


def reset_caches(*, clients: bool = True) -> None:
    """Forget the gateway, the pool description, JWKS keys and (unless ``clients=False``) the boto3 clients.

    Settings changes call it with ``clients=False``: the clients are keyed by the settings they are built
    from (``client.get_client``), so a stale one is never used and an unchanged one is kept.
    """
    global _idp, _pool, _client
    from accounts.cognito.client import reset_clients
    from accounts.cognito.tokens import reset_jwks_cache

    with _lock:
        _idp = None
        _pool = None
        _client = None
    if clients:
        reset_clients()
    reset_jwks_cache()
