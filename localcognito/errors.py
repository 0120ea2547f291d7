"""Cognito-shaped JSON errors, raised anywhere in localcognito and written by the WSGI layer."""

from __future__ import annotations

import json


class CognitoError(Exception):
    """An error boto3 turns into ClientError with this exact code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> bytes:
        return json.dumps({"__type": self.code, "message": self.message}).encode()


def invalid(message: str) -> CognitoError:
    return CognitoError("InvalidParameterException", message)


def not_authorized(message: str) -> CognitoError:
    return CognitoError("NotAuthorizedException", message)


def not_found(message: str) -> CognitoError:
    return CognitoError("ResourceNotFoundException", message)


def user_not_found() -> CognitoError:
    return CognitoError("UserNotFoundException", "User does not exist.")


def device_not_found() -> CognitoError:
    return CognitoError("ResourceNotFoundException", "Device does not exist.")
