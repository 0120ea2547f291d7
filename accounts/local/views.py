"""The local mailbox: what localcognito 'sent' (codes, temporary passwords), newest first."""

from __future__ import annotations

import json
import urllib.request

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.cognito.operator import endpoint_is_loopback


def read_outbox() -> list[dict]:
    """The local Cognito's outbox; never asks anything but a loopback endpoint."""
    if not endpoint_is_loopback():
        raise OSError("the Cognito endpoint is not a local one")
    url = settings.COGNITO_ENDPOINT_URL.rstrip("/") + "/_local/outbox"
    with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (loopback only, checked above)
        return json.load(response)


@never_cache
def mailbox(request: HttpRequest) -> HttpResponse:
    if not settings.LOCAL_COGNITO:
        raise Http404("The mailbox exists only in local mode.")
    try:
        messages = list(reversed(read_outbox()))
        error = ""
    except OSError as exc:
        messages, error = [], str(exc)
    return render(request, "local/mailbox.html", {"messages_sent": messages, "error": error})
