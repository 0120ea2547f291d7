"""``manage.py cognito_users``: list, inspect, export and act on the Cognito pool's users from a terminal.

Reads pages lazily (``--limit`` stops calling Cognito as soon as it has enough users); exports stream to a
file in constant memory; every change goes through the staff actions service, so it is confirmed and
written to the audit log with the operator as actor.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts import audit, exporting
from accounts.cognito import errors, filters, get_idp, pool_description
from accounts.cognito.idp import MAX_PAGE_SIZE
from accounts.cognito.types import CognitoUser, Device, Group
from accounts.management.cli import (
    Column,
    confirm,
    describe_error,
    key_values,
    operator_errors,
    operator_label,
    printable,
    require_configuration,
    stream_table,
    timestamp,
    user_not_found,
    yes_no,
)
from accounts.models import AuditEvent
from accounts.staff.actions import ACTIONS as STAFF_ACTIONS
from accounts.staff.actions import Actor, perform

LIST_COLUMNS = (
    Column("USERNAME", 32),
    Column("EMAIL", 40),
    Column("STATUS", 21),
    Column("ENABLED", 7),
    Column("CREATED (UTC)", 16),
)

# Subcommand → staff action (accounts.staff.actions): the same confirmation and success texts as the pages.
ACTION_COMMANDS: dict[str, str] = {
    "disable": "disable",
    "enable": "enable",
    "signout": "sign_out",
    "reset-mfa": "reset_mfa",
}


ACTION_HELP = {
    "disable": "Disable users: they cannot sign in until enabled again.",
    "enable": "Enable users again.",
    "signout": "Sign users out everywhere (their refresh tokens stop working).",
    "reset-mfa": "Reset MFA: authenticator off, devices forgotten, signed out everywhere.",
}


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


class Command(BaseCommand):
    help = "List, show, export and act on the users of the configured Cognito user pool."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)

        listing = sub.add_parser(
            "list",
            help="List users (one Cognito filter at a time).",
            description=(
                "List users, fetching pages lazily. Cognito applies one filter per request, so give at most "
                "one of --search, --status, --enabled/--disabled and --group."
            ),
        )
        self._add_filters(listing)
        listing.add_argument(
            "--limit", type=positive_int, help="Stop after N users (no further Cognito calls)."
        )
        listing.add_argument(
            "--format",
            choices=("table", "json", "csv"),
            default="table",
            help="table for people (default); json (an array) or csv (formula-safe) for scripts.",
        )

        get = sub.add_parser("get", help="Show one user: attributes, groups, MFA settings and devices.")
        get.add_argument("username")
        get.add_argument("--format", choices=("table", "json"), default="table")

        export = sub.add_parser(
            "export",
            help="Export users to a file (streamed; formula-safe CSV).",
            description="Write the whole pool, or the users matching one filter, to a file. The file is "
            "created readable by you only (it holds personal data).",
        )
        export.add_argument("--output", "-o", required=True, help="File to write, or - for standard output.")
        export.add_argument(
            "--format",
            choices=("csv", "json", "jsonl"),
            default=None,
            help="Default: from the file name (.json, .jsonl), else csv.",
        )
        export.add_argument("--force", action="store_true", help="Overwrite the file if it exists.")
        self._add_filters(export)

        for name, action_name in ACTION_COMMANDS.items():
            spec = STAFF_ACTIONS[action_name]
            action = sub.add_parser(
                name,
                help=ACTION_HELP[name],
                description=str(spec.confirmation % {"username": "USERNAME"})
                + " Asks for confirmation unless --yes; every attempt goes to the audit log.",
            )
            action.add_argument("usernames", nargs="+", metavar="USERNAME")
            self._add_action_options(action)

        invite = sub.add_parser(
            "invite",
            help="Invite a user: Cognito emails a temporary password.",
            description="Create the user and email them a temporary password. At their first sign-in "
            "they choose a password and set up an authenticator app.",
        )
        invite.add_argument("username")
        invite.add_argument("--email", required=True)
        self._add_action_options(invite)

    @staticmethod
    def _add_filters(parser: CommandParser) -> None:
        parser.add_argument(
            "--search",
            metavar="ATTR=PREFIX",
            help=f"Prefix search on one attribute ({', '.join(filters.SEARCH_ATTRIBUTES)}; sub is exact).",
        )
        parser.add_argument("--status", help=f"User status ({', '.join(filters.USER_STATUSES[:5])}, …).")
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument(
            "--enabled", dest="enabled", action="store_true", default=None, help="Only enabled users."
        )
        enabled.add_argument("--disabled", dest="enabled", action="store_false", help="Only disabled users.")
        parser.add_argument("--group", help="Members of this Cognito group.")

    @staticmethod
    def _add_action_options(parser: CommandParser) -> None:
        parser.add_argument("--reason", default="", help="Why (stored in the audit log).")
        parser.add_argument("--yes", "-y", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        with operator_errors(options["verbosity"]):
            require_configuration()
            if subcommand == "list":
                self.list_users(**options)
            elif subcommand == "get":
                self.get_user(options["username"], options["format"])
            elif subcommand == "export":
                self.export(**options)
            elif subcommand == "invite":
                self.invite(options["username"], options["email"], options["reason"], options["yes"])
            else:
                self.act(subcommand, options["usernames"], options["reason"], options["yes"])

    # -- reading -------------------------------------------------------------------------------------------
    def _users(
        self, options: dict[str, Any], *, page_size: int = MAX_PAGE_SIZE
    ) -> tuple[Iterator[CognitoUser], str]:
        """The lazy user iterator for the options' filter, and a description of the filter."""
        chosen = [
            name
            for name, given in (
                ("--search", options.get("search")),
                ("--status", options.get("status")),
                ("--enabled/--disabled", options.get("enabled") is not None),
                ("--group", options.get("group")),
            )
            if given
        ]
        if len(chosen) > 1:
            raise CommandError(
                _(
                    "Cognito filters on one thing at a time, and %(given)s were given. Keep one of them "
                    "and narrow the rest with --format csv | grep, or in a spreadsheet."
                )
                % {"given": " and ".join(chosen)}
            )
        idp = get_idp()
        if options.get("group"):
            group = options["group"]
            return self._group_members(group, page_size), f"group {group}"
        expression = ""
        if options.get("search"):
            attribute, sep, prefix = options["search"].partition("=")
            if not sep or not attribute.strip():
                raise CommandError(
                    _("--search needs ATTR=PREFIX, for example --search email=alice@ (got %(value)s).")
                    % {"value": printable(repr(options["search"]))}
                )
            expression = filters.search_filter(attribute.strip(), prefix)
        elif options.get("status"):
            expression = filters.status_filter(options["status"])
        elif options.get("enabled") is not None:
            expression = filters.enabled_filter(options["enabled"])
        return idp.iter_users(filter=expression, page_size=page_size), expression

    def _group_members(self, group: str, page_size: int) -> Iterator[CognitoUser]:
        try:
            yield from get_idp().iter_users_in_group(group, page_size=page_size)
        except errors.ResourceNotFound:
            names = ", ".join(g.name for g in get_idp().list_groups()) or _("none")
            raise CommandError(
                _("No group named %(group)s in this pool. Groups: %(names)s.")
                % {"group": printable(repr(group)), "names": names}
            ) from None

    def list_users(self, *, limit: int | None, format: str, **options: Any) -> None:
        page_size = min(limit, MAX_PAGE_SIZE) if limit else MAX_PAGE_SIZE
        users, _description = self._users(options, page_size=page_size)
        if limit:
            users = islice(users, limit)
        write = self._write_line
        if format == "json":
            self._write_chunks(exporting.json_array(self._counted(users)))
            count = self._count
        elif format == "csv":
            self._write_chunks(exporting.csv_lines(self._counted(users)))
            count = self._count
        else:
            count = stream_table(LIST_COLUMNS, (self._list_row(u) for u in users), write)
        if format == "table" or self._stderr_is_tty():
            self._footer(count, limit)

    def _list_row(self, user: CognitoUser) -> list[str]:
        return [user.username, user.email or "-", user.status, yes_no(user.enabled), timestamp(user.created)]

    def _footer(self, count: int, limit: int | None) -> None:
        if count == 0:
            self._note(_("No users found."))
        elif limit and count == limit:
            self._note(
                _("%(count)d users shown (--limit %(limit)d; there may be more).")
                % {"count": count, "limit": limit}
            )
        else:
            self._note(_("%(count)d users.") % {"count": count} if count != 1 else _("1 user."))

    def get_user(self, username: str, format: str) -> None:
        idp = get_idp()
        try:
            user = idp.admin_get_user(username)
        except errors.UserNotFound:
            raise user_not_found(username) from None
        groups = idp.admin_list_groups_for_user(username)
        devices = idp.all_devices(username=username)
        if format == "json":
            self.stdout.write(
                json.dumps(self._user_document(user, groups, devices), indent=2, ensure_ascii=False)
            )
            return
        self._write_user(user, groups, devices)

    @staticmethod
    def _user_document(user: CognitoUser, groups: list[Group], devices: list[Device]) -> dict[str, Any]:
        return {
            "username": user.username,
            "status": user.status,
            "enabled": user.enabled,
            "created": exporting.iso_timestamp(user.created),
            "modified": exporting.iso_timestamp(user.modified),
            "attributes": dict(sorted(user.attributes.items())),
            "mfa": {"enabled": list(user.mfa_settings), "preferred": user.preferred_mfa or None},
            "groups": [g.name for g in groups],
            "devices": [
                {
                    "key": d.key,
                    "name": d.name,
                    "remembered": d.remembered,
                    "last_ip": d.last_ip,
                    "created": exporting.iso_timestamp(d.created),
                    "last_authenticated": exporting.iso_timestamp(d.last_authenticated),
                }
                for d in devices
            ],
        }

    def _write_user(self, user: CognitoUser, groups: list[Group], devices: list[Device]) -> None:
        write = self._write_line
        if user.mfa_settings:
            mfa = ", ".join(f"{m} (preferred)" if m == user.preferred_mfa else m for m in user.mfa_settings)
        else:
            mfa = _("none")
        write(self.style.MIGRATE_HEADING(_("User %(username)s") % {"username": printable(user.username)}))
        key_values(
            [
                (_("Status"), user.status),
                (_("Enabled"), yes_no(user.enabled)),
                (_("Created"), timestamp(user.created) + " UTC"),
                (_("Modified"), timestamp(user.modified) + " UTC"),
                (_("MFA"), mfa),
                (_("Groups"), ", ".join(g.name for g in groups) or "-"),
            ],
            write,
        )
        write("")
        write(self.style.MIGRATE_HEADING(_("Attributes")))
        key_values(sorted(user.attributes.items()), write)
        write("")
        write(self.style.MIGRATE_HEADING(_("Devices (%(count)d)") % {"count": len(devices)}))
        if not devices:
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
                for d in devices
            ),
            write,
        )

    # -- export --------------------------------------------------------------------------------------------
    def export(self, *, output: str, format: str | None, force: bool, **options: Any) -> None:
        format = format or self._format_from_name(output)
        users, description = self._users(options)
        progress = self._progress(estimate=not description)
        counted = self._counted(users, progress)
        chunks: Iterable[str] = {
            "csv": lambda: exporting.csv_lines(counted),
            "json": lambda: exporting.json_array(counted),
            "jsonl": lambda: exporting.json_lines(counted),
        }[format]()
        destination = _("standard output") if output == "-" else output
        detail = f"as {format} to {destination}" + (f"; filter: {description}" if description else "")
        try:
            if output == "-":
                self._write_chunks(chunks)
            else:
                self._write_file(Path(output), chunks, force=force)
        except (errors.CognitoError, KeyboardInterrupt, OSError) as exc:
            # The attempt is part of the trail too: who tried to take which data, and how far it got.
            audit.record(
                "export",
                "",
                outcome=AuditEvent.Outcome.FAILURE,
                actor_label=operator_label(),
                detail=f"stopped after {self._count} users {detail}: {exc.__class__.__name__}",
            )
            raise
        finally:
            if progress:
                self._note("")
        audit.record(
            "export",
            "",
            outcome=AuditEvent.Outcome.SUCCESS,
            actor_label=operator_label(),
            detail=f"{self._count} users {detail}",
        )
        summary = _("Exported %(count)d users to %(destination)s (%(format)s).") % {
            "count": self._count,
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

    def _write_file(self, path: Path, chunks: Iterable[str], *, force: bool) -> None:
        """Write to a private temporary file beside the target, then rename: no half-written exports."""
        if path.exists() and not force:
            raise CommandError(
                _("%(path)s already exists. Choose another file or add --force to overwrite it.")
                % {"path": path}
            )
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": directory})
        # mkstemp creates the file with mode 0600: the export holds personal data.
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _progress(self, *, estimate: bool):
        """A progress callback drawing on stderr, or None when stderr is not a terminal."""
        if not self._stderr_is_tty():
            return None
        total = 0
        if estimate:
            try:
                total = pool_description().estimated_users
            except errors.CognitoError:
                total = 0
        stream = self.stderr._out

        def draw(count: int) -> None:
            if count % 60 and count != total:
                return
            if total:
                filled = min(30, count * 30 // max(total, 1))
                stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {count:,} / ~{total:,} users")
            else:
                stream.write(f"\r{count:,} users")
            stream.flush()

        return draw

    # -- actions -------------------------------------------------------------------------------------------
    def act(self, command: str, usernames: list[str], reason: str, assume_yes: bool) -> None:
        spec = STAFF_ACTIONS[ACTION_COMMANDS[command]]
        confirm(
            str(spec.confirmation % {"username": ", ".join(printable(u) for u in usernames)}),
            assume_yes=assume_yes,
            hint=_("Add --yes to %(command)s from a script.") % {"command": command},
            stderr=self.stderr._out,
        )
        self._perform_all(spec.name, usernames, reason)

    def invite(self, username: str, email: str, reason: str, assume_yes: bool) -> None:
        spec = STAFF_ACTIONS["invite"]
        confirm(
            str(spec.confirmation % {"username": printable(username), "parameter": printable(email)}),
            assume_yes=assume_yes,
            hint=_("Add --yes to invite from a script."),
            stderr=self.stderr._out,
        )
        self._perform_all(spec.name, [username], reason, email=email)

    def _perform_all(self, action: str, usernames: list[str], reason: str, **params: Any) -> None:
        """Each user in turn, each with its own audit record; a failure does not stop the others."""
        spec = STAFF_ACTIONS[action]
        actor = Actor.operator(operator_label())
        failures: list[str] = []
        for username in usernames:
            try:
                perform(action, username, actor=actor, reason=reason, **params)
            except errors.CognitoUnavailable:
                raise
            except errors.CognitoError as exc:
                failures.append(self._action_failure(username, exc))
                if len(usernames) > 1:
                    self._note(failures[-1])
                continue
            parameter = printable(str(params.get(spec.parameter or "", "")))
            text = spec.success % {"username": printable(username), "parameter": parameter}
            self.stdout.write(self.style.SUCCESS(str(text)))
        if len(usernames) == 1 and failures:
            raise CommandError(failures[0])
        if failures:
            raise CommandError(
                _("%(failed)d of %(total)d users could not be changed; see above and the audit log.")
                % {"failed": len(failures), "total": len(usernames)}
            )

    @staticmethod
    def _action_failure(username: str, exc: errors.CognitoError) -> str:
        if isinstance(exc, errors.UserNotFound):
            return str(user_not_found(username))
        if isinstance(exc, errors.UsernameExists):
            return _("A user named %(username)s already exists (UsernameExistsException).") % {
                "username": printable(repr(username))
            }
        return f"{printable(username)}: {describe_error(exc)}"

    # -- output plumbing -----------------------------------------------------------------------------------
    _count = 0

    def _counted(self, users: Iterable[CognitoUser], progress=None) -> Iterator[CognitoUser]:
        self._count = 0
        for user in users:
            self._count += 1
            if progress:
                progress(self._count)
            yield user

    def _write_chunks(self, chunks: Iterable[str]) -> int:
        for chunk in chunks:
            self.stdout.write(chunk, ending="")
        self.stdout.flush()
        return self._count

    def _write_line(self, line: str) -> None:
        self.stdout.write(line)

    def _note(self, line: str) -> None:
        """A plain line on stderr (Django would colour every stderr line as an error on a terminal)."""
        self.stderr.write(line, style_func=lambda text: text)

    def _stderr_is_tty(self) -> bool:
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        return bool(getattr(stream, "isatty", lambda: False)())
