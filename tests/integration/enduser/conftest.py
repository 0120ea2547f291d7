"""Helpers for the end-user flows: walk sign-up, confirmation and sign-in through Django's test client."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import STRONG_PASSWORD

SECRET_RE = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<')


@pytest.fixture
def pool(cognito, db):
    """The local pool, with DescribeUserPool(Client) already cached (once per process, not a flow's call)."""
    from django.core.cache import cache

    from accounts.cognito import client_description, pool_description

    cache.clear()  # rate-limit counters and used TOTP codes must not leak between tests
    pool_description()
    client_description()
    return cognito


def add_fault(pool, operation: str, error: str, **extra) -> None:
    """Make localcognito fail the next call(s) of ``operation`` with ``error``."""
    import json
    import urllib.request

    body = json.dumps({"operation": operation, "error": error, **extra}).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        pool.server.url + "/_local/faults", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310 (loopback)
        pass


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def page_secret(response) -> str:
    match = SECRET_RE.search(response.content.decode())
    assert match, "no TOTP key on the page"
    return match.group(1).replace(" ", "")


def login_post(client: Client, username: str, password: str = STRONG_PASSWORD, **extra):
    return client.post(reverse("accounts:sign_in"), {"username": username, "password": password}, **extra)


def enrol_via_portal(
    client: Client, username: str, password: str = STRONG_PASSWORD, *, remember=False
) -> str:
    """Sign in for the first time: password, then the MFA setup page; returns the TOTP key."""
    response = login_post(client, username, password)
    assert response.status_code == 302 and response.url == reverse("accounts:mfa_setup"), response
    page = client.get(reverse("accounts:mfa_setup"))
    secret = page_secret(page)
    data = {"code": pyotp.TOTP(secret).now()}
    if remember:
        data["remember_device"] = "on"
    response = client.post(reverse("accounts:mfa_setup"), data)
    assert response.status_code == 302 and response.url == reverse("accounts:home"), response
    return secret


def totp_post(client: Client, secret: str, *, remember: bool = False, step: int = 0, **extra):
    import time

    data = {"code": pyotp.TOTP(secret).at(time.time() + 30 * step)}
    if remember:
        data["remember_device"] = "on"
    return client.post(reverse("accounts:mfa"), data, **extra)


def signed_in_username(client: Client) -> str | None:
    from django.contrib.auth import get_user

    class _Request:
        session = client.session

    user = get_user(_Request())
    return user.get_username() if user.is_authenticated else None
