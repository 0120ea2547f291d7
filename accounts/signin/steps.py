"""What a sign-in step tells the view to do next (``Step``), and the ``next`` URL check."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from enum import Enum

from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from accounts import devices

GENERIC_FAILURE = gettext_lazy(
    "Incorrect username or password, or this account can't sign in right now. "
    "Try again or reset your password."
)


class Kind(Enum):
    SIGNED_IN = "signed_in"
    STAGE = "stage"  # go to the page of the next challenge
    FAILED = "failed"  # generic sign-in failure (no enumeration)
    WRONG_CODE = "wrong_code"  # stay on the stage page; the user may try again
    INVALID_INPUT = "invalid_input"  # stay on the stage page: the answer was refused; show why on ``field``
    UNCONFIRMED = "unconfirmed"
    RESET_REQUIRED = "reset_required"
    RESTART = "restart"  # the pending sign-in is gone (expired, too many codes): back to the password
    UNSUPPORTED = "unsupported"
    ALREADY_SUBMITTED = "already_submitted"  # a double submit: the first one is still being answered


@dataclass
class Step:
    """What a view should do next, plus the device cookie's new value.

    ``cookie`` is None when the device cookie stays as it is, '' when it must be deleted, else its new
    value (see ``devices.updated_cookie``). ``field`` names the form field a refusal belongs to.
    """

    kind: Kind
    url: str = ""
    message: str = ""
    challenge: str = ""
    field: str | None = None
    cookie: str | None = None
    code_failed: bool = False  # a wrong code was given (counts against the rate limits)

    def apply_cookies(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return devices.apply_cookie(request, response, self.cookie)


def safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` when it is a path on this site, else ''. Checked again before every redirect.

    Stricter than Django's check alone: only site-relative paths are kept, and the URL must still be
    safe once percent-decoded (``/%09/evil.example`` becomes ``//evil.example`` in a lenient parser).
    """
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    allowed = {request.get_host()}
    secure = request.is_secure()
    decoded = urllib.parse.unquote(url)
    if any(ord(char) < 32 or char == "\\" for char in decoded) or decoded.startswith("//"):
        return ""
    if url_has_allowed_host_and_scheme(
        url, allowed, require_https=secure
    ) and url_has_allowed_host_and_scheme(decoded, allowed, require_https=secure):
        return url
    return ""
