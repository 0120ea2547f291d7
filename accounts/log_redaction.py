"""Keeps secrets (passwords, codes, tokens, keys) out of log lines and error reports.

``RedactSecretsFilter`` works on each formatted log message, so it also covers botocore's DEBUG dumps of
request and response bodies (Cognito parameters as JSON inside a bytes repr), and the reprs of a
``QueryDict``, a dict of lists or a list of pairs. ``SecretsExceptionReporterFilter`` hides secret-looking
frame variables and POST fields from Django's error reports, the DEBUG technical 500 page included.
"""

from __future__ import annotations

import logging
import pprint
import re
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

SENSITIVE_KEYS = (
    "Password",
    "PreviousPassword",
    "ProposedPassword",
    "TemporaryPassword",
    "NEW_PASSWORD",
    "PASSWORD",
    "password",
    "old_password",
    "new_password",
    "current_password",
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
    rf"""(?P<head>["']?\b(?:{_keys})\b\\?["']?\s*[:=,]\s*b?)(?P<q>\\?["'])(?P<value>.*?)(?<!\\)(?P=q)"""
)
# One Python or JSON string literal, or a bare token (a code logged as a number).
_ITEM = r"""(?:b?'(?:[^'\\\n]|\\.)*'|b?"(?:[^"\\\n]|\\.)*"|[^\s,'"\[\]()]+)"""
# "Key": ["v1", "v2"]  /  ('Key', ['v'])  /  <QueryDict: {'key': ['v']}>  (lists and tuples of values)
_LISTED = re.compile(
    rf"""(?P<head>["']?\b(?:{_keys})\b["']?\s*[:=,]\s*)"""
    rf"""(?P<body>[\[(]\s*(?:{_ITEM}\s*(?:,\s*{_ITEM}\s*)*,?\s*)?[\])])"""
)
_LIST_ITEM = re.compile(_ITEM)
_BARE = re.compile(rf"""(?P<head>\b(?:{_keys})=)(?P<value>[^&\s,;'"]+)""")
# JWS (3 parts: ID/access tokens) and JWE (5 parts: Cognito refresh tokens).
_JWT = re.compile(r"\beyJ[\w-]{5,}(?:\.[\w-]*){2,4}")


def _redact_items(match: re.Match) -> str:
    body = match["body"]
    inner = _LIST_ITEM.sub(lambda m: _masked(m[0]), body[1:-1])
    return f"{match['head']}{body[0]}{inner}{body[-1]}"


def _masked(item: str) -> str:
    quote = item[-1] if item[-1] in "'\"" else ""  # a string keeps its quotes, a bare token loses all
    return f"{quote}{REDACTED}{quote}"


def redact(text: str) -> str:
    """Return ``text`` with the values of sensitive keys and anything JWT-shaped replaced.

    Keys are matched in JSON, Python reprs (dicts, lists of values, ``(key, value)`` pairs, QueryDicts),
    ``key=value`` query strings and botocore's header dumps.
    """
    text = _LISTED.sub(_redact_items, text)
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


# Names of variables and form fields whose values are never shown in an error report.
SECRET_NAME = re.compile(
    r"pass|pwd|secret|token|code|otp|session|key|signature|salt|verifier|auth|cookie|credential|csrf",
    flags=re.IGNORECASE,
)


class _Shown:
    """A value the technical 500 page prints as the given (already redacted) text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, always on (DEBUG too), hiding anything whose *name* looks secret.

    Frame variables and POST fields named like ``SECRET_NAME`` (password, code, token, session, device
    key …) are replaced by stars; inside other variables, dict keys, QueryDict keys and ``(name, value)``
    pairs are cleansed the same way and any remaining text goes through ``redact``. The
    ``sensitive_variables`` / ``sensitive_post_parameters`` decorators keep working on top.
    """

    def is_active(self, request: HttpRequest | None) -> bool:
        return True  # Django turns its filter off under DEBUG: the technical 500 page is shown then

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        parameters = super().get_post_parameters(request)
        hidden = [name for name in parameters if SECRET_NAME.search(str(name))]
        if not hidden:
            return parameters
        parameters = parameters.copy()
        for name in hidden:
            parameters[name] = self.cleansed_substitute
        return parameters

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        # QUERY_STRING, REQUEST_URI and the like carry GET fields (a code in a link).
        meta = super().get_safe_request_meta(request)
        return {key: redact(value) if isinstance(value, str) else value for key, value in meta.items()}

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_variable(name, value)) for name, value in variables]

    def cleanse_variable(self, name: object, value: Any) -> Any:
        """``value`` as an error report may show it when it is held by a variable or key ``name``."""
        if isinstance(name, str) and SECRET_NAME.search(name):
            return self.cleansed_substitute
        if isinstance(value, MultiValueDict):
            cleansed = value.copy()
            for key in value:
                if SECRET_NAME.search(str(key)):
                    cleansed.setlist(key, [self.cleansed_substitute])
            return cleansed
        if isinstance(value, dict):
            return {key: self.cleanse_variable(key, item) for key, item in value.items()}
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
            return (value[0], self.cleanse_variable(value[0], value[1]))
        if isinstance(value, list | tuple):
            return type(value)(self.cleanse_variable("", item) for item in value)
        try:
            text = value if isinstance(value, str) else pprint.pformat(value)
        except Exception:  # a repr that fails is Django's to report
            return value
        cleaned = redact(text)
        if cleaned == text:
            return value
        return cleaned if isinstance(value, str) else _Shown(cleaned)


class RedactingExceptionReporter(ExceptionReporter):
    """Django's error report with the exception messages, the URL and GET fields redacted as well."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if "exception_value" in data:
            data["exception_value"] = redact(data["exception_value"])
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = redact(str(frame["exc_cause"]))
        if "request_insecure_uri" in data:
            data["request_insecure_uri"] = redact(data["request_insecure_uri"])
        if "request_GET_items" in data and isinstance(self.filter, SecretsExceptionReporterFilter):
            hide = self.filter.cleanse_variable
            data["request_GET_items"] = [
                (name, hide(name, value)) for name, value in data["request_GET_items"]
            ]
        return data
