"""``/healthz``: reports pool reachability and asks Cognito at most once a minute."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError

import accounts.cognito
from accounts import health
from accounts.cognito.idp import CognitoIdentityProvider


class FakePoolClient:
    """Answers DescribeUserPool (or fails like an unreachable endpoint) and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.reachable = True

    def describe_user_pool(self, **params):
        self.calls += 1
        if not self.reachable:
            raise EndpointConnectionError(endpoint_url="https://cognito-idp.eu-west-1.amazonaws.com")
        return {"UserPool": {"Id": params["UserPoolId"], "Name": "portal"}, "ResponseMetadata": {}}


@pytest.fixture
def pool(monkeypatch, settings):
    settings.COGNITO_MAX_ATTEMPTS = 1
    fake = FakePoolClient()
    idp = CognitoIdentityProvider(
        user_pool_id="eu-west-1_Health", client_id="c", client_secret="", client_factory=lambda retry: fake
    )
    monkeypatch.setattr(accounts.cognito, "get_idp", lambda: idp)
    clock = [10_000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    fake.clock = clock
    health.reset()
    yield fake
    health.reset()


def test_ok_when_describe_user_pool_works(client, pool):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["cognito"]["reachable"] is True
    assert body["cognito"]["pool_id"] == "eu-west-1_Health"
    assert response["Cache-Control"].startswith("max-age=0")


def test_degraded_when_cognito_is_unavailable(client, pool):
    pool.reachable = False
    response = client.get("/healthz")
    assert response.status_code == 200  # the portal itself is up
    body = response.json()
    assert body["status"] == "degraded"
    assert body["cognito"] == {
        "reachable": False,
        "error": "EndpointConnectionError",
        "checked_seconds_ago": 0.0,
    }


def test_cognito_is_asked_at_most_once_a_minute(client, pool):
    for _ in range(5):
        assert client.get("/healthz").json()["status"] == "ok"
    assert pool.calls == 1

    pool.clock[0] += 59
    pool.reachable = False
    body = client.get("/healthz").json()
    assert body["status"] == "ok"  # still the cached answer
    assert body["cognito"]["checked_seconds_ago"] == 59.0
    assert pool.calls == 1

    pool.clock[0] += 2
    assert client.get("/healthz").json()["status"] == "degraded"
    assert pool.calls == 2
    for _ in range(3):
        assert client.get("/healthz").json()["status"] == "degraded"
    assert pool.calls == 2


def test_recovers_after_the_interval(client, pool):
    pool.reachable = False
    assert client.get("/healthz").json()["status"] == "degraded"
    pool.reachable = True
    pool.clock[0] += health.CHECK_INTERVAL
    assert client.get("/healthz").json()["status"] == "ok"
    assert pool.calls == 2


def test_only_get(client, pool):
    assert client.post("/healthz").status_code == 405
    assert pool.calls == 0


# -- /readyz: database, cache and Cognito --------------------------------------------------------------------
@pytest.fixture
def ready(pool, db):
    return pool


def test_ready_when_database_cache_and_cognito_answer(client, ready):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["cache"] == {"ok": True}
    assert body["checks"]["cognito"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


def test_unavailable_when_the_database_fails(client, ready, monkeypatch):
    from django.db import OperationalError

    class Unreachable:
        def cursor(self):
            raise OperationalError("could not connect")

    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}


def test_unavailable_when_the_cache_fails(client, ready, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"]["cache"]["ok"] is False


def test_unavailable_when_cognito_is_unreachable_and_asked_once_a_minute(client, ready):
    ready.reachable = False
    for _ in range(3):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failed"] == ["cognito"]
    assert response.json()["checks"]["cognito"]["error"] == "EndpointConnectionError"
    assert ready.calls == 1
    ready.reachable = True
    ready.clock[0] += health.CHECK_INTERVAL
    assert client.get("/readyz").status_code == 200
    assert ready.calls == 2


def test_healthz_stays_liveness_while_not_ready(client, ready):
    ready.reachable = False
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200
