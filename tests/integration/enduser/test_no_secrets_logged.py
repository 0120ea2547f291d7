"""Passwords, codes, TOTP keys, tokens and device secrets never reach the portal's own logs."""

from __future__ import annotations

import logging

import pyotp
from django.conf import settings
from django.urls import reverse

from accounts import devices
from accounts.models import RememberedDevice
from accounts.signin import state
from tests.integration.enduser.conftest import login_post, page_secret, totp_post

CANARY_PASSWORD = "Canary-Pw-9f3!x"


def test_sign_in_flows_log_no_secrets(pool, client, caplog):
    caplog.set_level(logging.DEBUG, logger="accounts")
    pool.create_user("vic", CANARY_PASSWORD)
    login_post(client, "vic", "Wrong-Canary-1!")  # a failure is logged without the password
    login_post(client, "vic", CANARY_PASSWORD)
    secret = page_secret(client.get(reverse("accounts:mfa_setup")))
    setup_code = pyotp.TOTP(secret).now()
    client.post(reverse("accounts:mfa_setup"), {"code": setup_code, "remember_device": "on"})
    tokens = state.load_tokens(client.session)
    record = RememberedDevice.objects.get()
    _id, cookie_key = devices._parse_cookie(client.cookies[settings.DEVICE_COOKIE_NAME].value)
    device_password = devices.unseal(record, cookie_key)["device_password"]
    client.post(reverse("accounts:sign_out"))
    login_post(client, "vic", CANARY_PASSWORD)  # device SRP
    client.post(reverse("accounts:sign_out"))
    client.post(reverse("accounts:password_reset"), {"username": "vic"})
    reset_code = pool.last_code("vic")
    client.post(
        reverse("accounts:password_reset_confirm"),
        {
            "username": "vic",
            "code": reset_code,
            "new_password1": "Canary-New-7!x",
            "new_password2": "Canary-New-7!x",
        },
    )
    login_post(client, "vic", "Canary-New-7!x")
    totp_post(client, secret, step=1)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # the flows above do log (failures, device handling)
    for secret_value in (
        CANARY_PASSWORD,
        "Wrong-Canary-1!",
        "Canary-New-7!x",
        secret,
        setup_code,
        reset_code,
        tokens.access_token,
        tokens.refresh_token,
        tokens.id_token,
        device_password,
    ):
        assert secret_value not in logged
