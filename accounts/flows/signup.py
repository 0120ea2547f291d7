"""Sign-up, confirmation and resending the code, with honest outcomes after a timeout.

A SignUp or ConfirmSignUp whose answer never arrived may still have taken effect in Cognito. Instead of
saying "try again" (and then "username taken" on the retry), the flow reads the user back (AdminGetUser)
and reports what is true (issue: outcomes reported wrongly after timeouts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.views.decorators.debug import sensitive_variables

from accounts.cognito import errors, get_idp

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedUp:
    """The outcome of a sign-up: ``confirmed`` when a pre sign-up trigger confirmed the account already;
    ``unknown`` when Cognito's answer was lost and reading back could not tell whether it was created
    (it may still be processed: the person is told to watch for the code)."""

    confirmed: bool = False
    read_back: bool = False  # the answer was lost and the account was found by reading it back
    unknown: bool = False


@sensitive_variables("password")
def sign_up(*, name: str, email: str, password: str) -> SignedUp:
    """SignUp; after an unknown outcome, AdminGetUser tells whether this very account now exists.

    The read-back accepts an UNCONFIRMED user with the same email created by this request's name; any
    other state re-raises the original ``CognitoUnavailable``. Raises ``UsernameExists``,
    ``InvalidPassword``, ``InvalidParameter``, ``CognitoUnavailable`` …
    """
    idp = get_idp()
    try:
        result = idp.sign_up(name, password, {"email": email})
    except errors.CognitoUnavailable as exc:
        if not exc.outcome_unknown:
            raise
        if waiting_for_confirmation(name=name, email=email):
            logger.info("SignUp answer lost, but the account exists: reporting it as created.")
            return SignedUp(read_back=True)
        logger.info("SignUp answer lost and the account is not there (yet): outcome unknown.")
        return SignedUp(unknown=True)
    return SignedUp(confirmed=result.confirmed)


def waiting_for_confirmation(*, name: str, email: str) -> bool:
    """True when ``name`` is an UNCONFIRMED account with this email (AdminGetUser): a sign-up that
    already happened, e.g. one whose answer was lost. False when not, or when Cognito cannot say."""
    try:
        found = get_idp().admin_get_user(name)
    except errors.CognitoError:
        return False
    return found.status == "UNCONFIRMED" and bool(found.email) and _same_email(found.email, email)


def _same_email(first: str, second: str) -> bool:
    return first.strip().lower() == second.strip().lower()


def confirm_sign_up(*, name: str, code: str) -> None:
    """ConfirmSignUp; after an unknown outcome the user's status is read back (CONFIRMED = done)."""
    idp = get_idp()
    try:
        idp.confirm_sign_up(name, code)
    except errors.CognitoUnavailable as exc:
        if not exc.outcome_unknown:
            raise
        try:
            found = idp.admin_get_user(name)
        except errors.CognitoError:
            raise exc from None
        if found.status != "CONFIRMED":
            raise


def resend_code(*, name: str) -> None:
    """ResendConfirmationCode. Refusals other than an outage are swallowed so the page answers the same
    for every name; raises ``CognitoUnavailable`` (check ``outcome_unknown`` before offering a retry)."""
    try:
        get_idp().resend_confirmation_code(name)
    except errors.CognitoUnavailable:
        raise
    except errors.CognitoError as exc:
        logger.info("ResendConfirmationCode refused (%s); answering as if a code was sent.", exc.code)
