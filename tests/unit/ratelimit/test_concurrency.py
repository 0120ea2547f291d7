"""Concurrent requests never get past a limit: SQLite (a real file, as deployed), PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests import services
from tests.unit.ratelimit import load

ROOT = Path(__file__).resolve().parents[3]
TOTAL = load.THREADS * load.PER_THREAD


@pytest.fixture(scope="module")
def sqlite_load(tmp_path_factory) -> dict:
    """Every scenario of ``load`` run in a subprocess on a fresh SQLite file with the portal's settings."""
    database = tmp_path_factory.mktemp("sqlite-load") / "db.sqlite3"
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "tests.unit.ratelimit.load"],
        cwd=ROOT,
        env={
            **keep,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{database}",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_is_configured_for_concurrent_writers(sqlite_load):
    assert sqlite_load["journal_mode"] == "wal"
    assert sqlite_load["transaction_mode"] == "IMMEDIATE"


def test_sqlite_concurrent_sign_in_writes_are_never_locked_out(sqlite_load):
    # Without IMMEDIATE transactions, about half of these fail with "database is locked".
    assert sqlite_load["errors"] == []


def test_sqlite_hits_hand_out_each_count_exactly_once(sqlite_load):
    assert sqlite_load["counts"] == list(range(1, TOTAL + 1))


def test_sqlite_first_use_is_true_for_exactly_one_caller(sqlite_load):
    assert sqlite_load["firsts"] == 1


def test_sqlite_concurrent_guesses_stop_at_the_limit(sqlite_load):
    assert sqlite_load["passed"] == 5  # DEFAULT_LIMITS["login"].per_pair


def test_sqlite_concurrent_code_requests_start_one_cooldown(sqlite_load):
    assert sqlite_load["sent"] == 1  # one code per DEFAULT_LIMITS["resend"].cooldown, however many ask


# -- PostgreSQL: the tests' own database when DATABASE_URL is postgres:// --------------------------------
@pytest.fixture
def postgres_counters(settings):
    """The counters in PostgreSQL's RateCounter table (not in Redis, even when CACHE_URL is Redis)."""
    services.postgres_url()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgres_hits_hand_out_each_count_exactly_once(postgres_counters):
    counts, errors = load.hits()
    assert errors == []
    assert sorted(counts) == list(range(1, TOTAL + 1))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_guesses_stop_at_the_limit(postgres_counters):
    firsts, errors = load.first_uses()
    assert errors == [] and sum(firsts) == 1
    passed, errors = load.guesses()
    assert errors == [] and sum(passed) == 5
    sent, errors = load.code_requests()
    assert errors == [] and sum(sent) == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_sign_in_writes_all_succeed(postgres_counters):
    _pks, errors = load.sign_in_writes()
    assert errors == []


# -- Redis: the counters follow the cache when it is django-redis --------------------------------------------
@pytest.fixture
def redis_counters(settings):
    url = services.redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    from accounts import ratelimit

    assert ratelimit.uses_redis()
    yield
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    for key in client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"):
        client.delete(key)


@pytest.mark.services
def test_redis_hits_hand_out_each_count_exactly_once(redis_counters):
    counts, errors = load.hits()
    assert errors == []
    assert sorted(counts) == list(range(1, TOTAL + 1))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # the per-account limit looks the typed name up in the mirror users
def test_redis_concurrent_guesses_stop_at_the_limit(redis_counters):
    firsts, errors = load.first_uses()
    assert errors == [] and sum(firsts) == 1
    passed, errors = load.guesses()
    assert errors == [] and sum(passed) == 5
    sent, errors = load.code_requests()
    assert errors == [] and sum(sent) == 1
