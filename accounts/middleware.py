"""Keeps a signed-in user's Cognito tokens fresh, and signs the user out when Cognito says no.

When the access token is about to expire, the refresh token gets a new one (REFRESH_TOKEN_AUTH, with the
remembered device's key when the sign-in used one, because Cognito binds refresh tokens to the device).
The new ID token re-applies the user's roles, so a removal from a Cognito group takes effect within one
access-token lifetime. A refused refresh (revoked, user disabled or deleted) signs the user out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.cognito import errors, get_idp
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


def _sign_out(request: HttpRequest) -> bool:
    logout(request)
    # This middleware runs before the messages middleware, so the notice waits in the (new, empty)
    # session until the sign-in page shows it.
    request.session[NOTICE_KEY] = _("Your session has ended. Please sign in again.")
    return False


class CognitoSessionMiddleware:
    """Runs after authentication: refresh the tokens of signed-in users when they are due."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            refresh_tokens(request)
        return self.get_response(request)
