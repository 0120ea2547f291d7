"""Remember this browser: ConfirmDevice, the cookie and sealed record, device SRP, and clean fall-backs."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts import devices
from accounts.models import RememberedDevice
from accounts.signin import state
from tests.integration.enduser.conftest import (
    add_fault,
    enrol_via_portal,
    login_post,
    signed_in_username,
    totp_post,
)


@pytest.fixture
def kim(pool, cognito_calls):
    pool.create_user("kim")
    secret = pool.enrol_totp("kim")
    cognito_calls.clear()
    return secret


def remember_browser(client: Client, secret: str) -> None:
    assert login_post(client, "kim").url == reverse("accounts:mfa")
    response = totp_post(client, secret, remember=True, step=1)
    assert response.url == reverse("accounts:home")
    client.post(reverse("accounts:sign_out"))


def test_ticking_remember_confirms_the_device_and_sets_a_safe_cookie(pool, client, kim, cognito_calls):
    login_post(client, "kim")
    response = totp_post(client, kim, remember=True, step=1)
    assert dict(cognito_calls) == {
        "AdminInitiateAuth": 1,
        "AdminRespondToAuthChallenge": 1,
        "ConfirmDevice": 1,
        "UpdateDeviceStatus": 1,  # the pool remembers devices only on the user's say-so
    }
    cookie = response.cookies[settings.DEVICE_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] in ("Lax", "Strict")
    assert int(cookie["max-age"]) == settings.DEVICE_COOKIE_AGE
    record = RememberedDevice.objects.get()
    assert record.user.username == "kim"
    remembered = pool.admin.admin_list_devices(UserPoolId=pool.pool_id, Username="kim")["Devices"]
    status = {a["Name"]: a["Value"] for a in remembered[0]["DeviceAttributes"]}
    assert status.get("dev:device_remembered_status") == "remembered"


def test_cookie_is_secure_on_https(pool, kim):
    client = Client()
    login_post(client, "kim", secure=True)
    response = totp_post(client, kim, remember=True, step=1, secure=True)
    assert response.cookies[settings.DEVICE_COOKIE_NAME]["secure"]


def test_next_sign_in_from_the_remembered_browser_needs_no_code_and_three_calls(
    pool, client, kim, cognito_calls
):
    remember_browser(client, kim)
    cognito_calls.clear()
    response = login_post(client, "kim")
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    assert signed_in_username(client) == "kim"
    assert dict(cognito_calls) == {"AdminInitiateAuth": 1, "AdminRespondToAuthChallenge": 2}
    assert RememberedDevice.objects.get().last_used_at is not None
    assert state.load_tokens(client.session).device_key == RememberedDevice.objects.get().device_key


def test_remembered_browser_still_needs_the_right_password(pool, client, kim):
    remember_browser(client, kim)
    response = login_post(client, "kim", "Wrong-Horse-42!")
    assert response.status_code == 200 and signed_in_username(client) is None


def test_without_the_box_nothing_is_remembered(pool, client, kim):
    login_post(client, "kim")
    response = totp_post(client, kim, step=1)
    assert settings.DEVICE_COOKIE_NAME not in response.cookies
    assert not RememberedDevice.objects.exists()


def test_a_device_forgotten_in_cognito_falls_back_to_totp_and_drops_the_record(pool, client, kim):
    remember_browser(client, kim)
    record = RememberedDevice.objects.get()
    pool.admin.admin_forget_device(UserPoolId=pool.pool_id, Username="kim", DeviceKey=record.device_key)
    response = login_post(client, "kim")
    assert response.url == reverse("accounts:mfa")
    assert not RememberedDevice.objects.exists()
    assert response.cookies[settings.DEVICE_COOKIE_NAME].value == ""  # deleted
    assert state.load_pending(client.session).device_key == ""  # the refresh will not send the dead key


def test_a_mismatched_device_secret_falls_back_to_totp(pool, client, kim):
    remember_browser(client, kim)
    record = RememberedDevice.objects.get()
    # Same record and key, but a device password Cognito does not know: the SRP proof fails.
    _record_id, cookie_key = devices._parse_cookie(client.cookies[settings.DEVICE_COOKIE_NAME].value)
    payload = devices.unseal(record, cookie_key)
    record.sealed = devices.seal(
        record.id, record.user_id, record.device_key, cookie_key, {**payload, "device_password": "wrong"}
    )
    record.save()
    response = login_post(client, "kim")
    assert response.url == reverse("accounts:mfa")
    assert not RememberedDevice.objects.exists()


def test_a_tampered_cookie_is_dropped_and_totp_is_asked(pool, client, kim):
    remember_browser(client, kim)
    record_id = str(RememberedDevice.objects.get().pk)
    client.cookies[settings.DEVICE_COOKIE_NAME] = f"{record_id}.{'A' * 43}"
    response = login_post(client, "kim")
    assert response.url == reverse("accounts:mfa")
    assert response.cookies[settings.DEVICE_COOKIE_NAME].value == ""


def test_an_expired_device_is_forgotten_and_totp_is_asked(pool, client, kim, settings):
    remember_browser(client, kim)
    settings.DEVICE_COOKIE_AGE = 0
    response = login_post(client, "kim")
    assert response.url == reverse("accounts:mfa")
    assert not RememberedDevice.objects.exists()
    assert pool.admin.admin_list_devices(UserPoolId=pool.pool_id, Username="kim")["Devices"] == []


def test_another_users_cookie_is_ignored_and_kept(pool, client, kim):
    remember_browser(client, kim)
    pool.create_user("lee")
    lee = pool.enrol_totp("lee")
    response = login_post(client, "lee")
    assert response.url == reverse("accounts:mfa")
    assert settings.DEVICE_COOKIE_NAME not in response.cookies  # kim's cookie is left alone
    assert RememberedDevice.objects.count() == 1
    assert totp_post(client, lee, step=1).url == reverse("accounts:home")


def test_neither_the_database_nor_the_cookie_alone_reveals_the_device_password(pool, client, kim):
    login_post(client, "kim")
    totp_post(client, kim, remember=True, step=1)
    record = RememberedDevice.objects.get()
    _record_id, cookie_key = devices._parse_cookie(client.cookies[settings.DEVICE_COOKIE_NAME].value)
    payload = devices.unseal(record, cookie_key)
    assert payload["device_password"] not in record.sealed
    assert payload["device_password"] not in client.cookies[settings.DEVICE_COOKIE_NAME].value
    with pytest.raises(InvalidTag):
        devices.unseal(record, bytes(32))
    record.device_key = record.device_key + "x"  # moving the sealed blob to another device breaks it
    with pytest.raises(InvalidTag):
        devices.unseal(record, cookie_key)


def test_remember_failure_still_signs_in_with_a_warning(pool, client, kim):
    login_post(client, "kim")
    add_fault(pool, "ConfirmDevice", "InternalErrorException")
    response = totp_post(client, kim, remember=True, step=1, follow=True)
    assert signed_in_username(client) == "kim"
    assert "could not remember this browser" in response.content.decode()
    assert not RememberedDevice.objects.exists()


# -- the devices page ---------------------------------------------------------------------------------------
def test_devices_page_lists_devices_and_marks_this_browser(pool, client, kim, cognito_calls):
    remember_browser(client, kim)
    login_post(client, "kim")
    cognito_calls.clear()
    response = client.get(reverse("accounts:devices"))
    assert dict(cognito_calls) == {"ListDevices": 1}
    page = response.content.decode()
    assert "this-browser" in page and "This browser" in page
    assert "127.0.0.1" in page
    assert "no-store" in response["Cache-Control"]


def test_forgetting_this_browser_forgets_it_in_cognito_locally_and_in_the_cookie(
    pool, client, kim, cognito_calls
):
    remember_browser(client, kim)
    login_post(client, "kim")
    key = RememberedDevice.objects.get().device_key
    cognito_calls.clear()
    response = client.post(reverse("accounts:devices"), {"device_key": key})
    assert response.status_code == 302
    assert cognito_calls["ForgetDevice"] == 1
    assert not RememberedDevice.objects.exists()
    assert response.cookies[settings.DEVICE_COOKIE_NAME].value == ""
    assert pool.admin.admin_list_devices(UserPoolId=pool.pool_id, Username="kim")["Devices"] == []


def test_forget_all_devices(pool, client):
    pool.create_user("kim")
    secret = enrol_via_portal(client, "kim", remember=True)  # first browser, remembered at MFA set-up
    other = Client()
    login_post(other, "kim")
    totp_post(other, secret, remember=True, step=1)
    assert RememberedDevice.objects.count() == 2
    response = other.post(reverse("accounts:devices"), {"all": "1"}, follow=True)
    assert "All your devices are forgotten" in response.content.decode()
    assert not RememberedDevice.objects.exists()
    assert pool.admin.admin_list_devices(UserPoolId=pool.pool_id, Username="kim")["Devices"] == []


def test_first_sign_in_with_mfa_setup_and_remember_stays_within_budget(pool, client, cognito_calls):
    pool.create_user("kim")
    enrol_via_portal(client, "kim", remember=True)
    assert cognito_calls.total == 4 + 2
    assert dict(cognito_calls)["ConfirmDevice"] == 1
    client.post(reverse("accounts:sign_out"))
    cognito_calls.clear()
    assert login_post(client, "kim").url == reverse("accounts:home")
    assert cognito_calls.total == 3


def test_devices_page_needs_sign_in(pool, client):
    assert client.get(reverse("accounts:devices")).status_code == 302
    assert client.post(reverse("accounts:devices"), {"all": "1"}).status_code == 302


def test_a_device_no_longer_remembered_asks_for_the_code_then_answers_the_device_challenge(
    pool, client, cognito_calls
):
    pool.create_user("kim")
    secret = enrol_via_portal(client, "kim", remember=True)
    client.post(reverse("accounts:sign_out"))
    key = RememberedDevice.objects.get().device_key
    pool.admin.admin_update_device_status(
        UserPoolId=pool.pool_id, Username="kim", DeviceKey=key, DeviceRememberedStatus="not_remembered"
    )
    cognito_calls.clear()
    assert login_post(client, "kim").url == reverse("accounts:mfa")  # staff took the trust away
    response = totp_post(client, secret, step=1)
    assert response.url == reverse("accounts:home")
    assert signed_in_username(client) == "kim"
    assert dict(cognito_calls) == {"AdminInitiateAuth": 1, "AdminRespondToAuthChallenge": 3}
    assert state.load_tokens(client.session).device_key == key
