"""ListUsers filter strings, built so user input can never change the filter's meaning."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Attributes Cognito can search (standard ones only), and how: prefix (^=) or exact (=).
SEARCH_ATTRIBUTES: dict[str, str] = {
    "username": "^=",
    "email": "^=",
    "phone_number": "^=",
    "name": "^=",
    "given_name": "^=",
    "family_name": "^=",
    "preferred_username": "^=",
    "sub": "=",
}

USER_STATUSES = (
    "UNCONFIRMED",
    "CONFIRMED",
    "FORCE_CHANGE_PASSWORD",
    "RESET_REQUIRED",
    "EXTERNAL_PROVIDER",
    "ARCHIVED",
    "COMPROMISED",
    "UNKNOWN",
)

MAX_FILTER_LENGTH = 256


class FilterError(ValueError):
    """The requested search cannot be expressed as a Cognito filter; the message is user-safe."""


def quote(value: str) -> str:
    """A Cognito filter string literal: backslashes and double quotes escaped, then quoted."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_filter(attribute: str, value: str) -> str:
    """``attribute ^= "value"`` (``=`` for sub), with the value quoted so it cannot end the literal."""
    if attribute not in SEARCH_ATTRIBUTES:
        raise FilterError(
            _("You cannot search by “%(attribute)s”. Choose one of: %(choices)s.")
            % {"attribute": attribute, "choices": ", ".join(SEARCH_ATTRIBUTES)}
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise FilterError(_("The search text contains line breaks or control characters. Remove them."))
    return _checked(f"{attribute} {SEARCH_ATTRIBUTES[attribute]} {quote(value)}")


def status_filter(status: str) -> str:
    status = status.upper()
    if status not in USER_STATUSES:
        raise FilterError(
            _("Unknown user status “%(status)s”. Choose one of: %(choices)s.")
            % {"status": status, "choices": ", ".join(USER_STATUSES)}
        )
    return f'cognito:user_status = "{status}"'


def enabled_filter(enabled: bool) -> str:
    return 'status = "Enabled"' if enabled else 'status = "Disabled"'


def _checked(expression: str) -> str:
    if len(expression) > MAX_FILTER_LENGTH:
        raise FilterError(_("The search text is too long."))
    return expression
