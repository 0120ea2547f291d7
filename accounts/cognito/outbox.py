"""The local Cognito's outbox, for the mailbox page and the scenario: only ever read from this machine."""

from __future__ import annotations

import ipaddress
import json
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings


def endpoint_is_loopback(endpoint_url: str | None = None) -> bool:
    """True when the configured Cognito endpoint is on this machine (a local Cognito, never AWS)."""
    url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
    if not url:
        return False
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost: it could resolve anywhere
        return False


def read_local_outbox(endpoint_url: str | None = None, *, timeout: float = 5.0) -> list[dict]:
    """localcognito's outbox (GET /_local/outbox), oldest first; raises OSError when unreadable.

    Refuses any endpoint that is not on this machine: the outbox exists only in a local Cognito.
    """
    url = settings.COGNITO_ENDPOINT_URL if endpoint_url is None else endpoint_url
    if not endpoint_is_loopback(url):
        raise OSError("the Cognito endpoint is not a local one")
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_local/outbox", timeout=timeout) as response:  # noqa: S310 (loopback, checked above)
            return json.load(response)
    except ValueError as exc:  # not JSON: not a localcognito
        raise OSError(f"the outbox answer is not JSON: {exc}") from exc
