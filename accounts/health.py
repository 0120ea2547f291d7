"""``GET /healthz``: is the portal up, and can it reach its user pool?

Cognito is asked at most once a minute per process (DescribeUserPool has a small quota); in between, the
last answer is reported with its age.
"""

from __future__ import annotations

import threading
import time

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.cognito import pool_description
from accounts.cognito.errors import CognitoError

CHECK_INTERVAL = 60.0
_lock = threading.Lock()
_last: dict[str, object] = {}


def check_pool() -> dict[str, object]:
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
    with _lock:
        _last.clear()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    pool = check_pool()
    age = round(time.monotonic() - float(pool.pop("checked_at")), 1)  # type: ignore[arg-type]
    # 200 either way: the portal itself is up; a load balancer must not drop every node because
    # Cognito is having a bad minute. Monitoring reads "status".
    status = "ok" if pool["reachable"] else "degraded"
    return JsonResponse({"status": status, "cognito": {**pool, "checked_seconds_ago": age}})
