"""``GET /healthz`` (liveness) and ``GET /readyz`` (readiness: database, cache and Cognito).

Cognito is asked at most once a minute per process (DescribeUserPool has a small quota); in between, the
last answer is reported with its age.
"""

from __future__ import annotations

import secrets
import threading
import time

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.cognito import pool_description
from accounts.cognito.errors import CognitoError

CHECK_INTERVAL = 60.0
_lock = threading.Lock()
_last: dict[str, object] = {}


def check_pool() -> dict[str, object]:
    """``{"reachable": bool, "pool_id" | "error": str, "checked_at": monotonic seconds}``.

    From DescribeUserPool, asked at most once per CHECK_INTERVAL seconds per process.
    """
    with _lock:
        checked_at = _last.get("checked_at")
        if isinstance(checked_at, float) and time.monotonic() - checked_at < CHECK_INTERVAL:
            return dict(_last)
        try:
            pool = pool_description(refresh=True)
        except CognitoError as exc:
            result: dict[str, object] = {"reachable": False, "error": exc.code or exc.__class__.__name__}
        else:
            result = {"reachable": True, "pool_id": pool.pool_id}
        _last.clear()
        _last.update(result, checked_at=time.monotonic())
        return dict(_last)


def reset() -> None:
    """Forget the last Cognito answer (tests)."""
    with _lock:
        _last.clear()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 while the process answers; ``status`` is "degraded" when Cognito is unreachable."""
    pool = check_pool()
    age = round(time.monotonic() - float(pool.pop("checked_at")), 1)  # type: ignore[arg-type]
    # 200 either way: the portal itself is up; a load balancer must not drop every node because
    # Cognito is having a bad minute. Monitoring reads "status".
    status = "ok" if pool["reachable"] else "degraded"
    return JsonResponse({"status": status, "cognito": {**pool, "checked_seconds_ago": age}})


def check_database() -> dict[str, object]:
    """``{"ok": True}`` when a query runs on the default database, else the error's class name."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def check_cache() -> dict[str, object]:
    """``{"ok": True}`` when a value written to the default cache reads back, else what went wrong."""
    key, value = f"readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=10)
        read = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # any backend's connection error (Redis, database cache …)
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True} if read == value else {"ok": False, "error": "value not read back"}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 ``{"status": "ready"}`` when the database, the cache and Cognito answer, else 503
    ``{"status": "unavailable", "failed": [names]}``; each check's result is under ``checks``."""
    pool = check_pool()
    age = round(time.monotonic() - float(pool.pop("checked_at")), 1)  # type: ignore[arg-type]
    checks = {
        "database": check_database(),
        "cache": check_cache(),
        "cognito": {"ok": bool(pool.pop("reachable")), **pool, "checked_seconds_ago": age},
    }
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "unavailable" if failed else "ready", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)
