"""The sign-in stages: errors, forged or expired state, next=, session cycling, sign-out."""

from __future__ import annotations

import html
import time

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.signin import state
from tests.conftest import STRONG_PASSWORD
from tests.integration.enduser.conftest import (
    add_fault,
    enrol_via_portal,
    login_post,
    messages_of,
    page_secret,
    signed_in_username,
    totp_post,
)

GENERIC = "Incorrect username or password, or this account can't sign in right now."


@pytest.fixture
def dave(pool, cognito_calls):
    """A user with an authenticator app already set up; the call counter starts at zero."""
    pool.create_user("dave")
    secret = pool.enrol_totp("dave")
    cognito_calls.clear()
    return secret


# -- the password step -------------------------------------------------------------------------------------
def test_wrong_password_and_unknown_user_get_the_same_generic_answer(pool, client):
    pool.create_user("erin")
    wrong = login_post(client, "erin", "Wrong-Horse-42!")
    unknown = login_post(client, "nobody", "Wrong-Horse-42!")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC in html.unescape(wrong.content.decode())
    assert GENERIC in html.unescape(unknown.content.decode())
    assert signed_in_username(client) is None
    assert 'value="erin"' in wrong.content.decode()  # the username stays, the password does not
    assert "Wrong-Horse-42!" not in wrong.content.decode()


def test_a_refused_sign_in_marks_both_fields_and_points_them_at_the_message(pool, client):
    """Issue #13 L9: screen readers hear why; the focus goes to the message, not the username field."""
    import re

    pool.create_user("erin")
    body = login_post(client, "erin", "Wrong-Horse-42!").content.decode()
    alert = re.search(r'<div class="alert alert-danger" role="alert"([^>]*)>', body)
    assert alert and 'id="sign-in-error"' in alert.group(1)
    assert 'tabindex="-1"' in alert.group(1) and "autofocus" in alert.group(1)
    fields = {
        name: re.search(rf'<input[^>]*name="{name}"[^>]*>', body).group(0)
        for name in ("username", "password")
    }
    for name, field in fields.items():
        assert 'aria-invalid="true"' in field and 'aria-describedby="sign-in-error"' in field, name
        assert "autofocus" not in field, name
    assert 'value="erin"' in fields["username"] and "value=" not in fields["password"]
    # A fresh page marks nothing.
    fresh = client.get(reverse("accounts:sign_in")).content.decode()
    assert "aria-invalid" not in fresh and 'id="sign-in-error"' not in fresh


def test_disabled_user_gets_the_generic_answer(pool, client):
    pool.create_user("erin", enabled=False)
    response = login_post(client, "erin")
    assert response.status_code == 200 and GENERIC in html.unescape(response.content.decode())


def test_unconfirmed_user_is_sent_to_the_confirm_page(pool, client):
    client.post(
        reverse("accounts:signup"),
        {
            "username": "fred",
            "email": "f@example.com",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    response = login_post(client, "fred", follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:confirm")
    assert any("not confirmed" in m for m in messages_of(response))


def test_password_reset_required_goes_to_the_reset_page(pool, client):
    pool.create_user("gina")
    pool.admin.admin_reset_user_password(UserPoolId=pool.pool_id, Username="gina")
    response = login_post(client, "gina", follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:password_reset")


def test_cognito_unavailable_at_sign_in_keeps_the_username_and_is_not_a_500(pool, client):
    add_fault(pool, "AdminInitiateAuth", "TooManyRequestsException")
    response = login_post(client, "erin")
    assert response.status_code == 503
    assert 'value="erin"' in response.content.decode()
    assert "try again in a minute" in response.content.decode()


def test_unsupported_challenge_gets_a_clear_page_and_no_half_sign_in(pool, client, monkeypatch):
    from accounts.cognito.idp import CognitoIdentityProvider
    from accounts.cognito.types import Challenge

    monkeypatch.setattr(
        CognitoIdentityProvider, "admin_initiate_auth", lambda self, *a, **k: Challenge("SMS_MFA", "s", {})
    )
    response = login_post(client, "erin")
    assert response.status_code == 200
    assert "not supported here" in response.content.decode()
    assert state.PENDING_KEY not in client.session
    assert signed_in_username(client) is None


# -- new password --------------------------------------------------------------------------------------------
def test_temporary_password_leads_to_new_password_then_mfa_setup(pool, client):
    pool.admin.admin_create_user(
        UserPoolId=pool.pool_id,
        Username="hana",
        TemporaryPassword="Temp-Horse-42!",
        UserAttributes=[
            {"Name": "email", "Value": "h@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    response = login_post(client, "hana", "Temp-Horse-42!")
    assert response.url == reverse("accounts:new_password")
    page = client.get(response.url)
    assert 'id="password-rules"' in page.content.decode()
    response = client.post(response.url, {"new_password1": "weak", "new_password2": "weak"})
    assert "new_password1" in response.context["form"].errors
    response = client.post(
        reverse("accounts:new_password"), {"new_password1": "New-Horse-42!", "new_password2": "New-Horse-42!"}
    )
    assert response.url == reverse("accounts:mfa_setup")
    secret = page_secret(client.get(response.url))
    response = client.post(reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(secret).now()})
    assert response.url == reverse("accounts:home")
    assert signed_in_username(client) == "hana"


# -- MFA setup ---------------------------------------------------------------------------------------------
def test_mfa_setup_page_is_no_store_with_an_inline_svg_qr_and_the_key(pool, client, cognito_calls):
    pool.create_user("ivan")
    login_post(client, "ivan")
    response = client.get(reverse("accounts:mfa_setup"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    page = response.content.decode()
    secret = page_secret(response)
    assert '<div class="qr-code' in page and "<svg" in page
    assert "<img" not in page and "chart.googleapis" not in page
    # Reloading re-shows the same key without asking Cognito again.
    again = client.get(reverse("accounts:mfa_setup"))
    assert page_secret(again) == secret
    assert cognito_calls["AssociateSoftwareToken"] == 1


def test_qr_code_encodes_the_otpauth_uri_with_the_site_as_issuer():
    from accounts.totp import otpauth_uri

    # One format for the web page and cognito_scenario (issue #11: it was written three times).
    assert (
        otpauth_uri("ABC", "ivan", "Acme Portal")
        == "otpauth://totp/Acme%20Portal%3Aivan?secret=ABC&issuer=Acme%20Portal&period=30"
    )


def test_wrong_setup_code_keeps_the_same_key_and_a_right_one_then_signs_in(pool, client):
    pool.create_user("ivan")
    login_post(client, "ivan")
    secret = page_secret(client.get(reverse("accounts:mfa_setup")))
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:mfa_setup"), {"code": wrong})
    assert response.status_code == 200
    assert "not correct" in str(response.context["form"].errors["code"])
    assert page_secret(response) == secret
    response = client.post(reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(secret).now()})
    assert response.url == reverse("accounts:home")


def test_the_totp_key_leaves_the_session_once_verified(pool, client):
    pool.create_user("ivan")
    login_post(client, "ivan")
    secret = page_secret(client.get(reverse("accounts:mfa_setup")))
    assert state.load_pending(client.session).totp_secret == secret
    assert secret not in str(dict(client.session.items()))  # sealed while it waits
    client.post(reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(secret).now()})
    stored = str(dict(client.session.items()))
    assert secret not in stored


# -- TOTP step ----------------------------------------------------------------------------------------------
def test_wrong_totp_code_is_an_error_and_three_send_you_back_to_the_password(pool, client, dave):
    login_post(client, "dave")
    good = int(pyotp.TOTP(dave).now())
    wrongs = [f"{(good + n) % 1000000:06d}" for n in (11, 12, 13)]
    response = client.post(reverse("accounts:mfa"), {"code": wrongs[0]})
    assert response.status_code == 200 and "not correct" in str(response.context["form"].errors["code"])
    client.post(reverse("accounts:mfa"), {"code": wrongs[1]})
    response = client.post(reverse("accounts:mfa"), {"code": wrongs[2]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")
    assert any("Too many wrong codes" in m for m in messages_of(response))
    assert state.PENDING_KEY not in client.session


def test_a_used_totp_code_is_refused_without_asking_cognito(pool, client, dave, cognito_calls):
    code = pyotp.TOTP(dave).at(time.time() + 30)
    login_post(client, "dave")
    client.post(reverse("accounts:mfa"), {"code": code})
    assert signed_in_username(client) == "dave"
    other = Client()
    login_post(other, "dave")
    cognito_calls.clear()
    response = other.post(reverse("accounts:mfa"), {"code": code})
    assert "just been used" in str(response.context["form"].errors["code"])
    assert cognito_calls.total == 0


def test_stage_pages_without_a_pending_sign_in_send_you_to_the_password_step(pool, client, cognito_calls):
    for name in ("mfa", "mfa_setup", "new_password"):
        response = client.post(reverse(f"accounts:{name}"), {"code": "123456"})
        assert response.status_code == 302 and response.url == reverse("accounts:sign_in"), name
    assert cognito_calls.total == 0


def test_stage_page_of_another_challenge_redirects_to_the_current_one(pool, client, dave):
    login_post(client, "dave")
    response = client.get(reverse("accounts:mfa_setup"))
    assert response.url == reverse("accounts:mfa")


def test_posted_username_and_session_are_ignored(pool, client, dave):
    pool.create_user("mallory")
    login_post(client, "dave")
    code = pyotp.TOTP(dave).at(time.time() + 30)
    response = client.post(
        reverse("accounts:mfa"),
        {"code": code, "username": "mallory", "session": "forged", "USERNAME": "mallory", "Session": "x"},
    )
    assert response.url == reverse("accounts:home")
    assert signed_in_username(client) == "dave"


def test_forged_session_string_cannot_be_smuggled_in(pool, client, dave):
    """Only the server writes the pending sign-in: a tampered Cognito Session makes Cognito refuse it."""
    login_post(client, "dave")
    session = client.session
    session[state.PENDING_KEY] = {**session[state.PENDING_KEY], "session": "forged-session-string" * 2}
    session.save()
    response = totp_post(client, dave, step=1, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")
    assert signed_in_username(client) is None


def test_expired_pending_sign_in_goes_back_to_the_password_step_without_a_call(
    pool, client, dave, cognito_calls
):
    login_post(client, "dave")
    session = client.session
    session[state.PENDING_KEY] = {**session[state.PENDING_KEY], "expires_at": time.time() - 1}
    session.save()
    cognito_calls.clear()
    response = totp_post(client, dave, step=1, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")
    assert any("expired" in m for m in messages_of(response))
    assert cognito_calls.total == 0


def test_cognito_expiring_the_challenge_restarts_the_sign_in(pool, client, dave):
    login_post(client, "dave")
    add_fault(
        pool, "AdminRespondToAuthChallenge", "NotAuthorizedException", message="Invalid session for the user."
    )
    response = totp_post(client, dave, step=1, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")


# -- on tokens ----------------------------------------------------------------------------------------------
def test_session_key_cycles_at_sign_in_and_the_old_key_is_anonymous(pool, client, dave):
    login_post(client, "dave")
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf_before = client.cookies.get(settings.CSRF_COOKIE_NAME)
    totp_post(client, dave, step=1)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    if csrf_before is not None:
        assert client.cookies[settings.CSRF_COOKIE_NAME].value != csrf_before.value
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = before
    assert replay.get(reverse("accounts:home")).status_code == 302


def test_tokens_stay_in_the_server_session_only(pool, client, dave):
    login_post(client, "dave")
    response = totp_post(client, dave, step=1)
    tokens = state.load_tokens(client.session)
    assert tokens is not None and tokens.access_token
    raw = str(dict(client.session.items()))
    assert tokens.refresh_token not in raw and tokens.access_token not in raw  # sealed in the session store
    for cookie in response.cookies.values():
        assert tokens.access_token not in cookie.value and tokens.refresh_token not in cookie.value
    home = client.get(reverse("accounts:home")).content.decode()
    assert tokens.access_token not in home and tokens.id_token not in home


def test_mirror_user_is_created_from_the_verified_id_token(pool, client, dave):
    from accounts.models import User

    login_post(client, "dave")
    totp_post(client, dave, step=1)
    user = User.objects.get(username="dave")
    assert user.cognito_sub and user.email == "dave@example.com"
    assert not user.has_usable_password()


@pytest.mark.parametrize(
    "payload",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "/%09/evil.example",
        "https://testserver@evil.example",
    ],
)
def test_next_never_leaves_the_site(pool, client, dave, payload):
    client.get(reverse("accounts:sign_in"), {"next": payload})
    response = client.post(
        reverse("accounts:sign_in"), {"username": "dave", "password": STRONG_PASSWORD, "next": payload}
    )
    response = totp_post(client, dave, step=1)
    assert response.url == reverse("accounts:home")


def test_next_inside_the_site_is_kept_through_every_stage(pool, client, dave):
    page = client.get(reverse("accounts:sign_in"), {"next": "/accounts/devices/"}).content.decode()
    assert 'value="/accounts/devices/"' in page
    client.post(
        reverse("accounts:sign_in"),
        {"username": "dave", "password": STRONG_PASSWORD, "next": "/accounts/devices/"},
    )
    response = totp_post(client, dave, step=1)
    assert response.url == "/accounts/devices/"


def test_signed_in_pages_need_a_finished_sign_in(pool, client, dave):
    login_post(client, "dave")  # password only: no session yet
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:sign_in"))


# -- sign-out -----------------------------------------------------------------------------------------------
def test_logout_get_asks_first_and_signs_nobody_out(pool, client, dave, cognito_calls):
    assert client.get(reverse("accounts:sign_out")).url == reverse("accounts:sign_in")  # nobody to sign out
    login_post(client, "dave")
    totp_post(client, dave, step=1)
    cognito_calls.clear()
    page = client.get(reverse("accounts:sign_out"))
    assert page.status_code == 200 and "Sign out?" in page.content.decode()
    assert f'action="{reverse("accounts:sign_out")}"' in page.content.decode()
    assert signed_in_username(client) == "dave" and cognito_calls.total == 0


def test_logout_revokes_the_refresh_token_and_flushes_the_session(pool, client, dave, cognito_calls):
    login_post(client, "dave")
    totp_post(client, dave, step=1)
    refresh_token = state.load_tokens(client.session).refresh_token
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    cognito_calls.clear()
    response = client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302 and response.url == reverse("accounts:sign_in")
    assert dict(cognito_calls) == {"RevokeToken": 1}
    assert signed_in_username(client) is None
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert replay.get(reverse("accounts:home")).status_code == 302
    with pytest.raises(pool.admin.exceptions.NotAuthorizedException):
        pool.admin.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.settings.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token, "SECRET_HASH": _secret_hash(pool, "dave")},
        )


def _secret_hash(pool, username: str) -> str:
    import base64
    import hashlib
    import hmac

    digest = hmac.new(
        pool.settings.client_secret.encode(), (username + pool.settings.client_id).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def test_logout_survives_cognito_being_down(pool, client, dave):
    login_post(client, "dave")
    totp_post(client, dave, step=1)
    add_fault(pool, "RevokeToken", "InternalErrorException")
    response = client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302
    assert signed_in_username(client) is None


def test_every_form_needs_a_csrf_token(pool):
    csrf_client = Client(enforce_csrf_checks=True)
    names = (
        "sign_in", "signup", "confirm", "resend", "mfa", "mfa_setup", "new_password", "sign_out",
        "password_reset", "password_reset_confirm", "password_change", "devices", "home",
    )  # fmt: skip
    for name in names:
        response = csrf_client.post(reverse(f"accounts:{name}"), {"username": "x", "code": "123456"})
        assert response.status_code == 403, name


def test_sensitive_views_hide_their_post_parameters_from_error_reports(pool, client):
    from django.views.debug import SafeExceptionReporterFilter

    response = login_post(client, "dave", "Canary-Pw-9f3!")
    request = response.wsgi_request
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["password"] != "Canary-Pw-9f3!"
    assert "password" in request.sensitive_post_parameters


def test_enrol_then_sign_in_again_through_the_portal(pool, client):
    pool.create_user("judy")
    secret = enrol_via_portal(client, "judy")
    client.post(reverse("accounts:sign_out"))
    assert login_post(client, "judy").url == reverse("accounts:mfa")
    assert totp_post(client, secret, step=1).url == reverse("accounts:home")


def test_new_password_challenge_needing_profile_attributes_is_not_supported_here(pool, client):
    from localcognito.moto_adapter import bulk_create_users

    # Cognito refuses to create a user without a required attribute (issue #12 row 6): seed one directly.
    bulk_create_users(pool.pool_id, [("noemail", "Temp-Horse-42!", [])], status="FORCE_CHANGE_PASSWORD")
    response = login_post(client, "noemail", "Temp-Horse-42!")
    assert response.status_code == 200 and "not supported here" in response.content.decode()
    assert state.PENDING_KEY not in client.session


def test_signup_confirmed_by_the_pool_goes_straight_to_sign_in(pool, client, monkeypatch):
    from accounts.cognito.idp import CognitoIdentityProvider
    from accounts.cognito.types import SignUpResult

    monkeypatch.setattr(CognitoIdentityProvider, "sign_up", lambda self, *a: SignUpResult("sub", True, None))
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "zed",
            "email": "z@example.com",
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 302 and response.url == reverse("accounts:sign_in")


def test_an_error_report_shows_no_password_or_device_proof_from_the_sign_in_frames(pool, client, monkeypatch):
    """A crash in the middle of device SRP: the report's frame variables keep the secrets masked."""
    import sys

    from django.core.signals import got_request_exception
    from django.views.debug import ExceptionReporter

    from accounts.cognito.idp import CognitoIdentityProvider

    pool.create_user("dave", "Canary-Pw-9f3!")
    secret = pool.enrol_totp("dave", "Canary-Pw-9f3!")
    login_post(client, "dave", "Canary-Pw-9f3!")
    totp_post(client, secret, remember=True, step=1)
    client.post(reverse("accounts:sign_out"))
    original = CognitoIdentityProvider.admin_respond_to_auth_challenge
    seen = {}

    def explode(self, challenge_name, session, username, responses=None):
        if challenge_name == "DEVICE_PASSWORD_VERIFIER":
            seen["proof"] = responses["PASSWORD_CLAIM_SIGNATURE"]
            raise RuntimeError("boom")
        return original(self, challenge_name, session, username, responses)

    monkeypatch.setattr(CognitoIdentityProvider, "admin_respond_to_auth_challenge", explode)
    captured = {}

    def handler(sender, request, **kwargs):
        captured["request"], captured["exc_info"] = request, sys.exc_info()

    got_request_exception.connect(handler)
    try:
        with pytest.raises(RuntimeError):
            login_post(client, "dave", "Canary-Pw-9f3!")
    finally:
        got_request_exception.disconnect(handler)
    data = ExceptionReporter(captured["request"], *captured["exc_info"]).get_traceback_data()
    frames = {frame["function"]: str(frame["vars"]) for frame in data["frames"]}
    assert seen["proof"] in frames["explode"]  # an unprotected frame shows it: the check can fail
    for function in ("start", "_device_srp"):
        assert "Canary-Pw-9f3!" not in frames[function], function
        assert seen["proof"] not in frames[function], function
