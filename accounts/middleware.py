"""Keeps a signed-in user's Cognito tokens fresh, ends sessions that are idle or too old, and signs the
user out when Cognito says no.

Timeouts (settings, seconds): ``SESSION_IDLE_SECONDS`` (default 1800) since the last request, and
``SESSION_ABSOLUTE_SECONDS`` (default 28800, 8 hours) since the sign-in, however busy the session is.

When the access token is about to expire, the refresh token gets a new one (REFRESH_TOKEN_AUTH, with the
remembered device's key when the sign-in used one, because Cognito binds refresh tokens to the device).
The new ID token re-applies the user's roles, so a removal from a Cognito group takes effect within one
access-token lifetime. A refused refresh (revoked, user disabled or deleted) signs the user out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.cognito import errors, get_idp
from accounts.flows.account import revoke_refresh_token
from accounts.signin import state

logger = logging.getLogger(__name__)


def refresh_tokens(request: HttpRequest) -> bool:
    """Refresh the session's tokens if they are due; False when the user had to be signed out."""
    tokens = state.load_tokens(request.session)
    if tokens is None or not tokens.access_expired:
        return True
    if not tokens.refresh_token:
        return _sign_out(request)
    from accounts.backends import verified_claims
    from accounts.roles import apply_groups

    try:
        fresh = get_idp().admin_refresh_tokens(
            tokens.refresh_token, username=tokens.username, device_key=tokens.device_key or None
        )
    except errors.CognitoUnavailable:
        # Cognito is briefly unreachable: keep the session and try again on the next request rather than
        # signing everybody out during an outage. Pages that need Cognito say it is unavailable.
        logger.warning("Token refresh postponed: Cognito unavailable.")
        return True
    except errors.CognitoError as exc:
        logger.info("Token refresh refused (%s); signing the user out.", exc.code or exc.__class__.__name__)
        return _sign_out(request)
    claims = verified_claims(fresh.id_token)
    if claims is None or str(claims.get("sub")) != (request.user.cognito_sub or ""):
        return _sign_out(request)
    apply_groups(request.user, claims.get("cognito:groups") or [])
    state.store_tokens(request.session, tokens.username, fresh)
    return True


NOTICE_KEY = "accounts.notice"
LOGIN_AT_KEY = "accounts.login_at"  # epoch seconds of the sign-in (written by accounts.sessions)
SEEN_AT_KEY = "accounts.seen_at"  # epoch seconds of the last request, written at most once a minute
SEEN_RESOLUTION = 60


def idle_seconds() -> int:
    return int(getattr(settings, "SESSION_IDLE_SECONDS", 1800))


def absolute_seconds() -> int:
    return int(getattr(settings, "SESSION_ABSOLUTE_SECONDS", 8 * 3600))


def _sign_out(request: HttpRequest, notice: str | None = None) -> bool:
    logout(request)
    # This middleware runs before the messages middleware, so the notice waits in the (new, empty)
    # session until the sign-in page shows it.
    request.session[NOTICE_KEY] = notice or _("Your session has ended. Please sign in again.")
    return False


def enforce_timeouts(request: HttpRequest) -> bool:
    """End the session when idle or too old (revoking its refresh token first); False when ended."""
    now = time.time()
    login_at = request.session.get(LOGIN_AT_KEY)
    seen_at = request.session.get(SEEN_AT_KEY, login_at)
    if isinstance(login_at, (int, float)) and now - login_at > absolute_seconds():
        revoke_refresh_token(request=request, reason="session timeout")
        return _sign_out(
            request, _("You were signed in for a long time, so your session has ended. Please sign in again.")
        )
    if isinstance(seen_at, (int, float)) and now - seen_at > idle_seconds():
        revoke_refresh_token(request=request, reason="session timeout")
        return _sign_out(
            request, _("You were away for a while, so your session has ended. Please sign in again.")
        )
    if not isinstance(seen_at, (int, float)) or now - seen_at >= SEEN_RESOLUTION:
        request.session[SEEN_AT_KEY] = now
    return True


class CognitoSessionMiddleware:
    """Runs after authentication: refresh the tokens of signed-in users when they are due."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and enforce_timeouts(request):
            refresh_tokens(request)
        return self.get_response(request)
