"""The local mailbox: what localcognito 'sent' (codes, temporary passwords), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.cognito.outbox import read_local_outbox

# What each kind of message is, as a person reads it (localcognito's outbox names the kind).
KIND_LABELS = {
    "signup": gettext_lazy("Sign-up confirmation code"),
    "forgot_password": gettext_lazy("Password reset code"),
    "admin_reset": gettext_lazy("Password reset code (reset by staff)"),
    "invitation": gettext_lazy("Invitation with a temporary password"),
    "verify_attribute": gettext_lazy("Address verification code"),
}
# Kinds whose codes replace each other: a new reset code ends the previous one, whoever asked for it.
SAME_CODE = {"admin_reset": "forgot_password"}


@dataclass(frozen=True)
class Mail:
    """One message of the outbox as the page shows it.

    ``sent_at`` is an aware datetime in the portal's time zone (None when the outbox gave no usable time);
    ``superseded`` is True when a newer message of the same kind went to the same user of the same pool,
    so this one's code no longer works.
    """

    username: str
    destination: str
    kind: str
    kind_label: str
    sent_at: datetime | None
    code: str
    temporary_password: str
    superseded: bool


def sent_time(value: object) -> datetime | None:
    """localcognito's ISO 8601 time (UTC, microseconds) as an aware datetime in the portal's time zone."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return timezone.localtime(moment).replace(microsecond=0)


def mails(outbox: list[dict]) -> list[Mail]:
    """The outbox (oldest first, as localcognito keeps it) as ``Mail`` rows, newest first."""
    newest_seen: set[tuple[str, str, str]] = set()
    rows = []
    for message in reversed(outbox):
        kind = str(message.get("kind", ""))
        family = SAME_CODE.get(kind, kind)
        key = (str(message.get("pool_id", "")), str(message.get("username", "")), family)
        has_code = bool(message.get("code") or message.get("temporary_password"))
        rows.append(
            Mail(
                username=str(message.get("username", "")),
                destination=str(message.get("destination", "")),
                kind=kind,
                kind_label=str(KIND_LABELS.get(kind, kind)),
                sent_at=sent_time(message.get("time", "")),
                code=str(message.get("code") or ""),
                temporary_password=str(message.get("temporary_password") or ""),
                superseded=has_code and key in newest_seen,
            )
        )
        if has_code:
            newest_seen.add(key)
    return rows


@never_cache
def mailbox(request: HttpRequest) -> HttpResponse:
    """GET /local/mailbox/: the outbox (GET <endpoint>/_local/outbox) newest first; 404 outside local mode."""
    if not settings.LOCAL_COGNITO:
        raise Http404("The mailbox exists only in local mode.")
    try:
        rows = mails(read_local_outbox(timeout=3))
        error = ""
    except OSError as exc:
        rows, error = [], str(exc)
    return render(
        request,
        "mailbox/mailbox.html",
        {"messages_sent": rows, "error": error, "time_zone": timezone.get_current_timezone_name()},
    )
