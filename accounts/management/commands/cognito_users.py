"""``manage.py cognito_users``: list, inspect, export and act on the Cognito pool's users from a terminal.

Reads pages lazily (``--limit`` stops calling Cognito as soon as it has enough users); exports stream to a
file in constant memory and are audited like the web's. The action subcommands come from the staff action
registry (``accounts.staff.registry``): the same texts, rules and audit rows as the staff pages, with the
operator as actor. Users are named by username, sign-in alias or sub.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts import exporting
from accounts.cognito import errors, filters, get_idp
from accounts.cognito.idp import MAX_PAGE_SIZE
from accounts.cognito.types import CognitoUser
from accounts.identity import username_problem
from accounts.management import edits
from accounts.management.cli import (
    confirm,
    describe_error,
    operator_errors,
    operator_label,
    positive_int,
    require_configuration,
    user_not_found,
)
from accounts.management.exports import ExportMixin
from accounts.management.output import Column, printable, stream_table, timestamp, write_user, yes_no
from accounts.staff import registry, selectors
from accounts.staff.outcomes import Outcome
from accounts.staff.query import UserQuery
from accounts.staff.registry import Actor, StaffAction, UserState
from accounts.staff.reports import report
from accounts.staff.service import attempt

LIST_COLUMNS = (
    Column("USERNAME", 32),
    Column("EMAIL", 40),
    Column("STATUS", 21),
    Column("ENABLED", 7),
    Column("CREATED (UTC)", 16),
)
FILTER_OPTIONS = {
    "search": "--search",
    "status": "--status",
    "enabled": "--enabled/--disabled",
    "group": "--group",
}


class Command(ExportMixin, BaseCommand):
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
        get.add_argument("username", help="Username, sign-in alias (email …) or sub.")
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
        export.add_argument(
            "--no-bom",
            dest="bom",
            action="store_false",
            help="CSV without the UTF-8 byte-order mark (it is there by default, for Excel on Windows).",
        )
        export.add_argument(
            "--columns",
            default="",
            metavar="NAMES",
            help="Extra columns, comma-separated: given_name, family_name, groups, mfa "
            "(groups and mfa take one more Cognito call per user).",
        )
        for action in registry.command_actions():
            if not action.parameter_is_secret:  # passwords never on the command line: see edits
                self._add_action(sub, action)
        edits.add_arguments(sub)

    @staticmethod
    def _add_action(sub: Any, action: StaffAction) -> None:
        parameter = action.parameter.replace("_", "-") if action.parameter else ""
        example = {"username": "USERNAME", "parameter": parameter.upper() or "-"}
        parser = sub.add_parser(
            action.command,
            help=str(action.summary),
            description=str(action.confirmation % example)
            + " Asks for confirmation unless --yes; every attempt goes to the audit log.",
        )
        if action.creates_user:
            parser.add_argument("usernames", nargs=1, metavar="USERNAME")
        else:
            parser.add_argument(
                "usernames", nargs="+", metavar="USER", help="Username, sign-in alias or sub."
            )
        if parameter:
            # An invitation in an email-as-username pool needs only the address (given as USERNAME).
            parser.add_argument(f"--{parameter}", dest="parameter", required=not action.creates_user)
        parser.add_argument("--reason", default="", help="Why (stored in the audit log).")
        parser.add_argument("--yes", "-y", action="store_true", help="Do not ask for confirmation.")
        parser.set_defaults(staff_action=action.name)

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

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        with operator_errors(options["verbosity"]):
            require_configuration()
            if subcommand == "list":
                self.list_users(**options)
            elif subcommand == "get":
                self.get_user(options["username"], options["format"])
            elif subcommand == "export":
                self.export(**options)
            elif options.get("edit") == "attributes":
                edits.set_attributes(options, self.stderr._out, self.stdout.write)
            elif options.get("edit") == "password":
                edits.set_password(options, self.stderr._out, self.stdout.write)
            else:
                action = registry.get(options["staff_action"])
                self.act(
                    action, options["usernames"], options.get("parameter"), options["reason"], options["yes"]
                )

    # -- reading -------------------------------------------------------------------------------------------
    def _query(self, options: dict[str, Any]) -> UserQuery:
        """The options' query (``UserQuery``, as on the staff pages); a second filter is refused."""
        attribute, prefix = "username", ""
        if options.get("search"):
            attribute, sep, prefix = options["search"].partition("=")
            if not sep or not attribute.strip() or not prefix:
                raise CommandError(
                    _("--search needs ATTR=PREFIX, for example --search email=alice@ (got %(value)s).")
                    % {"value": printable(repr(options["search"]))}
                )
        query = UserQuery(
            q=prefix,
            attr=attribute.strip(),
            status=options.get("status") or "",
            enabled=options.get("enabled"),
            group=options.get("group") or "",
        )
        given = [FILTER_OPTIONS[kind] for kind in query.requested]
        if len(given) > 1:
            raise CommandError(
                _(
                    "Cognito filters on one thing at a time, and %(given)s were given. Keep one of them "
                    "and narrow the rest with --format csv | grep, or in a spreadsheet."
                )
                % {"given": " and ".join(given)}
            )
        return query

    def _users(self, query: UserQuery, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[CognitoUser]:
        users = query.iter_users(page_size=page_size)
        if query.applied != "group":
            return users
        return self._group_members(query.group, users)

    @staticmethod
    def _group_members(group: str, users: Iterator[CognitoUser]) -> Iterator[CognitoUser]:
        try:
            yield from users
        except errors.ResourceNotFound:
            names = ", ".join(g.name for g in get_idp().list_groups()) or _("none")
            raise CommandError(
                _("No group named %(group)s in this pool. Groups: %(names)s.")
                % {"group": printable(repr(group)), "names": names}
            ) from None

    def list_users(self, *, limit: int | None, format: str, **options: Any) -> None:
        """``list``: a table for people, or JSON/CSV for scripts, one page at a time."""
        page_size = min(limit, MAX_PAGE_SIZE) if limit else MAX_PAGE_SIZE
        users: Iterable[CognitoUser] = self._users(self._query(options), page_size=page_size)
        if limit:
            users = islice(users, limit)
        if format == "json":
            self._write_chunks(exporting.json_array(self._counted(users)))
            count = self._count
        elif format == "csv":
            self._write_chunks(exporting.csv_lines(self._counted(users)))
            count = self._count
        else:
            rows = (
                [selectors.staff_label(u), u.email or "-", u.status, yes_no(u.enabled), timestamp(u.created)]
                for u in users
            )
            count = stream_table(LIST_COLUMNS, rows, self._write_line)
        if format == "table" or self._stderr_is_tty():
            self._footer(count, limit)

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

    def get_user(self, name: str, format: str) -> None:
        """``get``: one user by username, alias or sub, with groups and devices."""
        try:
            user = selectors.find_user(name)
        except errors.UserNotFound:
            raise user_not_found(name) from None
        detail = selectors.detail_of(user)
        if detail.devices_error:
            raise CommandError(
                _("The devices could not be listed: %(error)s") % {"error": detail.devices_error}
            )
        write_user(self, detail, format=format, label=selectors.staff_label(user))

    # -- actions -------------------------------------------------------------------------------------------
    @staticmethod
    def _invitation_email(name: str, email: str | None) -> str:
        """The address to invite at. In an email-as-username pool the USERNAME is the address (``--email``
        may repeat it); elsewhere ``--email`` is required."""
        from accounts.cognito import pool_description
        from accounts.cognito.descriptions import SIGN_IN_EMAIL

        if pool_description().sign_in == SIGN_IN_EMAIL:
            if email and email.strip().lower() != name.strip().lower():
                raise CommandError(
                    _("In this pool the email address is the username: give it once, as USERNAME.")
                )
            return name
        problem = username_problem(name)  # the same rule as the web's invitation and sign-up
        if problem:
            raise CommandError(problem)
        if not email:
            raise CommandError(_("--email is required: the address the invitation goes to."))
        return email

    def _warn_where_it_does_not_apply(self, action: StaffAction, names: list[str]) -> dict[str, CognitoUser]:
        """Say before asking when the action does not fit a user as Cognito lists them now (the rule the
        pages use to decide what they offer); the operator may still go ahead. Returns the users found, by
        the name given, so the action does not look them up a second time."""
        found: dict[str, CognitoUser] = {}
        for name in names:
            try:
                user = found[name] = selectors.find_user(name)
            except errors.CognitoError:
                continue  # the action itself reports it
            if not action.applies(UserState(user)):
                self._note(
                    _(
                        "Note: “%(action)s” does not apply to %(username)s as Cognito lists them now "
                        "(%(status)s, %(enabled)s)."
                    )
                    % {
                        "action": action.label,
                        "username": printable(selectors.staff_label(user)),
                        "status": user.status,
                        "enabled": _("enabled") if user.enabled else _("disabled"),
                    }
                )
        return found

    def act(
        self, action: StaffAction, names: list[str], parameter: str | None, reason: str, assume_yes: bool
    ) -> None:
        """Each user in turn, each with its own audit record; a failure does not stop the others."""
        found: dict[str, CognitoUser] = {}
        if action.creates_user:
            parameter = self._invitation_email(names[0], parameter)
        else:
            found = self._warn_where_it_does_not_apply(action, names)
        shown = {"username": ", ".join(printable(n) for n in names), "parameter": printable(parameter or "")}
        confirm(
            str(action.confirmation % shown),
            assume_yes=assume_yes,
            hint=_("Add --yes to %(command)s from a script.") % {"command": action.command},
            stderr=self.stderr._out,
        )
        params = {action.parameter: parameter} if action.parameter else {}
        actor = Actor.operator(operator_label())
        problems: list[str] = []
        for name in names:
            result = attempt(action.name, found.get(name, name), actor=actor, reason=reason, **params)
            label = printable(selectors.staff_label(result.user) if result.user else name)
            if result.outcome is Outcome.DONE:
                self.stdout.write(self.style.SUCCESS(report(result, action, label).text))
                continue
            error = result.error
            if isinstance(error, errors.CognitoUnavailable) and not result.steps:
                raise CommandError(describe_error(error))  # Cognito cannot be asked: stop here
            problems.append(self._problem(result, action, name, label))
            if len(names) > 1:
                self._note(problems[-1])
        if len(names) == 1 and problems:
            raise CommandError(problems[0])
        if problems:
            raise CommandError(
                _("%(failed)d of %(total)d users could not be changed; see above and the audit log.")
                % {"failed": len(problems), "total": len(names)}
            )

    @staticmethod
    def _problem(result: Any, action: StaffAction, name: str, label: str) -> str:
        error = result.error
        if isinstance(error, errors.UserNotFound):
            return str(user_not_found(name))
        if isinstance(error, errors.UsernameExists):
            return _("A user named %(username)s already exists (UsernameExistsException).") % {
                "username": printable(repr(name))
            }
        if error is not None and not result.partial and not isinstance(error, errors.CognitoUnavailable):
            return f"{label}: {describe_error(error)}"
        return printable(report(result, action, label).text)

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
