"""Issue #9: one user = one sub, on every common pool shape.

The matrix walks every end-user flow on each shape of tests/pools.py; the regression tests pin the faults
the issue reported (each fails on the code before it: typed aliases in challenge answers, remembered
browsers of case variants dropped, email-as-username pools never using their remembered browser …).
"""

from __future__ import annotations

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import RememberedDevice, User
from accounts.signin import state
from tests.conftest import SHAPE_MATRIX, STRONG_PASSWORD
from tests.integration.enduser.conftest import (
    login_post,
    messages_of,
    page_secret,
    signed_in_username,
    totp_post,
)


@pytest.fixture
def answers(cognito):
    """The parameters of every AdminRespondToAuthChallenge the portal sends: (challenge, USERNAME)."""
    from accounts.cognito.client import get_client

    sent: list[tuple[str, str, str]] = []

    def record(params, **kwargs):
        responses = params.get("ChallengeResponses") or {}
        sent.append(
            (params["ChallengeName"], responses.get("USERNAME", ""), responses.get("SECRET_HASH", ""))
        )

    event = "before-parameter-build.cognito-idp.AdminRespondToAuthChallenge"
    clients = [get_client(retry=retry) for retry in (True, False)]
    for client in clients:
        client.meta.events.register(event, record)
    yield sent
    for client in clients:
        client.meta.events.unregister(event, record)


def portal_sign_up(pool, client: Client, handle: str) -> tuple[str, str]:
    """Sign up through the portal; returns (the name to sign in with, the email)."""
    email = f"{handle.lower()}@example.com"
    data = {"email": email, "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    if not pool.email_is_username:
        data["username"] = handle
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 302 and response.url == reverse("accounts:confirm"), response
    name = email if pool.email_is_username else handle
    code = pool.last_code_to(email, "signup")
    response = client.post(reverse("accounts:confirm"), {"username": name, "code": code})
    assert response.url == reverse("accounts:sign_in"), response
    return name, email


def variant(name: str, pool) -> str:
    """Another way to type the same sign-in name: other case where the pool folds case."""
    return name.upper() if not pool.settings.case_sensitive else name


# -- the matrix -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cognito", SHAPE_MATRIX, indirect=True)
def test_every_end_user_flow_on_every_pool_shape(pool, client):
    name, email = portal_sign_up(pool, client, "Mira")
    # Alias pools sign in by the verified email too; email pools only by the email.
    typed = email if pool.settings.sign_in in ("username+aliases", "email") else name

    response = login_post(client, typed)
    assert response.url == reverse("accounts:mfa_setup")
    secret = page_secret(client.get(response.url))
    response = client.post(
        reverse("accounts:mfa_setup"),
        {"code": pyotp.TOTP(secret).now(), "remember_device": "on"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:home")
    greeting = " ".join(messages_of(response))
    user = User.objects.get(email=email)
    assert user.display_name in greeting and user.cognito_sub not in greeting  # never a bare sub
    assert RememberedDevice.objects.filter(user=user).count() == 1

    client.post(reverse("accounts:sign_out"))
    response = login_post(client, variant(typed, pool))
    assert response.url == reverse("accounts:home"), "the remembered browser was not used"
    devices_page = client.get(reverse("accounts:devices")).content.decode()
    assert "this-browser" in devices_page or "This browser" in devices_page

    client.post(reverse("accounts:sign_out"))
    client.post(reverse("accounts:password_reset"), {"username": typed})
    new_password = "Another-Horse-43?"
    response = client.post(
        reverse("accounts:password_reset_confirm"),
        {
            "username": typed,
            "code": pool.last_code_to(email, "forgot_password"),
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )
    assert response.url == reverse("accounts:sign_in"), response
    assert not RememberedDevice.objects.filter(user=user).exists()  # whatever name the reset was typed with
    assert login_post(client, typed, new_password).url == reverse("accounts:mfa")
    assert totp_post(client, secret, step=1).url == reverse("accounts:home")
    assert signed_in_username(client) == user.username


# -- item 4: challenge answers carry the canonical username ------------------------------------------------
def test_alias_sign_in_answers_every_challenge_as_the_canonical_username(pool, client, answers):
    pool.create_user("Quinn", email="quinn@example.org")
    response = login_post(client, "quinn@example.org")  # the alias, as typed
    secret = page_secret(client.get(response.url))
    client.post(reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(secret).now()})
    client.post(reverse("accounts:sign_out"))
    login_post(client, "QUINN@EXAMPLE.ORG")
    assert totp_post(client, secret, step=1).url == reverse("accounts:home")
    from accounts.cognito import get_idp

    assert [name for name, _, _ in answers] == ["MFA_SETUP", "SOFTWARE_TOKEN_MFA"]
    assert {username for _, username, _ in answers} == {"Quinn"}
    assert {secret_hash for _, _, secret_hash in answers} == {get_idp().secret_hash("Quinn")}


# -- item 2: case variants never clobber each other ----------------------------------------------------------
@pytest.mark.parametrize("cognito", ["username-cs"], indirect=True)
def test_a_case_variant_never_uses_or_drops_anothers_remembered_browser(pool, client, cognito_calls):
    carol = pool.create_user("Carol")
    secret = pool.enrol_totp(carol)
    login_post(client, "Carol")
    assert totp_post(client, secret, remember=True, step=1).url == reverse("accounts:home")
    client.post(reverse("accounts:sign_out"))
    cookie = client.cookies[settings.DEVICE_COOKIE_NAME].value

    pool.create_user("carol", email="other-carol@example.com")  # a different person
    other_secret = pool.enrol_totp("carol")
    response = login_post(client, "carol")
    assert response.url == reverse("accounts:mfa")  # not signed in with Carol's device, not an error
    assert state.load_pending(client.session).device_key == ""
    assert settings.DEVICE_COOKIE_NAME not in response.cookies  # Carol's cookie entry is left alone
    assert RememberedDevice.objects.filter(user__username="Carol").count() == 1
    assert totp_post(client, other_secret, step=1).url == reverse("accounts:home")
    client.post(reverse("accounts:sign_out"))

    assert client.cookies[settings.DEVICE_COOKIE_NAME].value == cookie
    assert login_post(client, "Carol").url == reverse("accounts:home")  # Carol's browser still remembered


def test_sign_up_refuses_a_case_variant_in_a_case_insensitive_pool(pool, client):
    pool.create_user("dora")
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "Dora",
            "email": "dora2@example.com",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "taken" in str(response.context["form"].errors["username"])


# -- item 3: email-as-username pools ------------------------------------------------------------------------
@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_email_pool_sign_up_asks_for_email_and_password_only(pool, client):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert 'name="username"' not in page and 'name="email"' in page
    login_page = client.get(reverse("accounts:sign_in")).content.decode()
    assert "Email address" in login_page


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_email_pool_remembered_browser_is_used_and_the_greeting_is_the_email(pool, client, cognito_calls):
    username = pool.create_user("ella", email="ella@example.com")
    secret = pool.enrol_totp(username)
    login_post(client, "ella@example.com")
    response = totp_post(client, secret, remember=True, step=1, follow=True)
    assert "ella@example.com" in " ".join(messages_of(response))
    assert username not in " ".join(messages_of(response))  # the generated username (a sub) is never shown
    client.post(reverse("accounts:sign_out"))
    cognito_calls.clear()
    assert login_post(client, "Ella@Example.com").url == reverse("accounts:home")
    assert cognito_calls["AdminInitiateAuth"] == 1 and cognito_calls["AdminRespondToAuthChallenge"] == 2


# -- names that cannot be shown or typed safely --------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["zoë\u200bzoë", "bob\u202eevil", "tab\tname", "0f8fad5b-d9cb-469f-a165-70867728950e", "Ame\u0301lie"],
)
def test_sign_up_refuses_names_that_cannot_be_shown_or_typed_safely(pool, client, cognito_calls, name):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": name,
            "email": "n@example.com",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert cognito_calls.total == 0


# -- names the portal knows can be out of date or shared --------------------------------------------------
@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_a_stale_email_never_drops_the_previous_owners_remembered_browser(pool, client):
    kim = pool.create_user("kim", email="kim@example.com")
    kim_secret = pool.enrol_totp(kim)
    login_post(client, "kim@example.com")
    assert totp_post(client, kim_secret, remember=True, step=1).url == reverse("accounts:home")
    client.post(reverse("accounts:sign_out"))
    # Kim's address changes outside the portal; then Lee signs up with the old one.
    pool.admin.admin_update_user_attributes(
        UserPoolId=pool.pool_id,
        Username=kim,
        UserAttributes=[
            {"Name": "email", "Value": "kim.new@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    lee = pool.create_user("lee", email="kim@example.com")
    pool.enrol_totp(lee)
    response = login_post(client, "kim@example.com")  # Lee, on Kim's browser
    assert response.url == reverse("accounts:mfa")
    assert RememberedDevice.objects.filter(user__cognito_sub__isnull=False, user__username=kim).count() == 1
    assert settings.DEVICE_COOKIE_NAME not in response.cookies  # Kim's entry stays in the cookie


def test_a_username_that_is_anothers_preferred_username_uses_its_own_browser_record(pool, client):
    bob = pool.create_user("bob", attributes={"preferred_username": "ally"})
    ally = pool.create_user("ally", email="ally@example.com")
    secrets = {name: pool.enrol_totp(name) for name in (ally, bob)}
    for name in (ally, bob):  # both remember this browser, Bob last
        login_post(client, name)
        assert totp_post(client, secrets[name], remember=True, step=1).url == reverse("accounts:home")
        client.post(reverse("accounts:sign_out"))
    assert RememberedDevice.objects.count() == 2
    response = login_post(client, "ally")  # Cognito finds the username "ally" first, not Bob's alias
    assert response.url == reverse("accounts:home")
    assert RememberedDevice.objects.count() == 2


def test_alias_pool_sign_up_refuses_an_email_as_username_and_edge_blanks_before_cognito(
    pool, client, cognito_calls
):
    for name, reason in (("ann@example.com", "not an email address"), (" ann ", "cannot contain spaces")):
        response = client.post(
            reverse("accounts:signup"),
            {
                "username": name,
                "email": "ann@example.com",
                "password1": STRONG_PASSWORD,
                "password2": STRONG_PASSWORD,
            },
        )
        assert reason in str(response.context["form"].errors["username"])
    assert cognito_calls.total == 0


@pytest.mark.parametrize(
    ("cognito", "label"), [("default", "Username"), ("email", "Email address")], indirect=["cognito"]
)
def test_confirm_and_reset_pages_name_the_field_as_the_pool_does(pool, client, label):
    confirm = client.get(reverse("accounts:confirm")).content.decode()
    assert f">{label}" in confirm.replace("\n", "").replace("  ", "") or label in confirm
    assert "Username or email address" not in confirm  # an alias works only once confirmed
    reset = client.get(reverse("accounts:password_reset")).content.decode()
    expected = "Username or email address" if pool.settings.sign_in == "username+aliases" else label
    assert expected in reset
