"""Sessions that really end, and what a new password ends (issues #10 and #11), end to end."""

from __future__ import annotations

import time

import pyotp
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.middleware import LOGIN_AT_KEY, SEEN_AT_KEY
from accounts.models import RememberedDevice, UserSession
from tests.conftest import STRONG_PASSWORD
from tests.integration.enduser.conftest import (
    enrol_via_portal,
    login_post,
    messages_of,
    signed_in_username,
    totp_post,
)
from tests.integration.staff.conftest import inject_fault

NEW_PASSWORD = "Another-Horse-43?"


def two_browsers(pool) -> tuple[Client, Client, str]:
    """Nina signed in (remembered) on browser one and signed in on browser two; returns both and her key."""
    pool.create_user("nina")
    first = Client()
    secret = enrol_via_portal(first, "nina", remember=True)
    second = Client()
    login_post(second, "nina")
    assert totp_post(second, secret, step=1).url == reverse("accounts:home")
    return first, second, secret


def test_password_change_signs_out_other_browsers_and_forgets_remembered_ones(pool):
    first, second, _secret = two_browsers(pool)
    key = RememberedDevice.objects.get().device_key
    response = second.post(
        reverse("accounts:password_change"),
        {"old_password": STRONG_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "other sessions are signed out" in " ".join(messages_of(response))
    assert signed_in_username(second) == "nina"  # this browser stays signed in
    assert signed_in_username(first) is None  # the other one is signed out at once
    assert not RememberedDevice.objects.exists()
    devices = pool.admin.admin_list_devices(UserPoolId=pool.pool_id, Username="nina")["Devices"]
    assert key not in {d["DeviceKey"] for d in devices}  # forgotten in Cognito too
    assert login_post(first, "nina", NEW_PASSWORD).url == reverse("accounts:mfa")  # the code is asked again


def test_password_reset_ends_every_session_and_remembered_browser(pool):
    first, second, _secret = two_browsers(pool)
    anonymous = Client()
    anonymous.post(reverse("accounts:password_reset"), {"username": "NINA@example.com"})
    response = anonymous.post(
        reverse("accounts:password_reset_confirm"),
        {
            "username": "NINA@example.com",  # the alias, in another case
            "code": pool.last_code("nina", "forgot_password"),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.url == reverse("accounts:sign_in")
    assert signed_in_username(first) is None and signed_in_username(second) is None
    assert not RememberedDevice.objects.exists() and not UserSession.objects.exists()


def test_an_idle_session_ends(pool, client, settings):
    settings.SESSION_IDLE_SECONDS = 60
    pool.create_user("omar")
    enrol_via_portal(client, "omar")
    session = client.session
    session[SEEN_AT_KEY] = time.time() - 120
    session.save()
    response = client.get(reverse("accounts:home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:sign_in"))
    assert "away for a while" in response.content.decode()
    assert signed_in_username(client) is None


def test_a_session_older_than_the_absolute_limit_ends_however_busy(pool, client):
    pool.create_user("omar")
    enrol_via_portal(client, "omar")
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - 9 * 3600
    session[SEEN_AT_KEY] = time.time()
    session.save()
    response = client.get(reverse("accounts:home"), follow=True)
    assert "signed in for a long time" in response.content.decode()
    assert signed_in_username(client) is None


def test_sign_out_clears_the_site_cache_and_storage_but_not_the_remembered_browser(pool, client):
    pool.create_user("pia")
    enrol_via_portal(client, "pia", remember=True)
    response = client.post(reverse("accounts:sign_out"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.cookies[settings.DEVICE_COOKIE_NAME].value  # kept: the person chose to remember it


def test_sign_out_everywhere_clears_this_browsers_site_data_too(pool, client):
    pool.create_user("pia")
    enrol_via_portal(client, "pia")
    response = client.post(reverse("accounts:home"), {"action": "sign_out_everywhere"})
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_forgetting_a_device_that_is_not_yours_says_so(pool, client):
    pool.create_user("pia")
    enrol_via_portal(client, "pia")
    response = client.post(
        reverse("accounts:devices"),
        {"device_key": "us-east-1_00000000-0000-0000-0000-000000000000"},
        follow=True,
    )
    assert "not one of yours" in " ".join(messages_of(response))


def test_a_forged_cookie_entry_never_deletes_the_victims_record(pool, client):
    pool.create_user("vic")
    victim = Client()
    enrol_via_portal(victim, "vic", remember=True)
    record = RememberedDevice.objects.get()
    attacker = Client()
    attacker.cookies[settings.DEVICE_COOKIE_NAME] = f"{record.pk}.{'A' * 43}"
    response = login_post(attacker, "vic", "Wrong-Password-1!")
    assert response.status_code == 200
    assert RememberedDevice.objects.filter(pk=record.pk).exists()


def test_a_double_submitted_code_leaves_the_first_sign_in_standing(pool, client, cognito_calls):
    pool.create_user("dan")
    secret = pool.enrol_totp("dan")
    login_post(client, "dan")
    cognito_calls.clear()
    session_before = client.cookies[settings.SESSION_COOKIE_NAME].value
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = session_before
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert client.post(reverse("accounts:mfa"), {"code": code}).url == reverse("accounts:home")
    # The same form again from the old session (a double click that arrived later): no second answer.
    again = replay.post(reverse("accounts:mfa"), {"code": code})
    assert again.status_code == 302
    assert signed_in_username(client) == "dan"
    assert cognito_calls["AdminRespondToAuthChallenge"] == 1, dict(cognito_calls)


def test_sign_up_whose_answer_was_lost_is_told_honestly_and_a_retry_is_not_taken(pool, client, settings):
    settings.COGNITO_READ_TIMEOUT = 0.5
    inject_fault(pool, operation="SignUp", delay=1.0)  # Cognito applies it after the portal gave up
    data = {
        "username": "tess",
        "email": "tess@example.com",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    response = client.post(reverse("accounts:signup"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:confirm")
    assert "cannot tell yet whether your account was created" in response.content.decode()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # wait for the late sign-up to land (a poll, not a timed assertion)
        try:
            pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username="tess")
            break
        except pool.admin.exceptions.UserNotFoundException:
            time.sleep(0.05)
    again = client.post(reverse("accounts:signup"), data, follow=True)  # the person tries again
    assert again.redirect_chain[-1][0] == reverse("accounts:confirm")  # not "this username is taken"
    assert "waiting for its confirmation code" in again.content.decode()


def test_a_common_password_is_refused_before_cognito_with_the_reason(pool, client, cognito_calls):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "una",
            "email": "una@example.com",
            "password1": "Password123!",
            "password2": "Password123!",
        },
    )
    assert response.status_code == 200
    assert "too common" in str(response.context["form"].errors["password1"])
    assert cognito_calls.total == 0
