"""A user's sign-in history for the staff detail page: one AdminListUserAuthEvents page at a time.

Cognito logs sign-in events only in pools with threat protection (the Plus feature plan, AdvancedSecurityMode
AUDIT or ENFORCED); any other pool refuses the call with ``UserPoolAddOnNotEnabledException`` (API reference,
AdminListUserAuthEvents, Errors). That refusal is remembered per pool for ``NO_EVENTS_SECONDS`` so that the
detail page of such a pool does not ask again on every view; the page then says so in one plain line.
Paging is forward only (Cognito's NextToken); the token travels signed, bound to the user's sub.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core import signing
from django.core.cache import cache

from accounts.cognito import errors, get_idp
from accounts.cognito.types import AuthEvent

EVENTS_PER_PAGE = 10
NO_EVENTS_SECONDS = 300
NOT_ENABLED = "UserPoolAddOnNotEnabledException"
PAGE_SALT = "accounts.staff.sign-in-events"


@dataclass
class EventsPage:
    """One page of events. ``not_enabled``: the pool logs none (no threat protection); ``problem``: why the
    events could not be listed this time (Cognito's code), empty when they were."""

    events: list[AuthEvent] = field(default_factory=list)
    next_token: str | None = None
    not_enabled: bool = False
    problem: str = ""


def _refusal_key() -> str:
    return f"accounts.staff.no-auth-events:{get_idp().user_pool_id}"


def events_page(username: str, token: str | None = None, *, limit: int | None = None) -> EventsPage:
    """AdminListUserAuthEvents for ``username`` from Cognito's ``token`` (None: the newest events), ``limit``
    events (default ``EVENTS_PER_PAGE``).

    Never raises for Cognito trouble: the page carries it (``not_enabled`` or ``problem``), because the rest
    of the detail page does not depend on it. No call at all while the pool's refusal is remembered.
    """
    if cache.get(_refusal_key()):
        return EventsPage(not_enabled=True)
    try:
        page = get_idp().admin_list_user_auth_events(
            username, limit=limit or EVENTS_PER_PAGE, next_token=token
        )
    except errors.CognitoError as exc:
        if exc.code == NOT_ENABLED:
            cache.set(_refusal_key(), True, NO_EVENTS_SECONDS)
            return EventsPage(not_enabled=True)
        return EventsPage(problem=exc.code or type(exc).__name__)
    return EventsPage(list(page.items), page.next_token)


def sign_token(sub: str, token: str) -> str:
    """A Cognito NextToken for a page link, signed and bound to the user's sub."""
    return signing.dumps({"s": sub, "t": token}, salt=PAGE_SALT, compress=True)


def read_token(sub: str, value: str) -> str | None:
    """The NextToken in a page link; None when it is forged, damaged or for another user."""
    try:
        data = signing.loads(value, salt=PAGE_SALT)
        return str(data["t"]) if data["s"] == sub else None
    except (signing.BadSignature, KeyError, TypeError):
        return None
