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
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

# Optional columns (chosen per staff member or with --columns); phone_number is always exported.
OPTIONAL_EXPORT_COLUMNS: tuple[str, ...] = ("given_name", "family_name", "groups", "mfa")

# A spreadsheet treats a cell starting with one of these as a formula (or splits it oddly): ASVS 1.2.10
# lists = + - @ tab NUL, OWASP adds CR and LF.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# Cognito's phone_number format (E.164): a plus and digits only, nothing a spreadsheet could run.
_E164 = re.compile(r"\+[0-9]{1,15}")
BOM = "\ufeff"  # UTF-8 byte-order mark: Excel on Windows then reads the file as UTF-8 (zoë, not zoÃ«)


def safe_cell(value: str) -> str:
    """The cell text with a leading single quote when a spreadsheet could read it as a formula.

    E.164 phone numbers (``+4930…``) gain the quote too; that is the documented price of safety.
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def phone_cell(value: str) -> str:
    """A phone number as a spreadsheet should show it: an exact E.164 number becomes the text formula
    ``="+4930123456"`` (shown as +4930123456: no apostrophe, not turned into a number); anything else gets
    the ``safe_cell`` guard. The formula is a constant built from a plus and digits only, so it cannot run
    anything; programs reading the CSV as data see the ``="…"`` wrapper (the JSON exports do not)."""
    return f'="{value}"' if _E164.fullmatch(value) else safe_cell(value)


def iso_timestamp(value: datetime | None) -> str:
    """ISO 8601 in UTC with a Z (``2026-11-26T07:02:04Z``); empty for no time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def columns_of(optional: Sequence[str] = ()) -> tuple[str, ...]:
    """The export's columns: ``USER_COLUMNS``, then the chosen optional ones not already among them."""
    return USER_COLUMNS + tuple(c for c in OPTIONAL_EXPORT_COLUMNS if c in optional and c not in USER_COLUMNS)


def user_record(
    user: CognitoUser, *, optional: Sequence[str] = (), extras: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The user's allowlisted fields with JSON types (booleans stay booleans, times are ISO 8601 UTC),
    plus the ``optional`` columns (attributes, or ``extras`` for groups and MFA)."""
    record = {
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
    for column in columns_of(optional)[len(USER_COLUMNS) :]:
        record[column] = (
            (extras or {}).get(column, "") if column in ("groups", "mfa") else user.attributes.get(column, "")
        )
    return record


def user_row(
    user: CognitoUser, *, optional: Sequence[str] = (), extras: Mapping[str, str] | None = None
) -> list[str]:
    """The user's cells in ``columns_of(optional)`` order, as plain text (not yet formula-escaped)."""
    record = user_record(user, optional=optional, extras=extras)
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


Extras = Callable[[CognitoUser], Mapping[str, str]]


def csv_lines(
    users: Iterable[CognitoUser],
    *,
    header: bool = True,
    optional: Sequence[str] = (),
    extras: Extras | None = None,
    bom: bool = False,
) -> Iterator[str]:
    """RFC 4180 CSV, one record per yielded string (CRLF-terminated, every field quoted, safe cells).

    ``optional`` adds columns (``columns_of``), whose call-backed cells come from ``extras(user)``;
    ``bom`` starts the text with a UTF-8 byte-order mark (for Excel). Phone numbers use ``phone_cell``.
    """
    sink = _Line()
    writer = csv.writer(sink, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    columns = columns_of(optional)
    phone = columns.index("phone_number")
    start = BOM if bom else ""
    if header:
        writer.writerow(columns)
        yield start + sink.take()
        start = ""
    for user in users:
        cells = user_row(user, optional=optional, extras=extras(user) if extras else None)
        writer.writerow(
            [phone_cell(cell) if index == phone else safe_cell(cell) for index, cell in enumerate(cells)]
        )
        yield start + sink.take()
        start = ""


def json_lines(
    users: Iterable[CognitoUser], *, optional: Sequence[str] = (), extras: Extras | None = None
) -> Iterator[str]:
    """JSON Lines: one JSON object per user, each ending with a newline."""
    for user in users:
        record = user_record(user, optional=optional, extras=extras(user) if extras else None)
        yield json.dumps(record, ensure_ascii=False) + "\n"


def json_array(
    users: Iterable[CognitoUser], *, optional: Sequence[str] = (), extras: Extras | None = None
) -> Iterator[str]:
    """One JSON array of user objects, yielded element by element (valid JSON once fully consumed).

    Nothing is yielded until the first user (or the end) arrives, so a listing that fails at once
    leaves no stray ``[`` behind.
    """

    def record(user: CognitoUser) -> str:
        data = user_record(user, optional=optional, extras=extras(user) if extras else None)
        return json.dumps(data, ensure_ascii=False)

    iterator = iter(users)
    first = next(iterator, None)
    if first is None:
        yield "[]\n"
        return
    yield "[\n  " + record(first)
    for user in iterator:
        yield ",\n  " + record(user)
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
