"""Sign-up, confirmation and resend against localcognito, with the Cognito call budget of each."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import STRONG_PASSWORD
from tests.integration.enduser.conftest import add_fault, enrol_via_portal, login_post

SIGNUP = {"username": "carol", "email": "carol@example.com", "password1": STRONG_PASSWORD}


def signup(client, **overrides):
    data = {**SIGNUP, "password2": overrides.get("password1", SIGNUP["password1"]), **overrides}
    return client.post(reverse("accounts:signup"), data)


def test_signup_page_shows_the_pools_password_rules_before_submit(pool, client):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert 'id="password-rules"' in page
    assert "at least 10 characters" in page  # the bootstrap pool's MinimumLength
    assert "an uppercase letter" in page and "a symbol" in page


def test_signup_makes_one_cognito_call_and_goes_to_the_confirm_page(pool, client, cognito_calls):
    response = signup(client)
    assert response.status_code == 302 and response.url == reverse("accounts:confirm")
    assert dict(cognito_calls) == {"SignUp": 1}
    assert pool.last_code("carol", "signup")
    page = client.get(response.url)
    assert 'value="carol"' in page.content.decode()  # the username is carried over, not retyped


def test_password_is_used_exactly_as_typed(pool, client):
    spaced = "Correct  Horse 42!"  # inner spaces are part of the password, never squeezed or stripped
    assert signup(client, password1=spaced, password2=spaced).status_code == 302
    client.post(reverse("accounts:confirm"), {"username": "carol", "code": pool.last_code("carol", "signup")})
    assert login_post(client, "carol", "Correct Horse 42!").status_code == 200  # one space less: wrong
    assert login_post(client, "carol", spaced).url == reverse("accounts:mfa_setup")


def test_password_with_blanks_at_its_edges_is_refused_before_cognito(pool, client, cognito_calls):
    # Cognito's password pattern forbids leading and trailing blanks (issue #12 row 10): say so here.
    spaced = "  " + STRONG_PASSWORD + "  "
    response = signup(client, password1=spaced, password2=spaced)
    assert response.status_code == 200
    assert "cannot start or end with a space" in str(response.context["form"].errors["password1"])
    assert cognito_calls.total == 0


def test_taken_username_is_a_field_error_and_other_fields_keep_their_values(pool, client):
    pool.create_user("carol")
    response = signup(client, email="new@example.com")
    assert response.status_code == 200
    assert "This username is taken" in str(response.context["form"].errors["username"])
    page = response.content.decode()
    assert 'value="new@example.com"' in page
    assert STRONG_PASSWORD not in page  # passwords are never sent back


def test_password_against_the_policy_is_refused_before_calling_cognito(pool, client, cognito_calls):
    response = signup(client, password1="short")
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert cognito_calls.total == 0


def test_cognito_password_rejection_becomes_a_field_error_with_the_reason(pool, client, monkeypatch):
    monkeypatch.setattr("accounts.views.signup.current_policy", lambda: None)  # only Cognito checks
    response = signup(client, password1="alllowercase-but-long")
    errors = str(response.context["form"].errors["password1"])
    assert "uppercase" in errors.lower()


def test_mismatched_passwords(pool, client, cognito_calls):
    response = signup(client, password2="Other-Horse-42!")
    assert "do not match" in str(response.context["form"].errors["password2"])
    assert cognito_calls.total == 0


def test_invalid_email_is_a_field_error(pool, client):
    response = signup(client, email="not-an-email")
    assert "email" in response.context["form"].errors
    assert 'value="carol"' in response.content.decode()


def test_cognito_unavailable_keeps_the_form_and_says_so(pool, client):
    add_fault(pool, "SignUp", "TooManyRequestsException")
    response = signup(client)
    assert response.status_code == 503 and response["Retry-After"]
    assert "try again in a minute" in response.content.decode()
    assert 'value="carol@example.com"' in response.content.decode()


# -- confirmation ------------------------------------------------------------------------------------------
@pytest.fixture
def signed_up(pool, client):
    assert signup(client).status_code == 302
    return pool


def test_confirm_with_the_right_code_takes_one_call_then_sign_in_sets_up_mfa(
    signed_up, client, cognito_calls
):
    code = signed_up.last_code("carol", "signup")
    cognito_calls.clear()
    response = client.post(reverse("accounts:confirm"), {"username": "carol", "code": code})
    assert response.status_code == 302 and response.url == reverse("accounts:sign_in")
    assert dict(cognito_calls) == {"ConfirmSignUp": 1}
    assert 'value="carol"' in client.get(response.url).content.decode()
    enrol_via_portal(client, "carol")


def test_wrong_code_shows_a_message_and_a_resend_button(signed_up, client):
    code = signed_up.last_code("carol", "signup")
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("accounts:confirm"), {"username": "carol", "code": wrong})
    assert response.status_code == 200
    assert "not correct" in str(response.context["form"].errors["code"])
    page = response.content.decode()
    assert reverse("accounts:resend") in page
    assert f'value="{wrong}"' not in page  # a failed code is not shown again


def test_expired_code_says_so(signed_up, client):
    server = signed_up.server
    real_clock = server.clock
    server.clock = lambda: real_clock() + 25 * 3600  # sign-up codes live 24 hours
    try:
        response = client.post(
            reverse("accounts:confirm"), {"username": "carol", "code": signed_up.last_code("carol", "signup")}
        )
    finally:
        server.clock = real_clock
    assert "expired" in str(response.context["form"].errors["code"])
    assert reverse("accounts:resend") in response.content.decode()


def test_already_confirmed_goes_straight_to_sign_in_when_existence_may_be_revealed(
    signed_up, client, settings
):
    settings.PORTAL_REVEAL_ACCOUNT_EXISTENCE = True
    code = signed_up.last_code("carol", "signup")
    client.post(reverse("accounts:confirm"), {"username": "carol", "code": code})
    response = client.post(reverse("accounts:confirm"), {"username": "carol", "code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")
    assert "already confirmed" in response.content.decode()


def test_confirm_code_field_rejects_garbage_without_calling_cognito(signed_up, client, cognito_calls):
    cognito_calls.clear()
    response = client.post(reverse("accounts:confirm"), {"username": "carol", "code": "<script>"})
    assert "code" in response.context["form"].errors
    assert cognito_calls.total == 0


# -- resend --------------------------------------------------------------------------------------------------
def test_resend_sends_a_new_code_with_one_call_and_shows_the_cooldown(signed_up, client, cognito_calls):
    cognito_calls.clear()
    response = client.post(reverse("accounts:resend"), {"username": "carol"}, follow=True)
    assert dict(cognito_calls) == {"ResendConfirmationCode": 1}
    assert "sent a new code" in response.content.decode()
    assert 'id="resend-wait"' in response.content.decode()
    assert len([m for m in signed_up.outbox() if m["username"] == "carol"]) == 2
    new = signed_up.last_code("carol", "signup")
    response = client.post(reverse("accounts:confirm"), {"username": "carol", "code": new})
    assert response.status_code == 302 and response.url == reverse("accounts:sign_in")


def test_resend_within_the_cooldown_is_429_without_a_cognito_call(signed_up, client, cognito_calls):
    client.post(reverse("accounts:resend"), {"username": "carol"})
    cognito_calls.clear()
    response = client.post(reverse("accounts:resend"), {"username": "carol"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60
    assert cognito_calls.total == 0


def test_resend_is_limited_per_user_the_same_for_unknown_users(pool, client, cognito_calls, settings):
    from accounts.ratelimit import Limits, Rule

    settings.PORTAL_RATE_LIMITS = {"resend": Limits(per_ip=Rule(100, 3600), per_pair=Rule(3, 3600))}
    for username in ("carol", "nobody"):
        statuses = [
            client.post(reverse("accounts:resend"), {"username": username}).status_code for _ in range(4)
        ]
        assert statuses == [302, 302, 302, 429], username
    assert cognito_calls["ResendConfirmationCode"] == 6


def test_resend_answers_the_same_for_unknown_and_known_users(signed_up, client):
    known = client.post(reverse("accounts:resend"), {"username": "carol"}, follow=True).content.decode()
    unknown = client.post(reverse("accounts:resend"), {"username": "nobody"}, follow=True).content.decode()
    assert "If an unconfirmed account exists for carol" in known
    assert "If an unconfirmed account exists for nobody" in unknown


def test_resend_get_shows_the_confirm_page(pool, client):
    # A reloaded or followed link, never a blank 405 (issue #13 L5).
    response = client.get(reverse("accounts:resend"))
    assert response.status_code == 302 and response.url == reverse("accounts:confirm")
