"""What the operator commands print: text made safe for terminals, aligned tables and label/value lines,
and one user as a table or JSON (``cognito_users get``).

``printable`` is also the portal's one escaper of control characters for log lines
(``accounts.audit.log_value``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.core.management.base import BaseCommand

    from accounts.staff.selectors import UserDetail


def printable(text: str) -> str:
    """Text safe to print: control characters (ESC, CR, BEL …) shown escaped, never interpreted.

    Cognito attributes are user-controlled; an escape sequence in a name must not drive the terminal.
    """
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def display_width(text: str) -> int:
    """Columns the text takes in a terminal (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """Cut the text to ``width`` columns with an ellipsis, then pad it to exactly ``width``."""
    if display_width(text) > width:
        out, used = [], 0
        for ch in text:
            w = display_width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - display_width(text))


def timestamp(value: datetime | None) -> str:
    """A compact UTC time for tables: ``2026-11-26 07:05``."""
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def yes_no(value: bool | None) -> str:
    return "-" if value is None else (_("yes") if value else _("no"))


class Column:
    def __init__(self, header: str, max_width: int) -> None:
        self.header = header
        self.max_width = max_width


def stream_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    write: Callable[[str], None],
    *,
    sample: int = 60,
) -> int:
    """Write an aligned table while reading rows lazily; returns the number of rows.

    Column widths come from the header and the first ``sample`` rows (one Cognito page), capped per
    column; later rows keep those widths and longer cells are cut with an ellipsis. Memory stays at one
    sample, however many rows follow.
    """
    iterator = iter(rows)
    first = [[printable(cell) for cell in row] for row in islice(iterator, sample)]
    widths = [
        min(column.max_width, max([display_width(column.header)] + [display_width(row[i]) for row in first]))
        for i, column in enumerate(columns)
    ]

    def line(cells: Sequence[str]) -> str:
        padded = [fit(cell, width) for cell, width in zip(cells, widths, strict=True)]
        return "  ".join(padded).rstrip()

    write(line([column.header for column in columns]))
    count = 0
    for row in chain(first, ([printable(cell) for cell in row] for row in iterator)):
        write(line(row))
        count += 1
    return count


def key_values(pairs: Iterable[tuple[str, str]], write: Callable[[str], None], *, indent: str = "  ") -> None:
    """``label   value`` lines with the values aligned."""
    items = [(label, printable(value)) for label, value in pairs]
    width = max((display_width(label) for label, _ in items), default=0)
    for label, value in items:
        write(f"{indent}{fit(label, width)}  {value}".rstrip())


# -- one user, for `cognito_users get` -----------------------------------------------------------------------
def user_document(detail: UserDetail) -> dict[str, Any]:
    """The user's attributes, MFA, groups and devices as JSON types (times ISO 8601 UTC)."""
    from accounts.exporting import iso_timestamp

    user = detail.user
    return {
        "username": user.username,
        "status": user.status,
        "enabled": user.enabled,
        "created": iso_timestamp(user.created),
        "modified": iso_timestamp(user.modified),
        "attributes": dict(sorted(user.attributes.items())),
        "mfa": {"enabled": list(user.mfa_settings), "preferred": user.preferred_mfa or None},
        "groups": [g.name for g in detail.groups],
        "devices": [
            {
                "key": d.key,
                "name": d.name,
                "remembered": d.remembered,
                "last_ip": d.last_ip,
                "created": iso_timestamp(d.created),
                "last_authenticated": iso_timestamp(d.last_authenticated),
            }
            for d in detail.devices
        ],
    }


def write_user(command: BaseCommand, detail: UserDetail, *, format: str, label: str) -> None:
    """Print one user (``format`` "json" or "table"); ``label`` is the name staff see for them."""
    if format == "json":
        command.stdout.write(json.dumps(user_document(detail), indent=2, ensure_ascii=False))
        return
    user, write = detail.user, command.stdout.write
    if user.mfa_settings:
        mfa = ", ".join(f"{m} (preferred)" if m == user.preferred_mfa else m for m in user.mfa_settings)
    else:
        mfa = _("none")
    write(command.style.MIGRATE_HEADING(_("User %(username)s") % {"username": printable(label)}))
    names = [(_("Username"), user.username)] if label != user.username else []
    key_values(
        [
            *names,
            (_("Status"), user.status),
            (_("Enabled"), yes_no(user.enabled)),
            (_("Created"), timestamp(user.created) + " UTC"),
            (_("Modified"), timestamp(user.modified) + " UTC"),
            (_("MFA"), mfa),
            (_("Groups"), ", ".join(g.name for g in detail.groups) or "-"),
        ],
        write,
    )
    write("")
    write(command.style.MIGRATE_HEADING(_("Attributes")))
    key_values(sorted(user.attributes.items()), write)
    write("")
    write(command.style.MIGRATE_HEADING(_("Devices (%(count)d)") % {"count": len(detail.devices)}))
    if not detail.devices:
        write("  " + _("No devices."))
        return
    stream_table(
        (
            Column("  NAME", 30),
            Column("REMEMBERED", 10),
            Column("LAST SIGN-IN (UTC)", 18),
            Column("LAST IP", 39),
            Column("KEY", 60),
        ),
        (
            [
                "  " + (d.name or "-"),
                yes_no(d.remembered),
                timestamp(d.last_authenticated),
                d.last_ip or "-",
                d.key,
            ]
            for d in detail.devices
        ),
        write,
    )
