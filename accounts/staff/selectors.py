"""Reads for the staff pages: the user list query, its signed page trail, and the user detail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from accounts.cognito import errors, filters, get_idp
from accounts.cognito.types import CognitoUser, Device, Group, Page
from accounts.staff.forms import DEFAULT_PAGE_SIZE

FILTER_KINDS = ("search", "status", "enabled", "group")


@dataclass(frozen=True)
class UserQuery:
    """What the staff asked the list for. Cognito applies one filter per call, so only the first counts."""

    q: str = ""
    attr: str = "username"
    status: str = ""
    enabled: bool | None = None
    group: str = ""
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> UserQuery:
        enabled = {"true": True, "false": False}.get(data.get("enabled") or "")
        return cls(
            q=data.get("q") or "",
            attr=data.get("attr") or "username",
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

    def describe(self, kind: str | None = None) -> str:
        kind = kind or self.applied
        if kind == "search":
            how = _("is") if filters.SEARCH_ATTRIBUTES[self.attr] == "=" else _("starts with")
            return _("%(attribute)s %(how)s “%(value)s”") % {
                "attribute": self.attr,
                "how": how,
                "value": self.q,
            }
        if kind == "status":
            return _("status is %(status)s") % {"status": self.status}
        if kind == "enabled":
            return _("enabled users only") if self.enabled else _("disabled users only")
        if kind == "group":
            return _("members of the group “%(group)s”") % {"group": self.group}
        return _("all users")

    def cognito_filter(self) -> str:
        """The ListUsers filter of the applied filter (raises ``filters.FilterError`` for bad input)."""
        if self.applied == "search":
            return filters.search_filter(self.attr, self.q)
        if self.applied == "status":
            return filters.status_filter(self.status)
        if self.applied == "enabled":
            return filters.enabled_filter(bool(self.enabled))
        return ""

    def trail_key(self) -> str:
        """Pagination tokens belong to one filter: a trail is only valid for the same one."""
        return f"group:{self.group}" if self.applied == "group" else f"filter:{self.cognito_filter()}"

    def fetch_page(self, token: str | None) -> Page[CognitoUser]:
        """One Cognito call: ListUsers, or ListUsersInGroup for the group filter."""
        idp = get_idp()
        if self.applied == "group":
            return idp.list_users_in_group(self.group, limit=self.page_size, next_token=token)
        return idp.list_users(filter=self.cognito_filter(), limit=self.page_size, pagination_token=token)

    def iter_users(self) -> Iterator[CognitoUser]:
        """Every matching user, fetched lazily one full page (60) at a time."""
        idp = get_idp()
        if self.applied == "group":
            return idp.iter_users_in_group(self.group)
        return idp.iter_users(filter=self.cognito_filter())


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


# -- the user detail: three calls at once ----------------------------------------------------------------
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    # The boto3 client is thread-safe; one shared pool avoids starting threads on every page view.
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=12, thread_name_prefix="cognito-detail")
    return _executor


@dataclass
class UserDetail:
    user: CognitoUser
    groups: list[Group]
    devices: list[Device]
    devices_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def user_detail(username: str) -> UserDetail:
    """AdminGetUser, AdminListGroupsForUser and AdminListDevices, issued concurrently.

    Raises ``UserNotFound`` when the user does not exist and ``CognitoUnavailable`` when any call could not
    be made; a device listing that fails otherwise is reported on the page instead.
    """
    idp = get_idp()
    user_future: Future[CognitoUser] = _pool().submit(idp.admin_get_user, username)
    groups_future: Future[list[Group]] = _pool().submit(idp.admin_list_groups_for_user, username)
    devices_future: Future[Page[Device]] = _pool().submit(idp.admin_list_devices, username)
    futures = (user_future, groups_future, devices_future)
    failures = [future.exception() for future in futures]  # waits for all three
    for failure in failures:
        if isinstance(failure, errors.CognitoUnavailable):
            raise failure
    if failures[0] is not None:
        raise failures[0]
    if isinstance(failures[1], errors.UserNotFound) or isinstance(failures[2], errors.UserNotFound):
        raise errors.UserNotFound(
            "The user vanished while the page was loading.", code="UserNotFoundException"
        )
    if failures[1] is not None:
        raise failures[1]
    devices_error = ""
    devices: list[Device] = []
    if failures[2] is not None:
        failure = failures[2]
        devices_error = f"{getattr(failure, 'code', '')}: {getattr(failure, 'aws_message', failure)}"
    else:
        page = devices_future.result()
        devices = list(page.items)
        if page.next_token:
            # More than 60 devices is rare; fetch the rest only then (one more call per 60 devices).
            token: str | None = page.next_token
            while token:
                more = idp.admin_list_devices(username, pagination_token=token)
                devices.extend(more.items)
                token = more.next_token
    return UserDetail(
        user=user_future.result(), groups=groups_future.result(), devices=devices, devices_error=devices_error
    )
