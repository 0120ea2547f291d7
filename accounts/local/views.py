"""The local mailbox: what localcognito 'sent' (codes, temporary passwords), newest first."""

from __future__ import annotations

import json
import urllib.request

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def read_outbox() -> list[dict]:
    url = settings.COGNITO_ENDPOINT_URL.rstrip("/") + "/_local/outbox"
    if not url.startswith(("http://127.", "http://localhost")):
        return []
    with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (loopback only, checked above)
        return json.load(response)


@never_cache
def mailbox(request: HttpRequest) -> HttpResponse:
    try:
        messages = list(reversed(read_outbox()))
        error = ""
    except OSError as exc:
        messages, error = [], str(exc)
    return render(request, "local/mailbox.html", {"messages_sent": messages, "error": error})
