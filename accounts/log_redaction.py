"""A logging filter that removes secrets (passwords, codes, tokens, keys) from every log line.

It works on the formatted message, so it also covers botocore's DEBUG dumps of request and response
bodies, which carry Cognito parameters as JSON inside a bytes repr.
"""

import logging
import re

SENSITIVE_KEYS = (
    "Password",
    "PreviousPassword",
    "ProposedPassword",
    "TemporaryPassword",
    "NEW_PASSWORD",
    "PASSWORD",
    "password",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "ConfirmationCode",
    "Code",
    "code",
    "UserCode",
    "SOFTWARE_TOKEN_MFA_CODE",
    "SMS_MFA_CODE",
    "EMAIL_OTP_CODE",
    "SMS_OTP_CODE",
    "SecretHash",
    "SECRET_HASH",
    "ClientSecret",
    "client_secret",
    "AccessToken",
    "IdToken",
    "RefreshToken",
    "access_token",
    "id_token",
    "refresh_token",
    "temporary_password",
    "REFRESH_TOKEN",
    "Token",
    "Session",
    "SecretCode",
    "secret",
    "PasswordVerifier",
    "Salt",
    "DEVICE_PASSWORD",
    "device_password",
    "PASSWORD_CLAIM_SIGNATURE",
    "Authorization",
    "X-Amz-Security-Token",
)

REDACTED = "***"

_keys = "|".join(re.escape(key) for key in sorted(SENSITIVE_KEYS, key=len, reverse=True))
# "Key": "value"  /  'Key': 'value'  /  'Key': b'value'  /  Key=value  (JSON, Python reprs, botocore's
# header dumps, which print values as bytes, JSON inside JSON with escaped quotes, query strings)
_QUOTED = re.compile(
    rf"""(?P<head>["']?\b(?:{_keys})\b\\?["']?\s*[:=]\s*b?)(?P<q>\\?["'])(?P<value>.*?)(?<!\\)(?P=q)"""
)
_BARE = re.compile(rf"""(?P<head>\b(?:{_keys})=)(?P<value>[^&\s,;'"]+)""")
# JWS (3 parts: ID/access tokens) and JWE (5 parts: Cognito refresh tokens).
_JWT = re.compile(r"\beyJ[\w-]{5,}(?:\.[\w-]*){2,4}")


def redact(text: str) -> str:
    """Return ``text`` with the values of sensitive keys and anything JWT-shaped replaced."""
    text = _QUOTED.sub(lambda m: f"{m['head']}{m['q']}{REDACTED}{m['q']}", text)
    text = _BARE.sub(lambda m: f"{m['head']}{REDACTED}", text)
    return _JWT.sub(REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites each record's message with secrets redacted; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
