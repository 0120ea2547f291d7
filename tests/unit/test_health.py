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
