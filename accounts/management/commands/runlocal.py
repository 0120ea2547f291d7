"""``manage.py runlocal`` (what ``make run`` calls): localcognito + the portal, nothing to configure.

Starts ``python -m localcognito`` on LOCAL_COGNITO_PORT (9229) with its state kept in the local-data
folder (``.local/``), bootstraps a pool as cognito_bootstrap would (the same pool, ids and users on every
start), makes sure the staff account exists, writes ``.local/env`` for manage.py in another terminal,
migrates, prints where everything is, then runs the development server on PORT (8000) pointed at the
local pool. Ctrl-C, SIGTERM or SIGHUP stops both. ``--reset`` (or ``make reset-local``) starts from an
empty pool. The local-data folder is locked while it runs (and while its local Cognito lives): a second
``make run`` on the same folder is refused instead of overwriting the first one's users.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.cognito.bootstrap import DEFAULT_SIGN_IN, SIGN_IN_SHAPES
from accounts.cognito.provisioning import (
    bootstrap_local,
    ensure_staff_account,
    has_authenticator,
    staff_sign_in_name,
)
from accounts.management.cli import describe_error
from accounts.management.local_data import (
    STATE_FILE,
    DataDirInUse,
    data_dir,
    lock_data_dir,
    reset_local_data,
    staff_password,
    stop_with_parent,
    write_env_file,
)

# Signals that stop `make run` as Ctrl-C does; unlike Ctrl-C in a terminal they reach this process only.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Poll localcognito's outbox endpoint until it answers; CommandError if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(
                _("localcognito exited early (status %(status)s); see its output above.")
                % {"status": process.returncode}
            )
        try:
            with urllib.request.urlopen(url + "/_local/outbox", timeout=1):  # noqa: S310 (loopback)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise CommandError(
        _("localcognito did not answer at %(url)s within %(timeout)d s.") % {"url": url, "timeout": timeout}
    )


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on ``host:port`` (another make run, say)."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def start_child(command: list[str], **kwargs) -> subprocess.Popen:
    """Start a server child as the leader of its own process group, tied to runlocal's life.

    Its own group: ``stop_child`` can then signal the child *and* what it starts (runserver's autoreloader
    runs the real server in a grandchild), and a terminal's Ctrl-C reaches runlocal alone, which stops the
    children in order. SIGINT is reset to its default because a shell starting ``make run &`` in the
    background ignores it, and children inherit an ignored signal. Each child gets SIGTERM from the kernel
    if runlocal dies, even by SIGKILL (``stop_with_parent``); the portal's own processes do the same
    (``PORTAL_STOP_WITH_PARENT``, read in ``AccountsConfig.ready``), so nothing outlives runlocal.
    """
    return subprocess.Popen(command, process_group=0, preexec_fn=_child_setup, **kwargs)  # noqa: S603


def _child_setup() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    stop_with_parent()


def stop_child(process: subprocess.Popen) -> None:
    """Stop a ``start_child`` child and its whole process group: SIGINT (as Ctrl-C), then SIGTERM, then
    SIGKILL, waiting up to 5 s after each; returns when the child is gone."""
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, stop)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; a grandchild still in the group (the reloader's server) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        return


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as for Ctrl-C."""


def _raise_stopped(signum: int, frame: object) -> None:
    for stop in STOP_SIGNALS:  # one is enough: a second must not interrupt the clean-up
        signal.signal(stop, signal.SIG_IGN)
    raise _Stopped


class Command(BaseCommand):
    help = "Run the portal against an embedded local Cognito (what `make run` does)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--cognito-port", type=int, default=int(os.environ.get("LOCAL_COGNITO_PORT", "9229"))
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--sign-in",
            choices=tuple(SIGN_IN_SHAPES),
            default=os.environ.get("LOCAL_SIGN_IN", DEFAULT_SIGN_IN),
            help="How people sign in to a new local pool (see cognito_bootstrap). Default: %(default)s.",
        )
        parser.add_argument(
            "--case-sensitive",
            action="store_true",
            default=os.environ.get("LOCAL_CASE_SENSITIVE", "") not in ("", "0"),
            help="Case-sensitive usernames in a new local pool (default: case-insensitive).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Forget the saved local pool, users and staff password first (as `make reset-local`).",
        )

    def handle(self, *args, port: int, cognito_port: int, host: str, reset: bool, **options) -> None:
        folder = data_dir(settings.BASE_DIR)
        try:
            lock = lock_data_dir(folder)
        except OSError as exc:
            raise CommandError(
                _("Cannot use the local-data folder %(folder)s: %(reason)s")
                % {"folder": folder, "reason": exc.strerror or exc}
            ) from None
        except DataDirInUse:
            raise CommandError(
                _(
                    "The local-data folder %(folder)s is in use by another make run. Stop that one, or give "
                    "this one a folder of its own with LOCAL_DATA_DIR=… (and its own ports)."
                )
                % {"folder": folder}
            ) from None
        previous = {stop: signal.signal(stop, _raise_stopped) for stop in STOP_SIGNALS}
        stop_with_parent()
        try:
            self.serve(folder, lock, port=port, cognito_port=cognito_port, host=host, reset=reset, **options)
        finally:
            for stop, handler in previous.items():
                signal.signal(stop, handler)
            os.close(lock)

    def serve(
        self, folder: Path, lock: int, *, port: int, cognito_port: int, host: str, reset: bool, **options
    ) -> None:
        """After the lock: reset, port checks, localcognito, the pool, the portal; until stopped."""
        if reset:
            for path in reset_local_data(folder):
                self.stdout.write(_("Removed %(path)s") % {"path": path})
        for name, value, variable in (
            (_("The local Cognito"), cognito_port, "LOCAL_COGNITO_PORT"),
            (_("The portal"), port, "PORT"),
        ):
            if port_in_use(value, "127.0.0.1" if variable == "LOCAL_COGNITO_PORT" else host):
                # Never talk to whatever answers there: it could be another make run's pool.
                raise CommandError(
                    _(
                        "%(name)s's port %(port)d is in use (another make run?). Stop that, or choose "
                        "another port with %(variable)s=… and, for a second make run, a local-data "
                        "folder of its own with LOCAL_DATA_DIR=…"
                    )
                    % {"name": name, "port": value, "variable": variable}
                )
        endpoint = f"http://127.0.0.1:{cognito_port}"
        state = folder / STATE_FILE
        command = [sys.executable, "-m", "localcognito", "--port", str(cognito_port), "--quiet"]
        cognito = portal = None
        try:
            # The local Cognito inherits the folder's lock: it stays locked while that process lives.
            cognito = start_child([*command, "--state", str(state)], pass_fds=(lock,))
            wait_until_up(endpoint, cognito)
            try:
                portal = self.start_portal(endpoint, folder, host=host, port=port, **options)
            except errors.CognitoError as exc:
                raise CommandError(describe_error(exc)) from None
            portal.wait()
        except KeyboardInterrupt:
            self.stdout.write("\n" + _("Stopping."))
        finally:
            for process in (portal, cognito):
                if process is not None:
                    stop_child(process)

    def start_portal(
        self, endpoint: str, folder, *, host: str, port: int, sign_in: str, case_sensitive: bool, **options
    ) -> subprocess.Popen:
        pool = bootstrap_local(
            endpoint,
            staff_group=settings.COGNITO_STAFF_GROUP,
            admin_group=settings.COGNITO_ADMIN_GROUP,
            sign_in=sign_in,
            case_sensitive=case_sensitive,
        )
        username = os.environ.get("LOCAL_STAFF_USERNAME", "staff")
        email = os.environ.get("LOCAL_STAFF_EMAIL", "staff@example.com")
        password, _generated = staff_password(folder, username)
        ensure_staff_account(
            endpoint,
            pool,
            username=username,
            password=password,
            email=email,
            groups=[settings.COGNITO_STAFF_GROUP, settings.COGNITO_ADMIN_GROUP],
        )
        sign_in_name = staff_sign_in_name(pool, username, email)
        second_factor = (
            _("sign in with your authenticator code")
            if has_authenticator(endpoint, pool, sign_in_name)
            else _("first sign-in sets up TOTP")
        )
        variables = {
            "DJANGO_DEBUG": "1",
            "LOCAL_COGNITO": "1",
            "COGNITO_ENDPOINT_URL": endpoint,
            "COGNITO_USER_POOL_ID": pool.pool_id,
            "COGNITO_CLIENT_ID": pool.client_id,
            "COGNITO_CLIENT_SECRET": pool.client_secret,
            "AWS_REGION": pool.region,
            "PORTAL_URL": f"http://{host}:{port}",  # for commands that point at the portal's pages
        }
        # manage.py chose the local-data folder's database before the settings loaded (or DATABASE_URL
        # names another); the portal and the commands of a second terminal use the same.
        if os.environ.get("DATABASE_URL"):
            variables["DATABASE_URL"] = os.environ["DATABASE_URL"]
        call_command("migrate", interactive=False, verbosity=0)
        env_file = write_env_file(folder, variables)
        base = f"http://{host}:{port}"
        kept = _("reused") if not pool.created else _("new")
        shape = _("sign-in by %(shape)s, usernames %(case)s") % {
            "shape": pool.sign_in,
            "case": _("case-sensitive") if pool.case_sensitive else _("case-insensitive"),
        }
        if (pool.sign_in, pool.case_sensitive) != (sign_in, case_sensitive):
            shape += " " + _(
                "(kept from the earlier run: a pool's shape cannot change; "
                "`make reset-local` to get %(wanted)s)"
            ) % {"wanted": sign_in + (", case-sensitive" if case_sensitive else "")}
        staff = f"{sign_in_name} / {password}"
        if folder.resolve() == (settings.BASE_DIR / ".local").resolve():
            reader = _("manage.py in another terminal reads it")
        else:
            reader = _("manage.py in another terminal reads it with LOCAL_DATA_DIR=%(folder)s") % {
                "folder": folder
            }
        rows = [
            (_("Portal"), f"{base}/"),
            (_("Staff pages"), f"{base}/admin/"),
            (_("Staff account"), f"{staff}  ({second_factor})"),
            (_("Local mailbox"), f"{base}/local/mailbox/  ({_('codes and temporary passwords')})"),
            (_("Local Cognito"), f"{endpoint}  ({_('user pool')} {pool.pool_id}, {kept})"),
            (_("Pool shape"), shape),
            (_("Local data"), f"{folder / STATE_FILE}  ({_('`make reset-local` starts over')})"),
            (_("Database"), variables.get("DATABASE_URL") or str(settings.DATABASES["default"]["NAME"])),
            (_("Environment"), f"{env_file}  ({reader})"),
        ]
        lines = ["", self.style.SUCCESS(_("Cognito portal (local mode)"))]
        lines += [f"  {label + ':':<17}{value}" for label, value in rows]
        self.stdout.write("\n".join([*lines, "  " + _("Press Ctrl-C to stop."), ""]))
        return start_child(
            [sys.executable, "manage.py", "runserver", f"{host}:{port}"],
            env={**os.environ, **variables, "PORTAL_STOP_WITH_PARENT": "1"},
            cwd=settings.BASE_DIR,
        )
