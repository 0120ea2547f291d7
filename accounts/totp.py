"""The authenticator key as people see it: the ``otpauth://`` URI, its QR code (SVG or terminal) and groups.

One place for all of them, so the web page, the account's security page and ``cognito_scenario`` show the
same thing. The QR code is drawn here, never by a third-party service: the key must not leave the server.
"""

from __future__ import annotations

import io
import time
from urllib.parse import quote

TOTP_PERIOD = 30  # seconds per code (Cognito's software tokens: RFC 6238, SHA-1, 6 digits, 30 s)
TOTP_DIGITS = 6


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    """The key URI authenticator apps read (Google Authenticator's Key Uri Format).

    ``account`` is the name shown in the app (the person's sign-in name), ``issuer`` the site's name.
    """
    # Defaults (SHA-1, 6 digits) are what Cognito uses, so only the period is spelled out.
    label = quote(f"{issuer}:{account}", safe="")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer, safe='')}&period={TOTP_PERIOD}"


def qr_svg(data: str) -> str:
    """The QR code as inline SVG markup (an ``<svg>`` element with a path), for pages."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    markup = image.to_string(encoding="unicode")
    return markup[markup.index("<svg") :]


def qr_text(data: str) -> str:
    """The QR code drawn with block characters for a terminal (dark modules on a light quiet zone)."""
    import qrcode

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(data)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()


def grouped(secret: str) -> str:
    """The key in groups of four characters, for typing by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def seconds_left_in_window(now: float | None = None) -> int:
    """Seconds until the authenticator app shows the next code (1-30)."""
    now = time.time() if now is None else now
    return TOTP_PERIOD - int(now) % TOTP_PERIOD
