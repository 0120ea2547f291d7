"""gunicorn settings for the portal in production: ``gunicorn -c gunicorn.conf.py`` (README, "Deployment").

Every value can be set from the environment. The server refuses to start several workers on a
per-process cache (local memory), where each worker would keep its own copy of what must be shared.
"""

from __future__ import annotations

import os

wsgi_app = "portal.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request's worst case is its Cognito calls: COGNITO_MAX_ATTEMPTS (3) x (connect 2 s + read 5 s) plus
# backoff, about 22 s; a worker silent for longer than this is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# gunicorn trusts X-Forwarded-Proto only from these proxy addresses (Django: DJANGO_BEHIND_PROXY).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
# The path without its query string: a link may carry a code, which must not reach the access log.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(D)sus'

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def refusal(worker_count: int) -> str | None:
    """Why the portal must not start ``worker_count`` workers with its settings, or None when it may.

    Loads the Django settings (``DJANGO_SETTINGS_MODULE``, default ``portal.settings``); a settings error
    (a missing secret key …) is a refusal too.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        backend = settings.CACHES["default"]["BACKEND"]
    except ImproperlyConfigured as exc:
        return str(exc)
    if worker_count > 1 and backend in PER_PROCESS_CACHES:
        return (
            f"{worker_count} workers on a per-process cache ({backend.rsplit('.', 1)[-1]}): set CACHE_URL to "
            "a shared cache (redis://… or dbcache://portal_cache), or WEB_CONCURRENCY=1."
        )
    return None


def on_starting(server) -> None:
    """gunicorn hook: refuse to start (one line on stderr, exit status 1) when ``refusal`` says so."""
    reason = refusal(server.cfg.workers)
    if reason:
        raise RuntimeError(reason)  # gunicorn prints "Error: <reason>" and exits 1
