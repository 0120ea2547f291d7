"""The one user query of the staff list, the CSV export and ``cognito_users list|export``.

Cognito's ListUsers takes one filter per call (ListUsersInGroup takes none), so a ``UserQuery`` knows which
filters were asked for, which one it applies (the first of search, status, enabled, group) and which it
leaves out. The web list says so in a message; the command refuses a second filter. ``Trail`` is the signed
trail of Cognito's forward-only pagination tokens behind the list's "Previous" link.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from accounts.cognito import filters, get_idp
from accounts.cognito.types import CognitoUser, Page
from accounts.staff import merged

FILTER_KINDS = ("search", "status", "enabled", "group")
DEFAULT_PAGE_SIZE = 50


def email_is_username() -> bool:
    """True in email-as-username pools (DescribeUserPool, cached); False when Cognito cannot say."""
    from accounts.cognito import errors, pool_description
    from accounts.cognito.descriptions import SIGN_IN_EMAIL

    try:
        return pool_description().sign_in == SIGN_IN_EMAIL
    except errors.CognitoError:
        return False


def default_attribute() -> str:
    """The attribute searched when a link gives none (or one the list does not offer): "username or
    email" (``merged``), except in email-as-username pools, where the username is a generated id and
    the combined search is not offered: email."""
    return "email" if email_is_username() else merged.MERGED_ATTRIBUTE


@dataclass(frozen=True)
class UserQuery:
    """What was asked for: ``q`` in attribute ``attr``, a ``status``, ``enabled`` users, a ``group``."""

    q: str = ""
    attr: str = "username"
    status: str = ""
    enabled: bool | None = None
    group: str = ""
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> UserQuery:
        """From ``UserSearchForm.cleaned_data`` (the list's query string); no attribute, or one the form
        refused, searches ``default_attribute()``."""
        enabled = {"true": True, "false": False}.get(data.get("enabled") or "")
        return cls(
            q=data.get("q") or "",
            attr=data.get("attr") or default_attribute(),
            status=data.get("status") or "",
            enabled=enabled,
            group=data.get("group") or "",
            page_size=data.get("page_size") or DEFAULT_PAGE_SIZE,
        )

    @property
    def requested(self) -> list[str]:
        given = {
            "search": bool(self.q),
            "status": bool(self.status),
            "enabled": self.enabled is not None,
            "group": bool(self.group),
        }
        return [kind for kind in FILTER_KINDS if given[kind]]

    @property
    def applied(self) -> str | None:
        requested = self.requested
        return requested[0] if requested else None

    @property
    def ignored(self) -> list[str]:
        return self.requested[1:]

    @property
    def merged(self) -> bool:
        """The combined "username or email" search (two ListUsers queries, ``merged``)."""
        return self.applied == "search" and self.attr == merged.MERGED_ATTRIBUTE

    def describe(self, kind: str | None = None) -> str:
        """The filter in words ("status is CONFIRMED", "all users"): pages, prompts and the audit log."""
        kind = kind or self.applied
        if kind == "search" and self.attr == merged.MERGED_ATTRIBUTE:
            return _("username or email starts with “%(value)s”") % {"value": self.q}
        if kind == "search":
            how = _("is") if filters.SEARCH_ATTRIBUTES.get(self.attr) == "=" else _("starts with")
            return _("%(attribute)s %(how)s “%(value)s”") % {
                "attribute": self.attr,
                "how": how,
                "value": self.q,
            }
        if kind == "status":
            return _("status is %(status)s") % {"status": self.status.upper()}
        if kind == "enabled":
            return _("enabled users only") if self.enabled else _("disabled users only")
        if kind == "group":
            return _("members of the group “%(group)s”") % {"group": self.group}
        return _("all users")

    def cognito_filter(self) -> str:
        """The ListUsers filter of the applied filter (raises ``filters.FilterError`` for bad input); for
        the merged search, both filters joined by `` | `` (a key, never sent as one filter)."""
        if self.merged:
            return " | ".join(filters.search_filter(name, self.q) for name in merged.STREAMS)
        if self.applied == "search":
            return filters.search_filter(self.attr, self.q)
        if self.applied == "status":
            return filters.status_filter(self.status)
        if self.applied == "enabled":
            return filters.enabled_filter(bool(self.enabled))
        return ""

    def trail_key(self) -> str:
        """Pagination tokens belong to one filter: a trail is only valid for the same one."""
        if self.merged:
            return f"merged:{self.cognito_filter()}"
        return f"group:{self.group}" if self.applied == "group" else f"filter:{self.cognito_filter()}"

    def fetch_page(self, token: str | None) -> Page[CognitoUser]:
        """One Cognito call: ListUsers, or ListUsersInGroup for the group filter; the merged search makes
        one ListUsers call per stream, together (``merged.fetch_page``)."""
        idp = get_idp()
        if self.merged:
            return merged.fetch_page(self.q, token, self.page_size)
        if self.applied == "group":
            return idp.list_users_in_group(self.group, limit=self.page_size, next_token=token)
        return idp.list_users(filter=self.cognito_filter(), limit=self.page_size, pagination_token=token)

    def iter_users(self, *, page_size: int | None = None) -> Iterator[CognitoUser]:
        """Every matching user, fetched lazily one page (60 unless ``page_size``) at a time."""
        idp = get_idp()
        size = page_size or 60
        if self.merged:
            return merged.iter_users(self.q, page_size=size)
        if self.applied == "group":
            return idp.iter_users_in_group(self.group, page_size=size)
        return idp.iter_users(filter=self.cognito_filter(), page_size=size)


# -- the signed trail of pagination tokens ---------------------------------------------------------------
TRAIL_SALT = "accounts.staff.user-list.trail"
# Cognito tokens are long; keep URLs well under common 8 KB limits. Older pages stay reachable via "first".
MAX_TRAIL = 10


@dataclass(frozen=True)
class Trail:
    """The Cognito tokens that fetched the pages after the first (``offset`` older ones were dropped)."""

    tokens: tuple[str, ...] = ()
    offset: int = 0

    @property
    def page_number(self) -> int:
        return self.offset + len(self.tokens) + 1

    @property
    def token(self) -> str | None:
        return self.tokens[-1] if self.tokens else None

    def forward(self, next_token: str) -> Trail:
        tokens, offset = (*self.tokens, next_token), self.offset
        if len(tokens) > MAX_TRAIL:
            tokens, offset = tokens[1:], offset + 1
        return Trail(tokens, offset)

    def back(self) -> Trail | None:
        """The previous page's trail, or None when it fell out of the kept window."""
        if not self.tokens:
            return None
        if len(self.tokens) == 1 and self.offset:
            return None
        return Trail(self.tokens[:-1], self.offset)

    def sign(self, query: UserQuery) -> str:
        return signing.dumps(
            {"k": query.trail_key(), "t": list(self.tokens), "o": self.offset}, salt=TRAIL_SALT, compress=True
        )

    @classmethod
    def read(cls, value: str, query: UserQuery) -> Trail | None:
        """The trail in a ``page_token`` parameter; None if forged, damaged or for another filter."""
        try:
            data = signing.loads(value, salt=TRAIL_SALT)
            if data["k"] != query.trail_key():
                return None
            tokens = tuple(str(token) for token in data["t"])
            return cls(tokens, max(0, int(data["o"])))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None
