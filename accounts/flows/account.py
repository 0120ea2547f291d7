"""The signed-in user's own account: sign out everywhere, forget devices."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from django.contrib.auth import logout
from django.http import HttpRequest

from accounts import devices, sessions
from accounts.cognito import errors, get_idp
from accounts.models import RememberedDevice
from accounts.signin import state

logger = logging.getLogger(__name__)


def revoke_refresh_token(*, request: HttpRequest, reason: str) -> None:
    """RevokeToken for this session's refresh token, if it has one; a failure is only logged (``reason``
    says when), because the session ends regardless and the token dies with its validity at the latest."""
    tokens = state.load_tokens(request.session)
    if tokens is not None and tokens.refresh_token:
        try:
            get_idp().revoke_token(tokens.refresh_token)
        except errors.CognitoError as exc:
            logger.warning("RevokeToken at %s failed: %s", reason, exc.code or exc.__class__.__name__)


def sign_out_everywhere(*, request: HttpRequest) -> None:
    """GlobalSignOut (every refresh token), then end every portal session of the user, this one too.

    Raises ``CognitoUnavailable`` (nothing changed: the person may try again). Any other refusal means
    the tokens are already dead, so the portal sessions end anyway.
    """
    tokens = state.load_tokens(request.session)
    if tokens is not None:
        try:
            get_idp().global_sign_out(tokens.access_token)
        except errors.CognitoUnavailable:
            raise
        except errors.CognitoError as exc:
            logger.info("GlobalSignOut refused (%s); signing out here anyway.", exc.code)
    user = request.user
    logout(request)
    sessions.end_sessions(user)


@dataclass(frozen=True)
class Forgotten:
    """What ``forget_devices`` did: the keys forgotten, whether one was this browser's, and the device
    cookie's new value (``devices.updated_cookie``: None unchanged, '' delete)."""

    keys: tuple[str, ...]
    this_browser: bool
    cookie: str | None = None


class NotYourDevice(errors.CognitoError):
    """The device key is not one of the signed-in user's devices (or is already forgotten)."""


def forget_devices(*, request: HttpRequest, device_key: str = "", everything: bool = False) -> Forgotten:
    """ForgetDevice for one of the user's devices, or all of them; local records go too.

    A key that is not in the user's device list raises ``NotYourDevice`` and nothing is called.
    Raises ``NotAuthorized`` when the session's tokens are no longer valid, ``CognitoUnavailable`` …
    """
    tokens = state.load_tokens(request.session)
    if tokens is None:
        raise errors.NotAuthorized("no Cognito tokens in this session", code="NoTokens")
    idp = get_idp()
    mine = [device.key for device in idp.all_devices(access_token=tokens.access_token)]
    if everything:
        keys = mine
    elif device_key in mine:
        keys = [device_key]
    else:
        raise NotYourDevice("not one of this user's devices", code="NotYourDevice")
    this = this_browser_device_key(request)
    for key in keys:
        with contextlib.suppress(errors.ResourceNotFound):  # gone already is fine
            idp.forget_device(tokens.access_token, key)
    records = RememberedDevice.objects.filter(user=request.user, device_key__in=keys)
    gone = {str(pk) for pk in records.values_list("pk", flat=True)}
    records.delete()
    stale = [entry for entry in devices.cookie_entries(request) if entry.partition(".")[0] in gone]
    return Forgotten(tuple(keys), bool(this and this in keys), devices.updated_cookie(request, remove=stale))


def this_browser_device_key(request: HttpRequest) -> str:
    """The device key of this browser for the signed-in user: its remembered record, else the device
    the session's sign-in used."""
    record = RememberedDevice.objects.filter(
        pk=devices.cookie_record_id(request, request.user) or None, user=request.user
    ).first()
    if record is not None:
        return record.device_key
    tokens = state.load_tokens(request.session)
    return tokens.device_key if tokens else ""
