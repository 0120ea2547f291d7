"""gunicorn.conf.py refuses several workers on a per-process cache, before it listens, in one line."""

from __future__ import annotations

import runpy
import secrets
import subprocess

import pytest

from tests.deploy import server as deploy

CONF = runpy.run_path(str(deploy.ROOT / "gunicorn.conf.py"))


def test_several_workers_on_local_memory_are_refused(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "per-process cache (LocMemCache)" in CONF["refusal"](2)
    assert CONF["refusal"](1) is None


@pytest.mark.parametrize(
    "backend", ["django.core.cache.backends.db.DatabaseCache", "django_redis.cache.RedisCache"]
)
def test_shared_caches_allow_several_workers(settings, backend):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "portal_cache"}}
    assert CONF["refusal"](4) is None


def test_gunicorn_exits_with_one_line_instead_of_starting(tmp_path):
    env = deploy.clean_environment(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS=deploy.HOST,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CACHE_URL="locmemcache://",
        WEB_CONCURRENCY="2",
        GUNICORN_BIND="127.0.0.1:0",
    )
    result = subprocess.run(
        deploy.resolve((".venv/bin/gunicorn", "-c", "gunicorn.conf.py")),
        cwd=deploy.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        "Error: 2 workers on a per-process cache (LocMemCache): set CACHE_URL to a shared cache "
        "(redis://… or dbcache://portal_cache), or WEB_CONCURRENCY=1."
    ]
    assert "Traceback" not in result.stderr and "Listening at" not in result.stderr
