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
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

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
    cookie_entry: str = ""
    user_sub: str = ""  # the record's user, to check before dropping it

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


# A browser may remember several accounts: the cookie holds one "<record id>.<key>" entry per account,
# separated by "~" (a character neither part uses), newest last, at most MAX_ENTRIES.
ENTRY_SEPARATOR = "~"
MAX_ENTRIES = 5


def remember(user: User, device_key: str, device_group_key: str, device_password: str) -> tuple[str, str]:
    """Store a new remembered device for ``user``; returns (record id, cookie entry "<id>.<key>")."""
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
    """One cookie entry "<record id>.<key>" → (record id, 32-byte key), or None when malformed."""
    record_part, _, key_part = value.partition(".")
    try:
        record_id = uuid.UUID(record_part)
        cookie_key = _b64d(key_part)
    except (ValueError, binascii.Error):
        return None
    return (record_id, cookie_key) if len(cookie_key) == 32 else None


def cookie_entries(request: HttpRequest) -> list[str]:
    """The raw entries of this browser's device cookie (possibly malformed), oldest first."""
    raw = request.COOKIES.get(settings.DEVICE_COOKIE_NAME, "")
    return [entry for entry in raw.split(ENTRY_SEPARATOR) if entry][-MAX_ENTRIES * 2 :]


def cookie_record_ids(request: HttpRequest) -> list[str]:
    """The record ids named by well-formed entries of this browser's device cookie."""
    return [str(parsed[0]) for entry in cookie_entries(request) if (parsed := _parse_cookie(entry))]


def cookie_record_id(request: HttpRequest, user: User | None = None) -> str:
    """The record id this browser holds for ``user`` ('' when none; any user's newest when not given)."""
    ids = cookie_record_ids(request)
    if user is None:
        return ids[-1] if ids else ""
    mine = set(RememberedDevice.objects.filter(pk__in=ids, user=user).values_list("pk", flat=True))
    return next((record_id for record_id in reversed(ids) if uuid.UUID(record_id) in mine), "")


def is_expired(record: RememberedDevice) -> bool:
    return record.created_at < timezone.now() - timedelta(seconds=settings.DEVICE_COOKIE_AGE)


@dataclass
class CookieDevice:
    """The outcome of reading this browser's cookie for a sign-in by a typed name.

    ``stale`` lists cookie entries to remove (malformed, gone, not decrypting, expired); entries of other
    accounts are never listed: they are theirs, and touching them would reveal who else signs in here.
    """

    secret: DeviceSecret | None = None
    stale: list[str] = field(default_factory=list)
    expired_record: RememberedDevice | None = None  # past its trust period: forget it in Cognito too


def _match(record: RememberedDevice, typed_name: str) -> int | None:
    """How ``typed_name`` finds the record's user: 0 by the username, 1 by another sign-in name (an alias,
    or the email in an email-as-username pool), None not at all — under the pool's rules (DESIGN §8).

    Cognito looks a name up as a username first, so a username match wins over an alias match."""
    from accounts.cognito import errors, pool_description
    from accounts.identity import same_name

    try:
        pool = pool_description()
    except errors.CognitoError:
        return 0 if record.user.username == typed_name else None  # no pool rules to hand: exact only
    identity = record.user.identity
    if same_name(typed_name, identity.username, pool):
        return 0
    return 1 if identity.answers_to(typed_name, pool) else None


def device_for_sign_in(request: HttpRequest, typed_name: str) -> CookieDevice:
    """The remembered device this browser holds for the account ``typed_name`` names, if any.

    A record is used only when the typed name resolves to the record's user (username first, then an alias
    the pool accepts, under the pool's case rule). Another account's record is ignored and left intact, and
    a record is never deleted because of what a cookie says: a forged or damaged entry only leaves the
    cookie.
    """
    result = CookieDevice()
    parsed: list[tuple[str, uuid.UUID, bytes]] = []
    for entry in cookie_entries(request):
        value = _parse_cookie(entry)
        if value is None:
            result.stale.append(entry)
        else:
            parsed.append((entry, *value))
    records = RememberedDevice.objects.select_related("user").in_bulk(
        [record_id for _, record_id, _ in parsed]
    )
    candidates: list[tuple[int, int, str, RememberedDevice, bytes]] = []
    for position, (entry, record_id, cookie_key) in enumerate(parsed):
        record = records.get(record_id)
        if record is None:
            result.stale.append(entry)
            continue
        match = _match(record, typed_name) if record.user.is_active else None
        if match is not None:
            candidates.append((match, -position, entry, record, cookie_key))  # newest first within a match
    if not candidates:
        return result
    _match_kind, _position, entry, record, cookie_key = min(candidates, key=lambda c: (c[0], c[1]))
    if is_expired(record):
        result.stale.append(entry)
        result.expired_record = record
        return result
    try:
        payload = unseal(record, cookie_key)
    except (InvalidTag, ValueError, binascii.Error):
        logger.warning("A remembered-device cookie entry for record %s did not decrypt.", record.pk)
        result.stale.append(entry)
        return result
    result.secret = DeviceSecret(
        record_id=str(record.pk),
        device_key=record.device_key,
        device_group_key=payload["device_group_key"],
        device_password=payload["device_password"],
        cookie_entry=entry,
        user_sub=record.user.cognito_sub or "",
    )
    return result


def mark_used(record_id: str) -> None:
    RememberedDevice.objects.filter(pk=record_id).update(last_used_at=timezone.now())


def drop(record_id: str) -> None:
    RememberedDevice.objects.filter(pk=record_id).delete()


def updated_cookie(request: HttpRequest, *, remove: list[str] = (), add: str = "") -> str | None:
    """The cookie value after removing ``remove`` entries and appending ``add``; None when unchanged.

    '' means the cookie should be deleted. Entries of the account being added are replaced by the caller
    (``remove``), so one browser keeps one entry per account.
    """
    entries = cookie_entries(request)
    kept = [entry for entry in entries if entry not in set(remove)]
    if add:
        kept.append(add)
    kept = kept[-MAX_ENTRIES:]
    if kept == entries:
        return None
    return ENTRY_SEPARATOR.join(kept)


def set_cookie(response: HttpResponse, value: str, *, secure: bool) -> None:
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        value,
        max_age=settings.DEVICE_COOKIE_AGE,
        httponly=True,
        secure=secure or not settings.DEBUG,
        # Strict: the cookie is only ever read by the sign-in form's own (same-site) POST.
        samesite="Strict",
        path="/",
    )


def delete_cookie(response: HttpResponse) -> None:
    response.delete_cookie(settings.DEVICE_COOKIE_NAME, path="/", samesite="Strict")


def apply_cookie(request: HttpRequest, response: HttpResponse, value: str | None) -> HttpResponse:
    """Write ``updated_cookie``'s result: None leaves the cookie, '' deletes it, else sets it."""
    if value is None:
        return response
    if value:
        set_cookie(response, value, secure=request.is_secure())
    else:
        delete_cookie(response)
    return response


def device_name(request: HttpRequest) -> str:
    """A short human name for this browser, from its User-Agent, in the request's language ("Chrome on
    Linux", "Chrome unter Linux"): ConfirmDevice stores it in Cognito as the device name, so it is built
    in the person's language when the device is remembered; names already stored stay as they are."""
    agent = request.headers.get("User-Agent", "")
    # Product and system names are the same in every language; only the sentence around them is not.
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
        "",
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
    browser = browser or _("Browser")
    if not system:
        return browser
    return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
