"""PostgreSQL and Redis for the tests marked ``services``: found through DATABASE_URL and CACHE_URL.

A test that needs one skips with a message saying how to provide it, except when PORTAL_REQUIRE_SERVICES=1
(set by CI, which starts both on loopback): then a missing service fails the test.
"""

from __future__ import annotations

import os
import urllib.parse

import pytest


def _missing(what: str) -> None:
    message = f"{what} (CI starts PostgreSQL and Redis and sets DATABASE_URL and CACHE_URL)"
    if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"PORTAL_REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)


def redis_url() -> str:
    """The Redis URL from CACHE_URL, checked with a PING; skips (or fails, see above) otherwise."""
    url = os.environ.get("CACHE_URL", "")
    if urllib.parse.urlsplit(url).scheme not in ("redis", "rediss"):
        _missing("CACHE_URL is not a redis:// URL")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        _missing(f"Redis at CACHE_URL is not reachable ({exc.__class__.__name__})")
    return url


def postgres_url() -> str:
    """The PostgreSQL URL from DATABASE_URL (the tests' database then is PostgreSQL); skips otherwise."""
    url = os.environ.get("DATABASE_URL", "")
    if urllib.parse.urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        _missing("DATABASE_URL is not a postgres:// URL")
    return url
