"""Issue #13 (M5, L5, L7): "Send a new code" uses the name typed on the confirm page and keeps what was
typed on every refusal; no end-user URL answers a followed or reloaded link with a blank 405; without
scripts the resend wait says to reload."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from accounts import urls
from tests.conftest import STRONG_PASSWORD
from tests.integration.enduser.conftest import add_fault, login_post, totp_post

SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": STRONG_PASSWORD,
    "password2": STRONG_PASSWORD,
}


def confirm_form(body: str) -> str:
    match = re.search(r'<form[^>]*action="/accounts/confirm/"[^>]*>(.*?)</form>', body, re.DOTALL)
    assert match, "no confirm form"
    return match.group(1)


@pytest.fixture
def carol(pool):
    """carol signed up (in another browser): unconfirmed, with a code in the outbox."""
    assert Client().post(reverse("accounts:signup"), SIGNUP).status_code == 302
    return pool


# -- M5: the typed name ------------------------------------------------------------------------------------
def test_a_fresh_browser_resends_for_the_name_it_typed(carol, client, cognito_calls):
    form = confirm_form(client.get(reverse("accounts:confirm")).content.decode())
    # The visible name field and the resend button travel together; the button needs no code.
    assert 'name="username"' in form
    assert re.search(r'<button[^>]*formaction="/accounts/confirm/resend/"[^>]*formnovalidate', form)
    assert 'type="hidden" name="username"' not in form
    cognito_calls.clear()
    # What the browser sends when "Send a new code" is clicked after typing the name (code left empty).
    response = client.post(reverse("accounts:resend"), {"username": "carol", "code": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:confirm")
    assert dict(cognito_calls) == {"ResendConfirmationCode": 1}
    assert len([m for m in carol.outbox() if m["username"] == "carol"]) == 2
    page = response.content.decode()
    assert "If an unconfirmed account exists for carol" in page
    assert 'value="carol"' in page  # and it stays in the field for the code


def test_a_resend_without_a_name_says_so_on_the_field_and_keeps_the_code(pool, client, cognito_calls):
    response = client.post(reverse("accounts:resend"), {"username": "", "code": "12 34 56"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["Enter your username to get a new code."]
    assert 'value="12 34 56"' in response.content.decode()
    assert cognito_calls.total == 0


def test_a_resend_with_a_bad_name_keeps_what_was_typed(pool, client, cognito_calls):
    response = client.post(reverse("accounts:resend"), {"username": "car ol", "code": "abc"})
    assert response.status_code == 200 and "username" in response.context["form"].errors
    body = response.content.decode()
    assert 'value="car ol"' in body and 'value="abc"' in body
    assert cognito_calls.total == 0


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_email_pools_ask_for_the_email_address(pool, client):
    response = client.post(reverse("accounts:resend"), {"username": ""})
    assert response.context["form"].errors["username"] == ["Enter your email address to get a new code."]


def test_a_resend_too_early_keeps_the_name_and_shows_the_time_left(carol, client, cognito_calls):
    client.post(reverse("accounts:resend"), {"username": "carol"})
    cognito_calls.clear()
    response = client.post(reverse("accounts:resend"), {"username": "carol", "code": "4711"})
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    body = response.content.decode()
    assert 'value="carol"' in body and 'value="4711"' in body
    assert re.search(r'<button[^>]*id="resend-button" disabled>', body)
    assert 'id="resend-wait"' in body
    assert cognito_calls.total == 0


def test_a_resend_cognito_cannot_take_keeps_what_was_typed(carol, client):
    add_fault(carol, "ResendConfirmationCode", "TooManyRequestsException")  # nothing sent
    response = client.post(reverse("accounts:resend"), {"username": "carol", "code": "4711"})
    assert response.status_code in (200, 503)
    body = response.content.decode()
    assert 'value="carol"' in body and 'value="4711"' in body
    assert "sign-in service" in body


# -- L7: no scripts ---------------------------------------------------------------------------------------
def test_the_resend_wait_tells_people_without_scripts_to_reload(carol, client):
    client.post(reverse("accounts:resend"), {"username": "carol"})
    body = client.get(reverse("accounts:confirm")).content.decode()
    noscripts = re.findall(r"<noscript>(.*?)</noscript>", body, re.DOTALL)
    assert any("reload this page to ask for a new code" in text for text in noscripts)


# -- L5: no blank 405 for a followed or reloaded link -------------------------------------------------------
def end_user_paths() -> list[str]:
    paths = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        paths.append(reverse(f"accounts:{pattern.name}"))
    return paths


def test_no_end_user_url_answers_a_get_with_a_blank_405(pool, client):
    pool.create_user("dora")
    secret = pool.enrol_totp("dora")
    signed_in = Client()
    login_post(signed_in, "dora")
    assert totp_post(signed_in, secret, step=1).url == reverse("accounts:home")
    paths = end_user_paths()
    assert reverse("accounts:resend") in paths and len(paths) >= 12
    for browser in (client, signed_in):
        for path in paths:
            response = browser.get(path)
            assert response.status_code in (200, 302), (path, response.status_code)
            assert response.status_code == 302 or response.content.strip(), path
