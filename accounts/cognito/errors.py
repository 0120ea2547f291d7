"""Domain exceptions for Cognito failures: callers never see a raw botocore ``ClientError``.

Each exception carries the Cognito error code, Cognito's own message (for logs and staff), the AWS request
id, and a ``user_message`` that is safe to show to anyone.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class CognitoError(Exception):
    """Any failure of a Cognito call."""

    default_message = _("Something went wrong while talking to the sign-in service. Please try again.")

    def __init__(self, message: str = "", *, code: str = "", request_id: str = "", operation: str = ""):
        super().__init__(message or code or self.__class__.__name__)
        self.code = code
        self.aws_message = message
        self.request_id = request_id
        self.operation = operation

    @property
    def user_message(self) -> str:
        return str(self.default_message)


class CognitoUnavailable(CognitoError):
    """Throttling, a Cognito-side 5xx, a timeout or no connection: the same call may work later.

    ``outcome_unknown`` tells the two kinds apart. False: the request cannot have been processed
    (throttled, or the connection was never made), so nothing changed. True: the request may have reached
    Cognito and taken effect (a read timeout, a dropped connection, a 5xx), so a write must be read back
    before anyone is told what happened.
    """

    default_message = _("The sign-in service is busy or unreachable right now. Please try again in a minute.")

    def __init__(self, message: str = "", *, outcome_unknown: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.outcome_unknown = outcome_unknown


class NotAuthorized(CognitoError):
    default_message = _("Incorrect username or password.")

    @property
    def user_disabled(self) -> bool:
        return "disabled" in self.aws_message.lower()

    @property
    def session_expired(self) -> bool:
        return "session" in self.aws_message.lower()


class UserNotFound(CognitoError):
    default_message = _("No such user.")


class UsernameExists(CognitoError):
    default_message = _("This username is already taken.")


class AliasExists(CognitoError):
    default_message = _("This email address is already used by another account.")


class InvalidPassword(CognitoError):
    default_message = _("This password does not meet the password rules.")

    @property
    def user_message(self) -> str:
        # Cognito's reason ("Password must have uppercase characters") is safe and useful to show.
        reason = self.aws_message.split(":", 1)[-1].strip()
        return reason if reason else str(self.default_message)


class PasswordHistoryViolation(InvalidPassword):
    default_message = _("You used this password recently. Choose a different one.")

    @property
    def user_message(self) -> str:
        return str(self.default_message)


class InvalidParameter(CognitoError):
    default_message = _("Some of the information given is not valid.")


class InvalidToken(InvalidParameter):
    default_message = _("The page link has expired. Start again from the first page.")


class CodeMismatch(CognitoError):
    default_message = _("That code is not correct. Check it and try again.")


class ExpiredCode(CognitoError):
    default_message = _("That code has expired. Ask for a new one.")


class TooManyFailedAttempts(CognitoError):
    default_message = _("Too many wrong codes. Ask for a new code and try again later.")


class LimitExceeded(CognitoError):
    default_message = _("Too many attempts. Please wait a while before trying again.")


class UserNotConfirmed(CognitoError):
    default_message = _("This account is not confirmed yet. Enter the code we emailed you.")


class PasswordResetRequired(CognitoError):
    default_message = _("You need to reset your password before you can sign in.")


class ResourceNotFound(CognitoError):
    default_message = _("That item no longer exists.")


class CodeDeliveryFailure(CognitoError):
    default_message = _("We could not send the code. Check the address and try again later.")


class SoftwareTokenMfaNotFound(CognitoError):
    default_message = _("Authenticator apps are not enabled for this user pool.")


class EnableSoftwareTokenMfaFailed(CodeMismatch):
    """VerifySoftwareToken's way of saying the code did not match."""


class DeviceKeyExists(CognitoError):
    default_message = _("This device is already remembered.")


class UnsupportedUserState(CognitoError):
    default_message = _("This action does not apply to the user in their current state.")


class TokenRevocationFailed(CognitoError):
    """RevokeToken refused: wrong token type, bad client credentials or revocation disabled."""


class InvalidConfiguration(CognitoError):
    """The pool or app client is set up in a way the portal cannot work with (for operators)."""

    default_message = _("The sign-in service is not configured correctly. Please contact support.")


class Forbidden(CognitoError):
    default_message = _("This request was blocked.")


class LambdaFailure(CognitoError):
    default_message = _("The request was refused by the user pool's custom rules.")


ERROR_CODES: dict[str, type[CognitoError]] = {
    "NotAuthorizedException": NotAuthorized,
    "UserNotFoundException": UserNotFound,
    "UsernameExistsException": UsernameExists,
    "AliasExistsException": AliasExists,
    "InvalidPasswordException": InvalidPassword,
    "PasswordHistoryPolicyViolationException": PasswordHistoryViolation,
    "InvalidParameterException": InvalidParameter,
    "InvalidToken": InvalidToken,
    "CodeMismatchException": CodeMismatch,
    "ExpiredCodeException": ExpiredCode,
    "TooManyFailedAttemptsException": TooManyFailedAttempts,
    "LimitExceededException": LimitExceeded,
    "UserNotConfirmedException": UserNotConfirmed,
    "PasswordResetRequiredException": PasswordResetRequired,
    "ResourceNotFoundException": ResourceNotFound,
    "CodeDeliveryFailureException": CodeDeliveryFailure,
    "SoftwareTokenMFANotFoundException": SoftwareTokenMfaNotFound,
    "EnableSoftwareTokenMFAException": EnableSoftwareTokenMfaFailed,
    "DeviceKeyExistsException": DeviceKeyExists,
    "UnsupportedUserStateException": UnsupportedUserState,
    "UnsupportedTokenTypeException": TokenRevocationFailed,
    "UnauthorizedException": TokenRevocationFailed,
    "UnsupportedOperationException": TokenRevocationFailed,
    "InvalidUserPoolConfigurationException": InvalidConfiguration,
    "InvalidSmsRoleAccessPolicyException": InvalidConfiguration,
    "InvalidSmsRoleTrustRelationshipException": InvalidConfiguration,
    "InvalidEmailRoleAccessPolicyException": InvalidConfiguration,
    "InvalidOAuthFlowException": InvalidConfiguration,
    "ForbiddenException": Forbidden,
    "UserLambdaValidationException": LambdaFailure,
    "InvalidLambdaResponseException": LambdaFailure,
    "UnexpectedLambdaException": LambdaFailure,
    "UserPoolTaggingException": InvalidConfiguration,
    "OperationNotEnabledException": InvalidConfiguration,
    "PreconditionNotMetException": InvalidConfiguration,
    "MFAMethodNotFoundException": InvalidConfiguration,
    "FeatureUnavailableInTierException": InvalidConfiguration,
    # IAM and signing failures of the portal's own AWS credentials (generic AWS JSON-protocol codes).
    "AccessDeniedException": InvalidConfiguration,
    "UnrecognizedClientException": InvalidConfiguration,
    "InvalidSignatureException": InvalidConfiguration,
    "ExpiredTokenException": InvalidConfiguration,
    # The same call may work later: one exception for all of them.
    "TooManyRequestsException": CognitoUnavailable,
    "ThrottlingException": CognitoUnavailable,
    "ConcurrentModificationException": CognitoUnavailable,
    "InternalErrorException": CognitoUnavailable,
    "ServiceUnavailable": CognitoUnavailable,
    "ServiceUnavailableException": CognitoUnavailable,
    "RequestTimeout": CognitoUnavailable,
    "RequestTimeoutException": CognitoUnavailable,
}


def error_for(code: str, message: str, *, status: int = 400, request_id: str = "", operation: str = ""):
    """The domain exception for a Cognito error code (5xx answers are always ``CognitoUnavailable``)."""
    if status >= 500:
        # Cognito failed while handling the request: it may or may not have applied it.
        return CognitoUnavailable(
            message, code=code, request_id=request_id, operation=operation, outcome_unknown=True
        )
    cls = ERROR_CODES.get(code, CognitoError)
    return cls(message, code=code, request_id=request_id, operation=operation)
