"""Optional columns of the user list and its CSV export, chosen per staff member (kept in their session).

Given name, family name and phone number come with ListUsers. Groups and MFA do not: each needs one call per
user (AdminListGroupsForUser; AdminGetUser for ``UserMFASettingList``), so they are fetched only when chosen,
concurrently, one page of users at a time (``Extras``), and a user whose call failed shows "?" instead of
failing the page. Those calls count against Cognito's per-account quotas (UserResourceRead and UserRead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import islice

from django.http import HttpRequest
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _

from accounts.cognito import get_idp
from accounts.cognito.types import CognitoUser

OPTIONAL_COLUMNS = {
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "phone_number": _("Phone number"),
    "groups": _("Groups"),
    "mfa": _("MFA"),
}
NEEDS_CALLS = ("groups", "mfa")
SESSION_KEY = "accounts.staff.columns"
UNKNOWN = "?"


def chosen(request: HttpRequest) -> list[str]:
    """The staff member's optional columns: from the query string when they set them (``set_columns``),
    then remembered in their session; in ``OPTIONAL_COLUMNS`` order."""
    if "set_columns" in request.GET:
        wanted = set(request.GET.getlist("columns"))
        request.session[SESSION_KEY] = [name for name in OPTIONAL_COLUMNS if name in wanted]
    stored = request.session.get(SESSION_KEY) or []
    return [name for name in OPTIONAL_COLUMNS if name in stored]


def parse(values: Iterable[str]) -> list[str]:
    """Column names given by an operator (``--columns``); ``ValueError`` names an unknown one."""
    wanted = [value.strip() for value in values if value.strip()]
    unknown = [value for value in wanted if value not in OPTIONAL_COLUMNS]
    if unknown:
        raise ValueError(", ".join(unknown))
    return [name for name in OPTIONAL_COLUMNS if name in wanted]


def _groups(username: str) -> str:
    return ", ".join(group.name for group in get_idp().admin_list_groups_for_user(username))


def _mfa(username: str) -> str:
    user = get_idp().admin_get_user(username)
    return ", ".join(user.mfa_settings)


class Extras:
    """The call-backed cells (groups, MFA) of the users being shown or exported, one page at a time.

    ``failed`` counts cells that could not be read (shown as "?"). Raises nothing for Cognito trouble, so a
    throttled call costs a cell, not the page.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = [name for name in columns if name in NEEDS_CALLS]
        self.cells: dict[str, dict[str, str]] = {}
        self.failed = 0

    def load(self, users: Sequence[CognitoUser]) -> None:
        """Fetch the cells of ``users`` concurrently (replacing the previous page's)."""
        from accounts.staff.selectors import pool

        self.cells = {}
        if not self.columns:
            return
        readers = {"groups": _groups, "mfa": _mfa}
        futures: list[tuple[str, str, Future[str]]] = [
            (user.sub, column, pool().submit(readers[column], user.username))
            for user in users
            for column in self.columns
        ]
        for sub, column, future in futures:
            if future.exception() is not None:  # a CognitoError (throttled, gone …): this cell only
                self.failed += 1
                cell = UNKNOWN
            else:
                cell = future.result()
            self.cells.setdefault(sub, {})[column] = cell

    def get(self, user: CognitoUser) -> dict[str, str]:
        """The cells of one user of the loaded page (empty when none were asked for)."""
        return self.cells.get(user.sub, {})

    def paged(self, users: Iterable[CognitoUser], *, page_size: int = 60) -> Iterator[CognitoUser]:
        """``users`` again, with each page's cells loaded before its users are yielded (constant memory);
        without call-backed columns, ``users`` unchanged (nothing read ahead)."""
        if not self.columns:
            yield from users
            return
        iterator = iter(users)
        while page := list(islice(iterator, page_size)):
            self.load(page)
            yield from page


def value(user: CognitoUser, column: str, extras: dict[str, str]) -> str:
    """One optional cell: an attribute, or a call-backed cell from ``extras``."""
    if column in NEEDS_CALLS:
        return extras.get(column, "")
    return user.attributes.get(column, "")


# The list's short names of Cognito's MFA methods (UserMFASettingList); the full name stays in a title
# and for screen readers, and the CSV keeps the full names.
MFA_SHORT = {"SOFTWARE_TOKEN_MFA": "TOTP", "SMS_MFA": "SMS", "EMAIL_OTP": "Email"}


@dataclass(frozen=True)
class Cell:
    """One optional cell on the list page: ``text`` to show, and ``full`` when ``text`` abbreviates it."""

    column: str
    text: str
    full: str = ""


# E.164 country calling codes of one and two digits (ITU-T E.164 assignments; every other code has three).
# The codes are prefix-free, so the first match is the code.
# fmt: off
_COUNTRY_CODES = frozenset(str(code) for code in (
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57,
    58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
))
# fmt: on
E164 = re.compile(r"\+[0-9]{4,15}")


def phone_breakable(number: str) -> str:
    """An E.164 number escaped, with a ``<wbr>`` after its country code (+49<wbr>1701234567), so a narrow
    column may wrap it there and nowhere else; any other value as it is (escaped)."""
    if not E164.fullmatch(number):
        return escape(number)
    digits = number[1:]
    size = next((length for length in (1, 2) if digits[:length] in _COUNTRY_CODES), 3)
    return format_html("+{}<wbr>{}", digits[:size], digits[size:])


def cell(user: CognitoUser, column: str, extras: dict[str, str]) -> Cell:
    """``value`` for the list page: MFA methods by their short names (TOTP, SMS, Email), phone numbers that
    may wrap after their country code."""
    text = value(user, column, extras)
    if column == "phone_number" and text:
        return Cell(column, phone_breakable(text))
    if column != "mfa" or text in ("", UNKNOWN):
        return Cell(column, text)
    methods = [method.strip() for method in text.split(",")]
    short = ", ".join(MFA_SHORT.get(method, method) for method in methods)
    return Cell(column, short, text if short != text else "")
