"""The Cognito gateway: the only package that imports boto3 and botocore.

``get_idp()`` gives the process-wide ``CognitoIdentityProvider`` for the configured pool;
``pool_description()`` is DescribeUserPool and ``client_description()`` DescribeUserPoolClient, each cached
per process (they share a 15 RPS account quota).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.cognito.descriptions import ClientDescription, PoolDescription
    from accounts.cognito.idp import CognitoIdentityProvider

_lock = threading.Lock()
_idp: CognitoIdentityProvider | None = None
POOL_CACHE_SECONDS = 300


def get_idp() -> CognitoIdentityProvider:
    global _idp
    if _idp is None:
        from accounts.cognito.idp import CognitoIdentityProvider

        with _lock:
            if _idp is None:
                _idp = CognitoIdentityProvider()
    return _idp


# DescribeUserPool and DescribeUserPoolClient answers, each with the monotonic time it was fetched.
_described: dict[str, tuple[float, Any]] = {}


def _fresh(kind: str) -> Any | None:
    """The cached answer of ``kind`` if it is younger than ``POOL_CACHE_SECONDS``, else None."""
    cached = _described.get(kind)
    if cached and time.monotonic() - cached[0] < POOL_CACHE_SECONDS:
        return cached[1]
    return None


def _described_cached(kind: str, fetch: Callable[[], Any], refresh: bool) -> Any:
    cached = None if refresh else _fresh(kind)
    if cached is not None:
        return cached
    description = fetch()
    _described[kind] = (time.monotonic(), description)
    return description


def pool_description(*, refresh: bool = False) -> PoolDescription:
    """DescribeUserPool, at most once per ``POOL_CACHE_SECONDS`` per process."""
    return _described_cached("pool", lambda: get_idp().describe_user_pool(), refresh)


def cached_pool_description() -> PoolDescription | None:
    """The cached DescribeUserPool answer if there is a fresh one, else None; never calls Cognito."""
    return _fresh("pool")


def pool_description_or_none() -> PoolDescription | None:
    """``pool_description()``, or None while Cognito cannot answer (pages then fall back to defaults)."""
    from accounts.cognito.errors import CognitoError

    try:
        return pool_description()
    except CognitoError:
        return None


def client_description(*, refresh: bool = False) -> ClientDescription:
    """DescribeUserPoolClient of the configured app client, at most once per ``POOL_CACHE_SECONDS``."""
    return _described_cached("client", lambda: get_idp().describe_user_pool_client(), refresh)


def reset_caches(*, clients: bool = True) -> None:
    """Forget the gateway, the pool description, JWKS keys and (unless ``clients=False``) the boto3 clients.

    Settings changes call it with ``clients=False``: the clients are keyed by the settings they are built
    from (``client.get_client``), so a stale one is never used and an unchanged one is kept.
    """
    global _idp
    from accounts.cognito.client import reset_clients
    from accounts.cognito.tokens import reset_jwks_cache

    with _lock:
        _idp = None
        _described.clear()
    if clients:
        reset_clients()
    reset_jwks_cache()
