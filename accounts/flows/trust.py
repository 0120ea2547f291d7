"""One rule for what a new password ends: other sessions, and the trust placed in remembered browsers.

Used by both the password change (signed in) and the password reset (signed out), so the two can never
drift apart again (issue: a reset dropped remembered browsers while a change did not).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.http import HttpRequest

from accounts import sessions
from accounts.cognito import errors, get_idp
from accounts.models import RememberedDevice, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrustEnded:
    """What ``new_password_ends_trust`` did: portal sessions ended, Cognito devices no longer trusted,
    and whether Cognito could be asked at all (False: the devices are left as they were)."""

    sessions_ended: int
    devices_untrusted: int
    complete: bool


def new_password_ends_trust(
    *,
    user: User | None,
    username: str,
    current_request: HttpRequest | None = None,
    current_device_key: str = "",
) -> TrustEnded:
    """After a new password: end the user's other portal sessions and the browsers the portal remembers.

    ``username`` is the canonical Cognito username (or sub). ``current_request`` is the session that set
    the password (it stays signed in); ``current_device_key`` its device, which is set to not remembered
    rather than forgotten, because the session's refresh token is bound to it. Every other device the
    portal remembered for the user is forgotten in Cognito (AdminForgetDevice) and locally. Devices other
    applications of the pool remembered are theirs to manage and are left alone. A Cognito failure here
    never undoes the password: ``complete`` is then False.
    """
    ended = sessions.end_sessions(user, except_request=current_request) if user is not None else 0
    keys: list[str] = []
    if user is not None:
        records = RememberedDevice.objects.filter(user=user)
        keys = list(records.values_list("device_key", flat=True))
        records.delete()
    idp = get_idp()
    untrusted = 0
    try:
        for key in dict.fromkeys([*keys, current_device_key]):
            if not key:
                continue
            try:
                if key == current_device_key:
                    idp.admin_update_device_status(username, key, remembered=False)
                else:
                    idp.admin_forget_device(username, key)
            except errors.ResourceNotFound:
                continue
            untrusted += 1
    except errors.CognitoError as exc:
        logger.warning("Remembered devices could not all be forgotten after a new password: %s", exc.code)
        return TrustEnded(ended, untrusted, complete=False)
    return TrustEnded(ended, untrusted, complete=True)
