"""The package-level gateway: one idp per process, DescribeUserPool cached, typed challenge parsing."""

from __future__ import annotations

import threading

import pytest

import accounts.cognito
from accounts.cognito import transport
from accounts.cognito.idp import CognitoIdentityProvider
from accounts.cognito.types import Challenge


@pytest.fixture(autouse=True)
def fresh(settings):
    settings.COGNITO_USER_POOL_ID = "eu-west-1_Gateway"
    settings.COGNITO_CLIENT_ID = "client"
    settings.COGNITO_CLIENT_SECRET = ""
    accounts.cognito.reset_caches()
    yield
    accounts.cognito.reset_caches()


def test_get_idp_is_one_object_per_process_even_under_concurrency():
    seen = []
    barrier = threading.Barrier(6)

    def worker():
        barrier.wait()
        seen.append(accounts.cognito.get_idp())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(i) for i in seen}) == 1
    assert seen[0].user_pool_id == "eu-west-1_Gateway"
    accounts.cognito.reset_caches()
    assert accounts.cognito.get_idp() is not seen[0]


class CountingPoolClient:
    def __init__(self) -> None:
        self.calls = 0

    def describe_user_pool(self, **params):
        self.calls += 1
        return {"UserPool": {"Id": params["UserPoolId"], "Name": f"call {self.calls}"}}


def test_pool_description_is_cached_for_five_minutes(monkeypatch):
    fake = CountingPoolClient()
    gateway = CognitoIdentityProvider(client_factory=lambda retry: fake)
    monkeypatch.setattr(accounts.cognito, "get_idp", lambda: gateway)
    clock = [500.0]
    monkeypatch.setattr(accounts.cognito.time, "monotonic", lambda: clock[0])

    assert accounts.cognito.pool_description().pool_id == "eu-west-1_Gateway"
    clock[0] += accounts.cognito.POOL_CACHE_SECONDS - 1
    assert accounts.cognito.pool_description().name == "call 1"
    assert fake.calls == 1
    clock[0] += 2
    assert accounts.cognito.pool_description().name == "call 2"
    assert accounts.cognito.pool_description(refresh=True).name == "call 3"
    assert fake.calls == 3


def test_backoff_is_short_and_jittered(monkeypatch):
    slept = []
    monkeypatch.setattr(transport.time, "sleep", slept.append)
    monkeypatch.setattr(transport.random, "random", lambda: 1.0)
    for attempt in (1, 2, 3, 10):
        transport._backoff(attempt)
    assert slept == [0.1, 0.2, 0.4, 1.0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('["SOFTWARE_TOKEN_MFA"]', ["SOFTWARE_TOKEN_MFA"]),
        ('["SMS_MFA","SOFTWARE_TOKEN_MFA"]', ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]),
        ("['SOFTWARE_TOKEN_MFA']", ["SOFTWARE_TOKEN_MFA"]),  # moto's Python repr
        ("['SMS_MFA', 'SOFTWARE_TOKEN_MFA']", ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]),
        ('{"not": "a list"}', []),
        ("", []),
    ],
)
def test_mfas_can_setup_is_parsed_leniently(raw, expected):
    assert Challenge("MFA_SETUP", "s", {"MFAS_CAN_SETUP": raw}).mfas_can_setup == expected


def test_json_parameters_of_new_password_required():
    challenge = Challenge(
        "NEW_PASSWORD_REQUIRED",
        "secret-session",
        {"requiredAttributes": '["userAttributes.name"]', "userAttributes": '{"email": "a@example.com"}'},
    )
    assert challenge.json_parameter("requiredAttributes") == ["userAttributes.name"]
    assert challenge.json_parameter("userAttributes") == {"email": "a@example.com"}
    assert challenge.json_parameter("missing") is None
    assert Challenge("X", "s", {"bad": "{nope"}).json_parameter("bad") is None
    assert "secret-session" not in repr(challenge)


def test_challenge_username_prefers_username_then_user_id_for_srp():
    assert Challenge("X", "s", {"USERNAME": "u1", "USER_ID_FOR_SRP": "u2"}).username == "u1"
    assert Challenge("X", "s", {"USER_ID_FOR_SRP": "u2"}).username == "u2"
    assert Challenge("X", "s", {}).username is None
