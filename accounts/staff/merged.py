"""The combined "username or email" search: two ListUsers prefix queries, merged into one page.

Cognito filters on one attribute per call, so the staff list asks ``username ^= q`` and ``email ^= q`` at
once (concurrently) and merges the answers:

- **Order.** The two streams are merged head by head, the smaller username (case-folded) first. Each stream
  is consumed in its own order, so "how far" is a position in it.
- **Duplicates.** A user whose username matches is in the username stream; the email stream skips every user
  whose username matches too (the pool's case rule: usernames fold case in case-insensitive pools), so
  nobody appears twice and nothing needs remembering across pages.
- **Paging.** The page token carries, per stream, Cognito's token for the page being read, how many of its
  users were consumed, and whether the stream has ended (``Cursor``). The next page starts exactly where this
  one stopped: no user is missed or repeated. Each page costs one ListUsers call per stream still running
  (issued together), more only when a stream's Cognito page runs out mid-way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import chain

from accounts.cognito import filters, get_idp, pool_description_or_none
from accounts.cognito.types import CognitoUser, Page

MERGED_ATTRIBUTE = "username_or_email"
STREAMS = ("username", "email")


@dataclass
class Cursor:
    """Where one stream stands: Cognito's token of the page being read (None: the first), how many of that
    page's users were consumed, and whether the stream has ended."""

    token: str | None = None
    consumed: int = 0
    done: bool = False


def _username_matches(username: str, q: str, case_sensitive: bool) -> bool:
    if case_sensitive:
        return username.startswith(q)
    return username.lower().startswith(q.lower())


def _case_sensitive() -> bool:
    """The pool's username case rule; when it cannot be read, case-sensitive (a duplicate, never a miss)."""
    pool = pool_description_or_none()
    return True if pool is None else pool.case_sensitive


def encode(cursors: dict[str, Cursor]) -> str:
    """The composite page token (JSON; signed by ``query.Trail`` before it goes into a URL)."""
    return json.dumps(
        {name: [c.token, c.consumed, c.done] for name, c in cursors.items()}, separators=(",", ":")
    )


def decode(token: str | None) -> dict[str, Cursor]:
    """The cursors in a composite token (None: both streams at their start); ``ValueError`` if malformed."""
    if not token:
        return {name: Cursor() for name in STREAMS}
    data = json.loads(token)
    cursors = {}
    for name in STREAMS:
        cognito_token, consumed, done = data[name]
        if not (cognito_token is None or isinstance(cognito_token, str)) or not isinstance(consumed, int):
            raise ValueError("malformed merged page token")
        cursors[name] = Cursor(cognito_token, max(0, consumed), bool(done))
    return cursors


class _Stream:
    """One ListUsers prefix query being read: the current Cognito page and the position in it."""

    def __init__(self, attribute: str, q: str, cursor: Cursor, page_size: int) -> None:
        self.filter = filters.search_filter(attribute, q)
        self.cursor = cursor
        self.page_size = page_size
        self.items: list[CognitoUser] | None = None  # the current Cognito page, once fetched
        self.next_token: str | None = None

    @property
    def needs_fetch(self) -> bool:
        return not self.cursor.done and self.items is None

    def fetch(self) -> Page[CognitoUser]:
        return get_idp().list_users(
            filter=self.filter, limit=self.page_size, pagination_token=self.cursor.token
        )

    def take(self, page: Page[CognitoUser]) -> None:
        self.items, self.next_token = list(page.items), page.next_token
        self._roll()

    def _roll(self) -> None:
        """At the end of a Cognito page: move to the next one (to be fetched) or end the stream."""
        if self.items is not None and self.cursor.consumed >= len(self.items):
            if self.next_token:
                self.cursor = Cursor(self.next_token, 0, False)
                self.items = None
            else:
                self.cursor = Cursor(self.cursor.token, self.cursor.consumed, True)

    def head(self) -> CognitoUser | None:
        if self.cursor.done or self.items is None:
            return None
        return self.items[self.cursor.consumed]

    def advance(self) -> None:
        self.cursor.consumed += 1
        self._roll()


def fetch_page(q: str, token: str | None, page_size: int) -> Page[CognitoUser]:
    """One merged page of up to ``page_size`` users after ``token`` (see the module docstring).

    Raises ``filters.FilterError`` for an unsearchable ``q``, ``ValueError`` for a malformed token and the
    ``CognitoError`` of a failed ListUsers call.
    """
    from accounts.staff.selectors import pool

    case_sensitive = _case_sensitive()
    cursors = decode(token)
    streams = {name: _Stream(name, q, cursors[name], page_size) for name in STREAMS}
    users: list[CognitoUser] = []
    while len(users) < page_size:
        wanted = [stream for stream in streams.values() if stream.needs_fetch]
        futures: list[tuple[_Stream, Future[Page[CognitoUser]]]] = [
            (s, pool().submit(s.fetch)) for s in wanted
        ]
        for stream, future in futures:  # together: one round trip for both streams
            stream.take(future.result())
        email = streams["email"]
        # The email stream skips users the username stream has (or will have).
        while (head := email.head()) is not None and _username_matches(head.username, q, case_sensitive):
            email.advance()
        if any(stream.needs_fetch for stream in streams.values()):
            continue
        heads = [(stream, stream.head()) for stream in streams.values() if stream.head() is not None]
        if not heads:
            break
        stream, user = min(heads, key=lambda pair: (pair[1].username.casefold(), pair[1].username))
        users.append(user)
        stream.advance()
    finished = all(stream.cursor.done for stream in streams.values())
    return Page(users, None if finished else encode({name: s.cursor for name, s in streams.items()}))


def iter_users(q: str, *, page_size: int = 60) -> Iterator[CognitoUser]:
    """Every matching user, lazily (exports): the username matches, then the other email matches."""
    case_sensitive = _case_sensitive()
    idp = get_idp()
    by_username = idp.iter_users(filter=filters.search_filter("username", q), page_size=page_size)
    by_email = (
        user
        for user in idp.iter_users(filter=filters.search_filter("email", q), page_size=page_size)
        if not _username_matches(user.username, q, case_sensitive)
    )
    return chain(by_username, by_email)
