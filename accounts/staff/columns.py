"""Optional columns of the user list and its CSV export, chosen per staff member (kept in their session).

Given name, family name and phone number come with ListUsers. Groups and MFA do not: each needs one call per
user (AdminListGroupsForUser; AdminGetUser for ``UserMFASettingList``), so they are fetched only when chosen,
concurrently, one page of users at a time (``Extras``), and a user whose call failed shows "?" instead of
failing the page. Those calls count against Cognito's per-account quotas (UserResourceRead and UserRead).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from itertools import islice

from django.http import HttpRequest
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
