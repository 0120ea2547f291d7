"""User exports (CSV and JSON) shared by the staff pages and the ``cognito_users`` command.

Everything here streams: the functions take an iterable of users (usually the lazy
``idp.iter_users()``) and yield text one row at a time, so an export of any size runs in constant
memory. CSV cells are neutralised against formula injection (ASVS 1.2.10, OWASP "CSV Injection"):
a spreadsheet must never execute a Cognito attribute that a user chose.

``audited()`` wraps the users of one export in its audit row, the same on the web and in the command:
written (outcome ``unknown``) as the first user is read, ``success`` only after the last one, ``failure``
with the count when the listing fails or the reader stops early.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from accounts import audit
from accounts.cognito.types import CognitoUser
from accounts.models import AuditEvent

# The allowlisted columns (ASVS 15.3.1: export only what is needed), in the order of the CSV header.
USER_COLUMNS: tuple[str, ...] = (
    "username",
    "email",
    "status",
    "enabled",
    "created",
    "modified",
    "sub",
    "email_verified",
    "phone_number",
    "name",
)

# A spreadsheet treats a cell starting with one of these as a formula (or splits it oddly): ASVS 1.2.10
# lists = + - @ tab NUL, OWASP adds CR and LF.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def safe_cell(value: str) -> str:
    """The cell text with a leading single quote when a spreadsheet could read it as a formula.

    E.164 phone numbers (``+4930…``) gain the quote too; that is the documented price of safety.
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def iso_timestamp(value: datetime | None) -> str:
    """ISO 8601 in UTC with a Z (``2026-11-26T07:02:04Z``); empty for no time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def user_record(user: CognitoUser) -> dict[str, Any]:
    """The user's allowlisted fields with JSON types (booleans stay booleans, times are ISO 8601 UTC)."""
    return {
        "username": user.username,
        "email": user.email,
        "status": user.status,
        "enabled": user.enabled,
        "created": iso_timestamp(user.created),
        "modified": iso_timestamp(user.modified),
        "sub": user.sub,
        "email_verified": user.email_verified,
        "phone_number": user.attributes.get("phone_number", ""),
        "name": user.attributes.get("name", ""),
    }


def user_row(user: CognitoUser) -> list[str]:
    """The user's cells in ``USER_COLUMNS`` order, as plain text (not yet formula-escaped)."""
    record = user_record(user)
    return [_bool(value) if isinstance(value, bool) else str(value) for value in record.values()]


class _Line:
    """A file-like sink for ``csv.writer`` that hands back what was written since the last call."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self._buffer.write(text)

    def take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_lines(users: Iterable[CognitoUser], *, header: bool = True) -> Iterator[str]:
    """RFC 4180 CSV, one record per yielded string (CRLF-terminated, every field quoted, safe cells)."""
    sink = _Line()
    writer = csv.writer(sink, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    if header:
        writer.writerow(USER_COLUMNS)
        yield sink.take()
    for user in users:
        writer.writerow([safe_cell(cell) for cell in user_row(user)])
        yield sink.take()


def json_lines(users: Iterable[CognitoUser]) -> Iterator[str]:
    """JSON Lines: one JSON object per user, each ending with a newline."""
    for user in users:
        yield json.dumps(user_record(user), ensure_ascii=False) + "\n"


def json_array(users: Iterable[CognitoUser]) -> Iterator[str]:
    """One JSON array of user objects, yielded element by element (valid JSON once fully consumed).

    Nothing is yielded until the first user (or the end) arrives, so a listing that fails at once
    leaves no stray ``[`` behind.
    """
    iterator = iter(users)
    first = next(iterator, None)
    if first is None:
        yield "[]\n"
        return
    yield "[\n  " + json.dumps(user_record(first), ensure_ascii=False)
    for user in iterator:
        yield ",\n  " + json.dumps(user_record(user), ensure_ascii=False)
    yield "\n]\n"


def csv_failure_line(count: int, reason: str) -> str:
    """The last line of a CSV export that failed part-way: one cell saying so, for people who open it."""
    sink = _Line()
    csv.writer(sink, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(
        [safe_cell(f"# EXPORT INCOMPLETE after {count} users ({reason}): this file is missing users.")]
    )
    return sink.take()


class ExportAudit:
    """The one audit row of one export (``action="export"``, target ``audit.MANY_USERS``).

    ``what`` describes the filter (``UserQuery.describe()``), ``format`` is csv/json/jsonl and
    ``destination`` says where the rows go ("download", a file name, standard output).
    """

    def __init__(
        self,
        *,
        what: str,
        format: str,
        destination: str,
        actor: Any = None,
        actor_label: str = "",
        actor_ip: str | None = None,
    ) -> None:
        self.summary = f"as {format} to {destination}; filter: {what}"
        self.actor, self.actor_label, self.actor_ip = actor, actor_label, actor_ip
        self.event: AuditEvent | None = None
        self.count = 0
        self.settled = False

    def begin(self) -> None:
        """Write the row (outcome ``unknown``) unless it is written already."""
        if self.event is not None:
            return
        self.event = audit.record(
            "export",
            audit.MANY_USERS,
            outcome=AuditEvent.Outcome.UNKNOWN,
            actor=self.actor,
            actor_label=self.actor_label,
            actor_ip=self.actor_ip,
            detail=f"started {self.summary}",
        )

    def succeed(self) -> None:
        """Settle the row as ``success`` with the count (once)."""
        if self.event is not None and not self.settled:
            self.settled = True
            audit.settle(
                self.event, outcome=AuditEvent.Outcome.SUCCESS, detail=f"{self.count} users {self.summary}"
            )

    def fail(self, reason: str) -> None:
        """Settle the row as ``failure`` (once: the first reason is the true one)."""
        if self.settled:
            return
        self.begin()
        self.settled = True
        audit.settle(
            self.event,
            outcome=AuditEvent.Outcome.FAILURE,
            detail=f"stopped after {self.count} users {self.summary}: {reason}",
        )


def failure_reason(exc: BaseException) -> str:
    """A short reason for the audit detail: the exception class and, for Cognito, its error code."""
    code = getattr(exc, "code", "")
    if isinstance(exc, GeneratorExit):
        return "the download was interrupted"
    return f"{type(exc).__name__} ({code})" if code and code != type(exc).__name__ else type(exc).__name__


def audited(users: Iterable[CognitoUser], record: ExportAudit) -> Iterator[CognitoUser]:
    """``users``, counted into ``record``: begun before the first, settled after the last or on failure.

    A failure of the listing (or of the reader: an interrupted download closes this generator) settles the
    row as ``failure`` with how many users went out, then propagates.
    """
    record.begin()
    try:
        for user in users:
            yield user
            record.count += 1
    except BaseException as exc:
        record.fail(failure_reason(exc))
        raise
    record.succeed()
