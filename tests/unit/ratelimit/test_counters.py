"""The shared counters: ``hit`` counts up atomically, ``first_use`` is true once, counters expire."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import ratelimit
from accounts.models import RateCounter
from tests import services


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.services)])
def store(request, settings):
    """Each test runs on the database counters and (when Redis is there) on the Redis ones."""
    if request.param == "database":
        request.getfixturevalue("db")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        assert not ratelimit.uses_redis()
        yield request.param
        return
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": services.redis_url(),
            "KEY_PREFIX": prefix,
        }
    }
    assert ratelimit.uses_redis()
    yield request.param
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def clock(monkeypatch):
    """The database counters' clock, moved by hand (Redis keeps its own and is not faked)."""
    now = [timezone.now()]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


def test_hit_counts_up_from_one(store):
    assert [ratelimit.hit("k", 60) for _ in range(4)] == [1, 2, 3, 4]


def test_counters_are_independent(store):
    ratelimit.hit("a", 60)
    assert ratelimit.hit("b", 60) == 1
    assert ratelimit.hit("a", 60) == 2


def test_first_use_is_true_exactly_once(store):
    assert [ratelimit.first_use("totp:alice:123456", 90) for _ in range(3)] == [True, False, False]
    assert ratelimit.first_use("totp:alice:654321", 90) is True


def test_peek_reports_count_and_time_left_without_counting(store):
    assert ratelimit.peek("k") == (0, 0)
    ratelimit.hit("k", 60)
    ratelimit.hit("k", 60)
    count, left = ratelimit.peek("k")
    assert count == 2 and 0 < left <= 60
    assert ratelimit.peek("k")[0] == 2


def test_reset_forgets_a_counter(store):
    ratelimit.hit("k", 60)
    ratelimit.reset("k")
    assert ratelimit.peek("k") == (0, 0)
    assert ratelimit.hit("k", 60) == 1


def test_long_keys_are_accepted_and_kept_apart(store):
    base = "x" * 300
    assert ratelimit.hit(base + "1", 60) == 1
    assert ratelimit.hit(base + "2", 60) == 1
    assert ratelimit.hit(base + "1", 60) == 2


@pytest.mark.parametrize("ttl", [0, -5])
def test_a_ttl_under_one_second_is_refused(store, ttl):
    with pytest.raises(ValueError, match="at least one second"):
        ratelimit.hit("k", ttl)


@pytest.mark.django_db
def test_a_counter_restarts_after_its_ttl(clock):
    assert ratelimit.hit("k", 60) == 1
    assert ratelimit.first_use("once", 60) is True
    clock[0] += timedelta(seconds=59)
    assert ratelimit.hit("k", 60) == 2
    assert ratelimit.first_use("once", 60) is False
    clock[0] += timedelta(seconds=1)
    assert ratelimit.hit("k", 60) == 1
    assert ratelimit.first_use("once", 60) is True


@pytest.mark.django_db
def test_later_hits_do_not_extend_the_counter(clock):
    ratelimit.hit("k", 60)
    clock[0] += timedelta(seconds=30)
    ratelimit.hit("k", 600)
    assert ratelimit.peek("k") == (2, 30)


@pytest.mark.django_db
def test_expired_rows_are_purged_in_bounded_batches(clock):
    batch = ratelimit.DatabaseCounters.PURGE_BATCH
    for n in range(batch + 10):
        ratelimit.hit(f"old{n}", 60)
    clock[0] += timedelta(seconds=61)
    ratelimit.hit("new1", 60)  # creating a counter purges up to one batch of expired rows
    assert RateCounter.objects.count() == 10 + 1
    ratelimit.hit("new1", 60)  # counting on a live row purges nothing
    assert RateCounter.objects.count() == 11
    ratelimit.hit("new2", 60)
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"new1", "new2"}
