"""The client's address behind trusted proxies: REMOTE_ADDR from X-Forwarded-For, counted from the right.

Every proxy in front of the portal appends the address it received the request from, so only the last
``TRUSTED_PROXY_COUNT`` entries are written by proxies the operator runs; anything to their left came from
the client and can be forged. With ``TRUSTED_PROXY_COUNT = 0`` (the default without
``DJANGO_BEHIND_PROXY``) the header is ignored and ``REMOTE_ADDR`` is the peer's address. Everything that
reads the client's address (rate limits, the audit trail, the session list) then sees the right one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def client_address(remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The client address: the entry of ``forwarded_for`` written by the outermost trusted proxy.

    ``remote_addr`` when no proxy is trusted, when the header has fewer entries than trusted proxies (a
    request that did not come through them) or when that entry is not an IP address.
    """
    if trusted_proxies <= 0:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        return remote_addr
    candidate = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


class TrustedProxyMiddleware:
    """Sets ``request.META["REMOTE_ADDR"]`` to the client's address (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
        if trusted:
            request.META["REMOTE_ADDR"] = client_address(
                request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""), trusted
            )
        return self.get_response(request)
