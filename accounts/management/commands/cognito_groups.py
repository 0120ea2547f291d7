"""``manage.py cognito_groups``: list, create and delete the pool's groups, and list a group's members.

Writes go through ``accounts.staff.groups`` (CreateGroup, DeleteGroup), so they are audited exactly like
the staff pages' (actor ``operator:<login>``), and the portal's role groups cannot be deleted. Members are
read lazily (ListUsersInGroup, page by page): ``--limit`` stops calling Cognito as soon as it has enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import exporting
from accounts.cognito import errors, get_idp
from accounts.cognito.types import CognitoUser
from accounts.management.cli import (
    confirm,
    describe_error,
    operator_errors,
    operator_label,
    positive_int,
    require_configuration,
)
from accounts.management.output import Column, printable, stream_table, timestamp, yes_no
from accounts.staff import groups, selectors
from accounts.staff.forms import GroupForm
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import Actor

GROUP_COLUMNS = (
    Column("NAME", 40),
    Column("PRECEDENCE", 10),
    Column("ROLE", 4),
    Column("MEMBERS", 8),
    Column("DESCRIPTION", 60),
)
MEMBER_COLUMNS = (
    Column("USERNAME", 32),
    Column("EMAIL", 40),
    Column("STATUS", 21),
    Column("ENABLED", 7),
    Column("CREATED (UTC)", 16),
)


class Command(BaseCommand):
    """``cognito_groups list|create|delete|members`` (see the module docstring)."""

    help = "List, create and delete the Cognito pool's groups, and list a group's members."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        listing = sub.add_parser("list", help="List the pool's groups (ListGroups).")
        listing.add_argument(
            "--count", action="store_true", help="Also count each group's members (one call per 60 members)."
        )
        create = sub.add_parser("create", help="Create a group (CreateGroup), audited.")
        create.add_argument("name", help="The group's name (it cannot be renamed later).")
        create.add_argument("--description", default="")
        create.add_argument("--precedence", type=int, default=None, help="Lower wins (0 or more).")
        create.add_argument("--role-arn", default="", help="An IAM role ARN for the group's members.")
        create.add_argument("--reason", default="", help="Why (stored in the audit log).")
        delete = sub.add_parser(
            "delete",
            help="Delete a group (DeleteGroup): its members lose it, the users stay. Audited.",
            description="Delete a group. The portal's own role groups cannot be deleted. Asks for "
            "confirmation (saying how many members lose the group) unless --yes.",
        )
        delete.add_argument("name")
        delete.add_argument("--reason", default="", help="Why (stored in the audit log).")
        delete.add_argument("--yes", "-y", action="store_true", help="Do not ask for confirmation.")
        members = sub.add_parser("members", help="List a group's members (ListUsersInGroup).")
        members.add_argument("name")
        members.add_argument("--limit", type=positive_int, help="Stop after N users (no further calls).")
        members.add_argument("--format", choices=("table", "json", "csv"), default="table")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        with operator_errors(options["verbosity"]):
            require_configuration()
            getattr(self, f"do_{subcommand}")(**options)

    # -- reading -------------------------------------------------------------------------------------------
    def do_list(self, *, count: bool, **options: Any) -> None:
        """``list``: name, precedence, portal role group or not, members (with --count), description."""
        pool_groups = get_idp().list_groups()

        def members(name: str) -> str:
            if not count:
                return "-"
            counted, complete = groups.count_members(name)
            return str(counted) if complete else f"{counted}+"

        rows = (
            [
                g.name,
                "-" if g.precedence is None else str(g.precedence),
                yes_no(groups.is_role_group(g.name)),
                members(g.name),
                g.description or "-",
            ]
            for g in pool_groups
        )
        shown = stream_table(GROUP_COLUMNS, rows, self.stdout.write)
        self._note(_("%(count)d groups.") % {"count": shown} if shown != 1 else _("1 group."))

    def do_members(self, *, name: str, limit: int | None, format: str, **options: Any) -> None:
        """``members NAME``: the group's users, lazily; table, JSON array or CSV.

        The footer counts what was shown and, when ``--limit`` stopped early, says that more exist (the
        last page read had more users, or Cognito gave a NextToken).
        """
        users: Iterable[CognitoUser] = self._members(name, page_size=min(limit or 60, 60), limit=limit)
        if format == "json":
            self._write(exporting.json_array(users))
        elif format == "csv":
            self._write(exporting.csv_lines(users))
        else:
            rows = (
                [selectors.staff_label(u), u.email or "-", u.status, yes_no(u.enabled), timestamp(u.created)]
                for u in users
            )
            shown = stream_table(MEMBER_COLUMNS, rows, self.stdout.write)
            if self._more:
                self._note(
                    ngettext(
                        "The first %(count)d member is shown; more exist.",
                        "The first %(count)d members are shown; more exist.",
                        shown,
                    )
                    % {"count": shown}
                )
            else:
                self._note(_("%(count)d members.") % {"count": shown} if shown != 1 else _("1 member."))

    _more = False  # set by _members: --limit stopped before the group's last member

    def _members(self, name: str, *, page_size: int, limit: int | None = None) -> Iterator[CognitoUser]:
        """The members, one ListUsersInGroup page at a time, stopping at ``limit`` (no further call)."""
        self._more = False
        shown, token = 0, None
        try:
            while True:
                page = get_idp().list_users_in_group(name, limit=page_size, next_token=token)
                for user in page.items:
                    if limit is not None and shown == limit:
                        self._more = True  # more users on the page just read
                        return
                    shown += 1
                    yield user
                token = page.next_token
                if not token:
                    return
                if limit is not None and shown >= limit:
                    self._more = True  # Cognito has another page
                    return
        except errors.ResourceNotFound:
            raise self._no_such_group(name) from None

    # -- writing -------------------------------------------------------------------------------------------
    def do_create(
        self,
        *,
        name: str,
        description: str,
        precedence: int | None,
        role_arn: str,
        reason: str,
        **options: Any,
    ) -> None:
        """``create NAME``: CreateGroup, audited as ``create_group``."""
        if precedence is not None and precedence < 0:
            raise CommandError(_("--precedence must be 0 or more."))
        self._check_like_the_page(name, description, precedence, role_arn)
        result = groups.create(
            name,
            description=description,
            precedence=precedence,
            role_arn=role_arn,
            actor=Actor.operator(operator_label()),
            reason=reason,
        )
        self._finish(result, name, _("The group %(group)s is created."))

    def do_delete(self, *, name: str, reason: str, yes: bool, **options: Any) -> None:
        """``delete NAME``: DeleteGroup after a confirmation naming how many members lose it."""
        if groups.is_role_group(name):
            raise CommandError(
                _("The group %(group)s gives portal roles: it cannot be deleted here.")
                % {"group": printable(name)}
            )
        try:
            counted, complete = groups.count_members(name)  # ListUsersInGroup: ResourceNotFound when none
        except errors.ResourceNotFound:
            raise self._no_such_group(name) from None
        members = str(counted) if complete else _("at least %(count)d") % {"count": counted}
        confirm(
            _("Delete the group %(group)s? Its %(members)s member(s) lose it (the users stay).")
            % {"group": printable(name), "members": members},
            assume_yes=yes,
            hint=_("Add --yes to delete from a script."),
            stderr=self.stderr._out,
        )
        result = groups.delete(name, members=members, actor=Actor.operator(operator_label()), reason=reason)
        self._finish(result, name, _("The group %(group)s is deleted."))

    @staticmethod
    def _check_like_the_page(name: str, description: str, precedence: int | None, role_arn: str) -> None:
        """The page form's checks (``GroupForm``: name, lengths, the IAM role ARN's shape) before any call,
        each failure one line naming the option."""
        form = GroupForm(
            {
                "name": name,
                "description": description,
                "precedence": "" if precedence is None else precedence,
                "role_arn": role_arn,
            }
        )
        if form.is_valid():
            return
        options = {"name": "NAME", "description": "--description", "precedence": "--precedence"}
        options["role_arn"] = "--role-arn"
        field, problems = next(iter(form.errors.items()))
        raise CommandError(f"{options.get(field, field)}: {printable(' '.join(problems))}")

    def _finish(self, result: groups.GroupResult, name: str, done: str) -> None:
        if result.outcome is Outcome.DONE:
            self.stdout.write(done % {"group": printable(name)})
            return
        if result.outcome is Outcome.UNKNOWN:
            raise CommandError(
                _(
                    "Cognito did not answer in time, and reading the group %(group)s back could not tell "
                    "whether the change took effect. Look again in a minute (cognito_groups list)."
                )
                % {"group": printable(name)}
            )
        if result.error is not None and result.error.code == "GroupExistsException":
            raise CommandError(_("A group named %(group)s already exists.") % {"group": printable(name)})
        raise CommandError(describe_error(result.error) if result.error else _("The change failed."))

    # -- plumbing ------------------------------------------------------------------------------------------
    def _no_such_group(self, name: str) -> CommandError:
        names = ", ".join(g.name for g in get_idp().list_groups()) or _("none")
        return CommandError(
            _("No group named %(group)s in this pool. Groups: %(names)s.")
            % {"group": printable(repr(name)), "names": printable(names)}
        )

    def _write(self, chunks: Iterable[str]) -> None:
        for chunk in chunks:
            self.stdout.write(chunk, ending="")
        self.stdout.flush()

    def _note(self, line: str) -> None:
        self.stderr.write(line, style_func=lambda text: text)
