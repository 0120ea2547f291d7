"""``cognito_users set-attributes`` and ``set-password``: the staff change form and credentials in a terminal.

Both go through the staff action registry (``service.attempt``), so they are refused, audited and reported
exactly as on the pages. Passwords never come from the command line (it ends up in shell histories and
process lists): a permanent one is typed twice at a prompt or read from standard input
(``--password-stdin``); a temporary one is generated and printed once, on standard output only.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Any, TextIO

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.cognito import errors, pool_description
from accounts.management.cli import confirm, operator_label, user_not_found
from accounts.management.output import printable
from accounts.password_rules import current_policy, new_password_problems
from accounts.staff import attribute_changes, attributes, registry, selectors
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import Actor
from accounts.staff.reports import report
from accounts.staff.service import ActionResult, attempt


def add_arguments(sub: Any) -> None:
    """The ``set-attributes`` and ``set-password`` subcommands."""
    edit = sub.add_parser(
        "set-attributes",
        help=str(registry.get("set_attributes").summary),
        description="Set user attributes (NAME=VALUE), or clear optional ones (NAME=). A changed email or "
        "phone number is sent for verification (Cognito mails the user a code) unless --mark-verified. "
        "Asks for confirmation unless --yes; every attempt goes to the audit log (attribute names only).",
    )
    edit.add_argument("username", metavar="USER", help="Username, sign-in alias or sub.")
    edit.add_argument("assignments", nargs="+", metavar="NAME=VALUE")
    edit.add_argument("--mark-verified", action="store_true", help="Mark a changed email or phone verified.")
    edit.add_argument("--reason", default="", help="Why (stored in the audit log).")
    edit.add_argument("--yes", "-y", action="store_true", help="Do not ask for confirmation.")
    edit.set_defaults(edit="attributes")

    password = sub.add_parser(
        "set-password",
        help=str(registry.get("set_password").summary),
        description="Set a user's password (AdminSetUserPassword). Permanent by default: typed twice at a "
        "prompt, or read from standard input with --password-stdin; needs --reason. With --temporary a "
        "password is generated to the pool's policy and printed once; the user must choose a new one at "
        "their next sign-in.",
    )
    password.add_argument("username", metavar="USER", help="Username, sign-in alias or sub.")
    password.add_argument("--temporary", action="store_true", help="Generate a temporary password instead.")
    password.add_argument("--password-stdin", action="store_true", help="Read the password from stdin.")
    password.add_argument(
        "--reason", default="", help="Why (stored in the audit log; needed when permanent)."
    )
    password.add_argument("--yes", "-y", action="store_true", help="Do not ask for confirmation.")
    password.set_defaults(edit="password")


def _user(name: str) -> Any:
    try:
        return selectors.find_user(name)
    except errors.UserNotFound:
        raise user_not_found(name) from None


def _finish(result: ActionResult, name: str, action: str, write: Callable[[str], None]) -> None:
    """Print the outcome; a failure, a refusal or an unknown outcome ends as a CommandError (status 1)."""
    spec = registry.get(action)
    said = report(result, spec, printable(name))
    if result.outcome is Outcome.DONE:
        write(said.text)
        return
    raise CommandError(printable(said.text))


def set_attributes(options: dict[str, Any], stderr: TextIO, write: Callable[[str], None]) -> None:
    """``set-attributes USER NAME=VALUE…``: checked with the change form's rules before any call (so nothing
    is half-done by a value Cognito would refuse), confirmed, then the ``set_attributes`` action."""
    wanted: dict[str, str] = {}
    for assignment in options["assignments"]:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise CommandError(
                _("Give attributes as NAME=VALUE (NAME= clears one), not %(value)s.")
                % {"value": printable(repr(assignment))}
            )
        wanted[name.strip()] = value
    pool = pool_description()
    user = _user(options["username"])
    label = selectors.staff_label(user)
    values, verified, problems = attributes.clean_assignments(user, wanted, pool)
    if problems:
        raise CommandError(printable(" ".join([*problems, _("Nothing was changed.")])))
    choice = attribute_changes.MARK_VERIFIED if options["mark_verified"] else attribute_changes.SEND_CODE
    plan = attribute_changes.plan(
        user,
        values,
        verified=verified,
        verification={name: choice for name in attributes.VERIFIED_FLAGS},
        pool=pool,
    )
    if plan.empty:
        write(_("Nothing to change for %(username)s.") % {"username": printable(label)})
        return
    confirm(
        _("Change %(username)s (%(what)s)?") % {"username": printable(label), "what": plan.describe()},
        assume_yes=options["yes"],
        hint=_("Add --yes to set-attributes from a script."),
        stderr=stderr,
    )
    actor = Actor.operator(operator_label())
    result = attempt("set_attributes", user, actor=actor, reason=options["reason"], attributes=plan.encode())
    error = result.error
    if isinstance(error, errors.AliasExists):
        attribute, message = attribute_changes.alias_refusal(error, plan, pool)
        raise CommandError(printable(f"{attribute}: {message}" if attribute else message))
    if result.partial and error is not None and not isinstance(error, errors.CognitoUnavailable):
        raise CommandError(printable(attribute_changes.partial_refusal(plan, error, label)))
    _finish(result, label, "set_attributes", write)
    if result.outcome is Outcome.DONE:
        for notice in attribute_changes.pending_notice(plan, printable(label)):
            write(notice)


def _typed_password(options: dict[str, Any], stdin: TextIO, user: Any) -> str:
    """The new password, from the prompt (twice) or stdin, checked with the portal's one rule set
    (``new_password_problems``: policy, common passwords, the user's own names) before Cognito is asked."""
    if options["password_stdin"]:
        password = stdin.readline().rstrip("\r\n")
    else:
        if not (stdin and stdin.isatty()):
            raise CommandError(
                _("No terminal to ask for the password on: use --password-stdin, or --temporary.")
            )
        password = getpass.getpass(_("New password: "))
        if getpass.getpass(_("New password (again): ")) != password:
            raise CommandError(_("The two passwords do not match. Nothing was changed."))
    if not password:
        raise CommandError(_("The password is empty.") + " " + _("Nothing was changed."))
    problems = new_password_problems(password, current_policy(), **selectors.person_names(user))
    if problems:
        raise CommandError(" ".join(str(p) for p in problems) + " " + _("Nothing was changed."))
    return password


def set_password(options: dict[str, Any], stderr: TextIO, write: Callable[[str], None]) -> None:
    """``set-password USER [--temporary]``: AdminSetUserPassword through the registry's credential actions."""
    temporary = options["temporary"]
    action = registry.get("set_temporary_password" if temporary else "set_password")
    if not temporary and not options["reason"].strip():
        raise CommandError(_("A permanent password needs --reason (it is kept in the audit log)."))
    if temporary and options["password_stdin"]:
        raise CommandError(_("--temporary generates the password: leave out --password-stdin."))
    user = _user(options["username"])
    label = printable(selectors.staff_label(user))
    password = action.generates(user) if action.generates else _typed_password(options, sys.stdin, user)
    confirm(
        str(action.confirmation % {"username": label, "parameter": ""}),
        assume_yes=options["yes"],
        hint=_("Add --yes to set-password from a script."),
        stderr=stderr,
    )
    actor = Actor.operator(operator_label())
    result = attempt(action.name, user, actor=actor, reason=options["reason"], password=password)
    _finish(result, label, action.name, write)
    if temporary:
        write(_("Temporary password (shown once, not stored): %(password)s") % {"password": password})
