"""Terminal plumbing shared by the operator commands: errors as one line, configuration, confirmations,
files.

Every command runs its work inside ``operator_errors()``, so a Cognito failure, bad input or Ctrl-C ends
as a ``CommandError`` (one line on stderr, non-zero exit status) and never as a traceback. What the commands
print (escaped text, tables, one user) is in ``accounts.management.output``.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.cognito.filters import FilterError
from accounts.management.local_data import local_env_file
from accounts.management.output import printable

INTERRUPTED_STATUS = 130  # what shells report for a process ended by SIGINT
# The portal's own log lines that would only repeat, on the operator's terminal, what the command prints
# (Cognito failures, audit records, ended sessions): shown with --verbosity 2.
CHATTY_LOGGERS = ("accounts.cognito", "accounts.audit", "accounts.sessions", "accounts.staff")


def operator_label() -> str:
    """The audit trail's actor for a command: ``operator:<login name>``."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        name = "unknown"
    return f"operator:{name}"


def operation_name(operation: str) -> str:
    """``admin_get_user`` → ``AdminGetUser`` (the name in Cognito's API reference)."""
    return "".join(part[:1].upper() + part[1:] for part in operation.split("_")) if operation else ""


def where() -> str:
    """Where the commands talk to, for error messages: the local endpoint or the AWS region."""
    endpoint = settings.COGNITO_ENDPOINT_URL
    return endpoint if endpoint else f"AWS {settings.COGNITO_REGION}"


def require_configuration() -> None:
    missing = [
        name
        for name, value in (
            ("COGNITO_USER_POOL_ID", settings.COGNITO_USER_POOL_ID),
            ("COGNITO_CLIENT_ID", settings.COGNITO_CLIENT_ID),
        )
        if not value
    ]
    if missing:
        raise CommandError(
            _(
                "%(names)s not set. For the local pool: start `make run` first; manage.py then reads "
                "%(env_file)s (for a `make run` with its own LOCAL_DATA_DIR, set the same LOCAL_DATA_DIR "
                "here). For a pool in AWS: run `manage.py cognito_bootstrap` and export the lines it prints."
            )
            % {
                "names": " and ".join(missing) + (" is" if len(missing) == 1 else " are"),
                "env_file": local_env_file(settings.BASE_DIR),
            }
        )


def describe_error(exc: errors.CognitoError) -> str:
    """One line for an operator: what failed, Cognito's own words and what to do next."""
    call = operation_name(exc.operation)
    if isinstance(exc, errors.CognitoUnavailable):
        return _(
            "Cognito is unreachable or busy (%(call)s%(where)s: %(code)s). "
            "Check the endpoint, your network and credentials, then try again."
        ) % {
            "call": f"{call} at " if call else "",
            "where": where(),
            "code": exc.code or exc.__class__.__name__,
        }
    reason = (exc.aws_message or str(exc.user_message)).strip().rstrip(".")
    if isinstance(exc, errors.UsernameExists):
        reason = str(exc.user_message).rstrip(".")  # moto's message is only the username
    code = exc.code or exc.__class__.__name__
    if call:
        return _("Cognito refused %(call)s: %(reason)s (%(code)s).") % {
            "call": call,
            "reason": reason,
            "code": code,
        }
    return f"{reason} ({code})."


@contextlib.contextmanager
def operator_errors(verbosity: int = 1) -> Iterator[None]:
    """Turn every expected failure into a one-line ``CommandError``.

    Below ``--verbosity 2`` the portal's own log lines (``CHATTY_LOGGERS``: failed calls, audit records)
    are held back: the command's output already says what happened (the audit rows are still written), and
    a second, differently worded line only confuses.
    """
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS]
    previous_levels = [chatty.level for chatty in loggers]
    if verbosity < 2:
        for chatty in loggers:
            chatty.setLevel(logging.ERROR)
    try:
        yield
    except CommandError:
        raise
    except KeyboardInterrupt:
        raise CommandError(_("Interrupted."), returncode=INTERRUPTED_STATUS) from None
    except EOFError:  # Ctrl-D, or input that ran out, at a prompt
        raise CommandError(_("No more input: stopped.")) from None
    except FilterError as exc:
        raise CommandError(str(exc)) from None
    except errors.CognitoError as exc:
        raise CommandError(describe_error(exc)) from None
    except BrokenPipeError:
        # `… | head` closed the pipe: stop quietly, and keep Python from complaining at exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0) from None
    except OSError as exc:
        raise CommandError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None
    finally:
        for chatty, level in zip(loggers, previous_levels, strict=True):
            chatty.setLevel(level)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def user_not_found(username: str) -> CommandError:
    """'No such user', with the spelling hint that fits the pool (case matters only in some pools)."""
    from accounts.cognito import pool_description

    try:
        case_sensitive = pool_description().case_sensitive
    except errors.CognitoError:
        case_sensitive = True
    hint = _("usernames are case-sensitive here") if case_sensitive else _("case does not matter here")
    return CommandError(
        _("No user named %(username)s in pool %(pool)s. Check the spelling (%(hint)s).")
        % {"username": printable(repr(username)), "pool": settings.COGNITO_USER_POOL_ID, "hint": hint}
    )


def confirm(
    question: str, *, assume_yes: bool, hint: str, stderr: TextIO, stdin: TextIO | None = None
) -> None:
    """Ask ``question [y/N]`` on the terminal; raise ``CommandError`` unless the answer is yes.

    Without a terminal there is nobody to ask: refuse, and say which flag confirms in scripts.
    """
    if assume_yes:
        return
    stdin = stdin or sys.stdin
    if not (stdin and stdin.isatty()):
        raise CommandError(_("Not confirmed: there is no terminal to ask on. %(hint)s") % {"hint": hint})
    stderr.write(f"{question} [y/N] ")
    stderr.flush()
    answer = stdin.readline()
    if not answer:
        stderr.write("\n")
    if answer.strip().lower() not in {"y", "yes"}:
        raise CommandError(_("Cancelled: nothing was changed."))


# -- files ---------------------------------------------------------------------------------------------------
def check_target(path: Path, *, force: bool) -> None:
    """Refuse (``CommandError``) to overwrite a file without ``--force`` or to write into a missing folder."""
    if path.exists() and not force:
        raise CommandError(
            _("%(path)s already exists. Choose another file or add --force to overwrite it.") % {"path": path}
        )
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": directory})


def write_privately(path: Path, chunks: Iterable[str]) -> None:
    """Write to a private temporary file beside ``path``, then rename: nothing half-written is left.

    ``mkstemp`` creates the file with mode 0600 (exports hold personal data).
    """
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def progress_meter(stream: TextIO, total: int) -> Callable[[int], None]:
    """A callback drawing ``[###...] n / ~total users`` (or ``n users``) every 60 users on ``stream``."""

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
