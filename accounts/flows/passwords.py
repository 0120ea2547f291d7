"""Password change (signed in) and password reset (with an emailed code)."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts.cognito import errors, get_idp
from accounts.flows.trust import TrustEnded, new_password_ends_trust
from accounts.identity import Identity
from accounts.models import User
from accounts.signin import state

logger = logging.getLogger(__name__)


@sensitive_variables("old_password", "new_password")
def change_password(*, request: HttpRequest, old_password: str, new_password: str) -> TrustEnded:
    """ChangePassword for the signed-in user, then ``new_password_ends_trust`` (this session stays).

    Raises ``NotAuthorized`` (wrong current password, or the session is no longer valid),
    ``InvalidPassword``, ``LimitExceeded``, ``CognitoUnavailable``; ``ValueError`` without tokens.
    """
    tokens = state.load_tokens(request.session)
    if tokens is None:
        raise ValueError("no Cognito tokens in this session")
    get_idp().change_password(tokens.access_token, old_password, new_password)
    return new_password_ends_trust(
        user=request.user,
        username=tokens.username,
        current_request=request,
        current_device_key=tokens.device_key,
    )


def request_reset(*, typed_name: str) -> None:
    """ForgotPassword. Every refusal except an outage is swallowed, so that the page answers the same
    for known and unknown accounts; so is an outage after which the code may have gone out (the page's
    cooldown then stops a second code). Raises ``CognitoUnavailable`` only when nothing was sent."""
    try:
        get_idp().forgot_password(typed_name)
    except errors.CognitoUnavailable as exc:
        if not exc.outcome_unknown:
            raise
        logger.info("ForgotPassword answer lost: the code may have been sent; not sending another.")
    except errors.CognitoError as exc:
        logger.info("ForgotPassword refused (%s); answering as if a code was sent.", exc.code)


@sensitive_variables("code", "new_password")
def confirm_reset(*, typed_name: str, code: str, new_password: str) -> TrustEnded:
    """ConfirmForgotPassword, then end every session and remembered browser of that user.

    ``typed_name`` may be any name the pool accepts (an email in email pools); the user is found by
    AdminGetUser so the right person's sessions and remembered browsers end whatever was typed, and
    Cognito signs them out everywhere too. Raises ``CodeMismatch``, ``ExpiredCode``, ``InvalidPassword``,
    ``LimitExceeded``, ``TooManyFailedAttempts``, ``UserNotFound``, ``NotAuthorized``, ``CognitoUnavailable``.
    """
    idp = get_idp()
    idp.confirm_forgot_password(typed_name, code, new_password)
    try:
        found = idp.admin_get_user(typed_name)
    except errors.CognitoError as exc:
        # The password is changed; the clean-up waits for the user's next sign-in (tokens refresh fails).
        logger.warning("After a password reset the user could not be read back: %s", exc.code)
        return TrustEnded(0, 0, complete=False)
    identity = Identity.from_attributes(found.username, found.attributes)
    user = User.objects.filter(cognito_sub=identity.sub).first() if identity.sub else None
    try:
        idp.admin_user_global_sign_out(found.username)
    except errors.CognitoError as exc:
        logger.warning("After a password reset the global sign-out failed: %s", exc.code)
    return new_password_ends_trust(user=user, username=found.username)
