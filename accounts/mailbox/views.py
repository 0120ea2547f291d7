"""The local mailbox: what localcognito 'sent' (codes, temporary passwords), newest first."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.cognito.outbox import read_local_outbox


@never_cache
def mailbox(request: HttpRequest) -> HttpResponse:
    if not settings.LOCAL_COGNITO:
        raise Http404("The mailbox exists only in local mode.")
    try:
        messages = list(reversed(read_local_outbox(timeout=3)))
        error = ""
    except OSError as exc:
        messages, error = [], str(exc)
    return render(request, "mailbox/mailbox.html", {"messages_sent": messages, "error": error})
