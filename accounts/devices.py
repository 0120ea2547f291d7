"""Remembered devices: the browser cookie, the sealed database record, and reading them back (DESIGN §3).

The cookie holds the record id and a random 256-bit key. The record holds the device group key and the
device password sealed with AES-GCM under a key derived from the cookie key and the site's SECRET_KEY, with
the record id, user and device key as associated data. The database alone, or the cookie alone, does not
reveal the device password, and a record cannot be moved to another user or device.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import RememberedDevice, User

logger = logging.getLogger(__name__)

_INFO = b"portal-remembered-device-v1"


@dataclass(frozen=True)
class DeviceSecret:
    """What device SRP needs; lives only in memory for the length of one request."""

    record_id: str
    device_key: str
    device_group_key: str
    device_password: str

    def __repr__(self) -> str:
        return f"DeviceSecret(record_id={self.record_id!r})"


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aead(cookie_key: bytes) -> AESGCM:
    # SECRET_KEY acts as a pepper: a stolen database plus a stolen cookie still needs the server's key.
    salt = settings.SECRET_KEY.encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO).derive(cookie_key)
    return AESGCM(key)


def _aad(record_id: uuid.UUID | str, user_id: int, device_key: str) -> bytes:
    return f"{record_id}|{user_id}|{device_key}".encode()


def seal(record_id: uuid.UUID, user_id: int, device_key: str, cookie_key: bytes, payload: dict) -> str:
    nonce = os.urandom(12)
    ciphertext = _aead(cookie_key).encrypt(
        nonce, json.dumps(payload).encode(), _aad(record_id, user_id, device_key)
    )
    return _b64e(nonce + ciphertext)


def unseal(record: RememberedDevice, cookie_key: bytes) -> dict:
    """The sealed payload; raises ``InvalidTag`` when the key, record or ciphertext does not match."""
    blob = _b64d(record.sealed)
    plain = _aead(cookie_key).decrypt(
        blob[:12], blob[12:], _aad(record.id, record.user_id, record.device_key)
    )
    return json.loads(plain)


def remember(user: User, device_key: str, device_group_key: str, device_password: str) -> tuple[str, str]:
    """Store a new remembered device for ``user``; returns (record id, cookie value)."""
    RememberedDevice.objects.filter(user=user, device_key=device_key).delete()
    record_id = uuid.uuid4()
    cookie_key = secrets.token_bytes(32)
    sealed = seal(
        record_id,
        user.pk,
        device_key,
        cookie_key,
        {"device_group_key": device_group_key, "device_password": device_password},
    )
    RememberedDevice.objects.create(id=record_id, user=user, device_key=device_key, sealed=sealed)
    return str(record_id), f"{record_id}.{_b64e(cookie_key)}"


def _parse_cookie(value: str) -> tuple[uuid.UUID, bytes] | None:
    record_part, _, key_part = value.partition(".")
    try:
        record_id = uuid.UUID(record_part)
        cookie_key = _b64d(key_part)
    except (ValueError, binascii.Error):
        return None
    return (record_id, cookie_key) if len(cookie_key) == 32 else None


def cookie_record_id(request: HttpRequest) -> str:
    """The record id named by this browser's device cookie ('' without a well-formed cookie)."""
    parsed = _parse_cookie(request.COOKIES.get(settings.DEVICE_COOKIE_NAME, ""))
    return str(parsed[0]) if parsed else ""


def is_expired(record: RememberedDevice) -> bool:
    return record.created_at < timezone.now() - timedelta(seconds=settings.DEVICE_COOKIE_AGE)


@dataclass
class CookieDevice:
    """The outcome of reading this browser's cookie for a sign-in by ``username``."""

    secret: DeviceSecret | None = None
    stale: bool = False  # the cookie points at nothing usable: drop the cookie
    expired_record: RememberedDevice | None = None  # past its trust period: forget it in Cognito too


def device_for_sign_in(request: HttpRequest, username: str) -> CookieDevice:
    """The remembered device this browser holds for ``username``, if any.

    A cookie that belongs to another user is ignored (and kept: it is theirs, and saying so would reveal
    who else signs in from this browser). A cookie whose record is gone or does not decrypt is stale.
    """
    raw = request.COOKIES.get(settings.DEVICE_COOKIE_NAME)
    if not raw:
        return CookieDevice()
    parsed = _parse_cookie(raw)
    if parsed is None:
        return CookieDevice(stale=True)
    record_id, cookie_key = parsed
    record = RememberedDevice.objects.select_related("user").filter(pk=record_id).first()
    if record is None:
        return CookieDevice(stale=True)
    if record.user.username.casefold() != username.casefold():
        return CookieDevice()
    if is_expired(record):
        return CookieDevice(stale=True, expired_record=record)
    try:
        payload = unseal(record, cookie_key)
    except (InvalidTag, ValueError, binascii.Error):
        logger.warning("Remembered-device record %s did not decrypt; dropping it.", record.pk)
        record.delete()
        return CookieDevice(stale=True)
    return CookieDevice(
        secret=DeviceSecret(
            record_id=str(record.pk),
            device_key=record.device_key,
            device_group_key=payload["device_group_key"],
            device_password=payload["device_password"],
        )
    )


def mark_used(record_id: str) -> None:
    RememberedDevice.objects.filter(pk=record_id).update(last_used_at=timezone.now())


def drop(record_id: str) -> None:
    RememberedDevice.objects.filter(pk=record_id).delete()


def set_cookie(response: HttpResponse, value: str, *, secure: bool) -> None:
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        value,
        max_age=settings.DEVICE_COOKIE_AGE,
        httponly=True,
        secure=secure or not settings.DEBUG,
        samesite="Lax",
        path="/",
    )


def delete_cookie(response: HttpResponse) -> None:
    response.delete_cookie(settings.DEVICE_COOKIE_NAME, path="/", samesite="Lax")


def device_name(request: HttpRequest) -> str:
    """A short human name for this browser, from its User-Agent (shown in the device list)."""
    agent = request.headers.get("User-Agent", "")
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if token in agent
        ),
        "Browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("Linux", "Linux"),
            )
            if token in agent
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser
