"""Sign-in stages against localcognito: first sign-in with MFA setup, then sign-in with a TOTP code."""

from __future__ import annotations

from django.urls import reverse

from tests.integration.enduser.conftest import enrol_via_portal, login_post, signed_in_username, totp_post


def test_first_sign_in_sets_up_totp_with_one_code_and_signs_in(pool, client, cognito_calls):
    pool.create_user("alice")
    secret = enrol_via_portal(client, "alice")
    assert len(secret) >= 16
    assert signed_in_username(client) == "alice"
    calls = dict(cognito_calls)
    assert calls == {
        "AdminInitiateAuth": 1,
        "AssociateSoftwareToken": 1,
        "VerifySoftwareToken": 1,
        "AdminRespondToAuthChallenge": 1,
    }


def test_sign_in_with_totp_takes_two_calls(pool, client, cognito_calls):
    pool.create_user("bob")
    secret = pool.enrol_totp("bob")
    cognito_calls.clear()  # the set-up above used the same client
    response = login_post(client, "bob")
    assert response.status_code == 302 and response.url == reverse("accounts:mfa")
    response = totp_post(client, secret, step=1)
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    assert signed_in_username(client) == "bob"
    assert dict(cognito_calls) == {"AdminInitiateAuth": 1, "AdminRespondToAuthChallenge": 1}
