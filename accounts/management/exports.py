"""``cognito_users export``: every matching user to a file or stdout, streamed and audited as on the web.

A mixin of the command (``self._query``, ``self._users``, ``self._counted`` … come from it). The file is
written privately under a temporary name and renamed when complete; CSV carries a UTF-8 byte-order mark
unless ``--no-bom``; ``--columns`` adds the optional columns (groups and MFA read page by page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts import exporting
from accounts.cognito import errors, pool_description
from accounts.management.cli import check_target, operator_label, progress_meter, write_privately
from accounts.management.output import printable
from accounts.staff import columns as staff_columns


class ExportMixin:
    """The ``export`` subcommand of ``cognito_users``."""

    # -- export --------------------------------------------------------------------------------------------
    def export(
        self,
        *,
        output: str,
        format: str | None,
        force: bool,
        bom: bool = True,
        columns: str = "",
        **options: Any,
    ) -> None:
        """``export``: every matching user to a file (temp file + rename) or stdout, audited as on the web."""
        format = format or self._format_from_name(output)
        try:
            optional = staff_columns.parse(columns.split(","))
        except ValueError as exc:
            raise CommandError(
                _("Unknown column %(names)s; choose from %(choices)s.")
                % {"names": printable(str(exc)), "choices": ", ".join(exporting.OPTIONAL_EXPORT_COLUMNS)}
            ) from None
        query = self._query(options)
        destination = _("standard output") if output == "-" else output
        record = exporting.ExportAudit(
            what=query.describe(), format=format, destination=destination, actor_label=operator_label()
        )
        progress = self._progress(estimate=query.applied is None)
        extras = staff_columns.Extras(optional)
        counted = self._counted(exporting.audited(extras.paged(self._users(query)), record), progress)
        chunks: Iterable[str]
        if format == "csv":
            chunks = exporting.csv_lines(counted, optional=optional, extras=extras.get, bom=bom)
        else:
            writer = exporting.json_array if format == "json" else exporting.json_lines
            chunks = writer(counted, optional=optional, extras=extras.get)
        if output != "-":
            check_target(Path(output), force=force)
        try:
            record.begin()
            if output == "-":
                self._write_chunks(chunks)
            else:
                write_privately(Path(output), chunks)
        except BaseException as exc:
            # A failure of the file or the terminal happens outside the listing: settle the row here.
            record.fail(exporting.failure_reason(exc))
            raise
        finally:
            if progress:
                self._note("")
        summary = _("Exported %(count)d users to %(destination)s (%(format)s).") % {
            "count": record.count,
            "destination": destination,
            "format": format.upper(),
        }
        if output == "-":
            self._note(summary)
        else:
            self.stdout.write(summary)

    @staticmethod
    def _format_from_name(output: str) -> str:
        suffix = Path(output).suffix.lower()
        return {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "csv")

    def _progress(self, *, estimate: bool) -> Callable[[int], None] | None:
        """A progress callback drawing on stderr, or None when stderr is not a terminal."""
        if not self._stderr_is_tty():
            return None
        total = 0
        if estimate:
            try:
                total = pool_description().estimated_users
            except errors.CognitoError:
                total = 0
        return progress_meter(self.stderr._out, total)
