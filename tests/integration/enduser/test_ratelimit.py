"""Rate limits: 429 before any Cognito call, per IP and per (username, IP), and no victim lock-out."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import reverse

from accounts.ratelimit import Limits, Rule
from tests.conftest import STRONG_PASSWORD

ATTACKER = "203.0.113.7"
VICTIM = "198.51.100.9"
WRONG = "Wrong-Horse-42!"


def post_login(client, username, password=WRONG, ip=ATTACKER):
    return client.post(
        reverse("accounts:sign_in"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_sixth_wrong_password_from_one_address_is_429_without_a_cognito_call(pool, client, cognito_calls):
    pool.create_user("alice")
    statuses = [post_login(client, "alice").status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert cognito_calls["AdminInitiateAuth"] == 5
    response = post_login(client, "alice")
    assert response.status_code == 429
    assert cognito_calls["AdminInitiateAuth"] == 5
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Too many attempts" in page and 'id="retry-after"' in page


def test_the_owner_can_still_sign_in_from_another_address(pool, client, cognito_calls):
    pool.create_user("alice")
    for _ in range(6):
        post_login(client, "alice")
    assert post_login(client, "alice").status_code == 429
    before = cognito_calls["AdminInitiateAuth"]
    response = post_login(client, "alice", STRONG_PASSWORD, ip=VICTIM)
    assert cognito_calls["AdminInitiateAuth"] == before + 1
    assert response.status_code == 302 and response.url == reverse("accounts:mfa_setup")


def test_many_usernames_from_one_address_hit_the_per_ip_limit(pool, client, cognito_calls):
    statuses = [post_login(client, f"user{n}").status_code for n in range(40)]
    assert 429 in statuses
    first_429 = statuses.index(429)
    assert all(status == 429 for status in statuses[first_429:])
    assert cognito_calls["AdminInitiateAuth"] == first_429


def test_soft_username_limit_refuses_only_addresses_that_already_failed(
    pool, client, cognito_calls, settings
):
    settings.PORTAL_RATE_LIMITS = {
        "login": Limits(per_ip=Rule(100, 300), per_pair=Rule(5, 900), per_username=Rule(10, 900))
    }
    pool.create_user("alice")
    for n in range(12):
        assert post_login(client, "alice", ip=f"192.0.2.{n + 1}").status_code == 200
    # The username has failed from many places: an address that failed before is refused...
    assert post_login(client, "alice", ip="192.0.2.1").status_code == 429
    # ...while a clean address still reaches Cognito, so the owner is never locked out.
    calls = cognito_calls["AdminInitiateAuth"]
    assert post_login(client, "alice", STRONG_PASSWORD, ip="192.0.2.200").status_code == 302
    assert cognito_calls["AdminInitiateAuth"] == calls + 1


def test_usernames_are_compared_case_insensitively(pool, client):
    for name in ("alice", "Alice", "ALICE", " alice", "alicE"):
        post_login(client, name)
    assert post_login(client, "aLiCe").status_code == 429


def test_wrong_totp_codes_are_limited_per_user_and_address(pool, client, cognito_calls):
    pool.create_user("bea")
    secret = pool.enrol_totp("bea")
    good = int(pyotp.TOTP(secret).now())
    wrong = iter(f"{(good + n) % 1000000:06d}" for n in range(100, 200))
    for _ in range(2):  # two sign-ins, each ending after three wrong codes
        post_login(client, "bea", STRONG_PASSWORD)
        for _ in range(3):
            client.post(reverse("accounts:mfa"), {"code": next(wrong)}, REMOTE_ADDR=ATTACKER)
    post_login(client, "bea", STRONG_PASSWORD)
    cognito_calls.clear()
    response = client.post(reverse("accounts:mfa"), {"code": next(wrong)}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert cognito_calls.total == 0


@pytest.mark.parametrize("username", ["carl", "nobody"])
def test_confirm_codes_are_limited_identically_for_unknown_users(pool, client, cognito_calls, username):
    pool.admin.sign_up  # noqa: B018 (the pool exists; carl is created below when needed)
    if username == "carl":
        client.post(
            reverse("accounts:signup"),
            {
                "username": "carl",
                "email": "c@example.com",
                "password1": STRONG_PASSWORD,
                "password2": STRONG_PASSWORD,
            },
        )
    cognito_calls.clear()
    statuses = [
        client.post(
            reverse("accounts:confirm"), {"username": username, "code": f"{n:06d}"}, REMOTE_ADDR=ATTACKER
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert cognito_calls["ConfirmSignUp"] == 5


@pytest.mark.parametrize("username", ["dina", "nobody"])
def test_password_reset_is_limited_identically_for_unknown_users(pool, client, cognito_calls, username):
    pool.create_user("dina")
    first = client.post(reverse("accounts:password_reset"), {"username": username})
    second = client.post(reverse("accounts:password_reset"), {"username": username})
    assert first.status_code == 302 and second.status_code == 429
    assert cognito_calls["ForgotPassword"] == 1


def test_reset_code_guessing_is_limited(pool, client, cognito_calls):
    pool.create_user("dina")
    data = {"username": "dina", "new_password1": "Reset-Horse-42!", "new_password2": "Reset-Horse-42!"}
    statuses = [
        client.post(reverse("accounts:password_reset_confirm"), {**data, "code": f"{n:06d}"}).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert cognito_calls["ConfirmForgotPassword"] == 5


def test_signup_is_limited_per_address(pool, client, cognito_calls, settings):
    settings.PORTAL_RATE_LIMITS = {"signup": Limits(per_ip=Rule(2, 3600))}
    data = {"email": "x@example.com", "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    statuses = [
        client.post(reverse("accounts:signup"), {**data, "username": f"new{n}"}).status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert cognito_calls["SignUp"] == 2


def test_limits_are_shared_through_the_cache(pool, settings):
    """Two app servers share counters when they share the cache: a second client sees the first's hits."""
    from django.test import Client

    pool.create_user("alice")
    for _ in range(5):
        post_login(Client(), "alice")
    assert post_login(Client(), "alice").status_code == 429


def test_a_forged_x_forwarded_for_does_not_escape_the_limit(pool, client, cognito_calls):
    pool.create_user("alice")
    statuses = [
        client.post(
            reverse("accounts:sign_in"),
            {"username": "alice", "password": WRONG},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert cognito_calls["AdminInitiateAuth"] == 5


def test_a_completed_sign_in_clears_the_address_failures(pool, client):
    """Failures are counted before Cognito is asked; signing in proves the address knows the password."""
    from tests.integration.enduser.conftest import totp_post

    pool.create_user("erin")
    secret = pool.enrol_totp("erin")
    for _ in range(4):
        assert post_login(client, "erin").status_code == 200
    assert post_login(client, "erin", STRONG_PASSWORD).status_code == 302
    assert totp_post(client, secret, step=1, REMOTE_ADDR=ATTACKER).status_code == 302
    client.post(reverse("accounts:sign_out"))
    statuses = [post_login(client, "erin").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_every_attempt_counts_before_cognito_answers(pool, client, cognito_calls):
    """A correct password counts too until the sign-in completes: guesses cannot hide behind one."""
    pool.create_user("finn")
    pool.enrol_totp("finn")
    cognito_calls.clear()
    assert post_login(client, "finn", STRONG_PASSWORD).status_code == 302  # waits at the TOTP step
    statuses = [post_login(client, "finn").status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]
    assert cognito_calls["AdminInitiateAuth"] == 5


def test_every_name_of_one_account_shares_one_count(pool, client, cognito_calls):
    """The username, its email alias and its sub find the same account: 5 guesses in all, not 5 each."""
    from accounts.models import User

    username = pool.create_user("dave", email="dave@example.com")
    secret = pool.enrol_totp(username)
    from tests.integration.enduser.conftest import totp_post

    post_login(client, "dave", STRONG_PASSWORD, ip=VICTIM)  # one sign-in: the portal now knows Dave's names
    totp_post(client, secret, step=1)
    client.post(reverse("accounts:sign_out"))
    sub = User.objects.get(username="dave").cognito_sub
    cognito_calls.clear()
    names = ["dave", "DAVE@example.com", sub, "Dave", "dave@example.com", sub.upper()]
    statuses = [post_login(client, name).status_code for name in names]
    assert statuses == [200] * 5 + [429]
    assert cognito_calls["AdminInitiateAuth"] == 5


def test_behind_a_trusted_proxy_the_client_address_is_the_proxys_not_a_forged_one(
    pool, client, cognito_calls, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    pool.create_user("alice")
    # An attacker behind the proxy forges a different address in front of the one the proxy appends.
    for n in range(5):
        response = client.post(
            reverse("accounts:sign_in"),
            {"username": "alice", "password": WRONG},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}",
        )
        assert response.status_code == 200
    blocked = client.post(
        reverse("accounts:sign_in"),
        {"username": "alice", "password": WRONG},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}",
    )
    assert blocked.status_code == 429
    owner = client.post(
        reverse("accounts:sign_in"),
        {"username": "alice", "password": STRONG_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=VICTIM,  # the owner, another client behind the same proxy
    )
    assert owner.status_code == 302


def test_a_refusal_never_asks_cognito_even_with_nothing_cached(pool, client, cognito_calls):
    from accounts.cognito import reset_caches

    pool.create_user("alice")
    for _ in range(5):
        post_login(client, "alice")
    reset_caches(clients=False)  # a fresh process: no pool description cached
    cognito_calls.clear()
    assert post_login(client, "alice").status_code == 429
    assert cognito_calls.total == 0
