"""``manage.py runlocal`` (what ``make run`` calls): localcognito + the portal, nothing to configure.

Starts ``python -m localcognito`` on LOCAL_COGNITO_PORT (9229), bootstraps a pool as cognito_bootstrap
would, creates a staff account, migrates, prints where everything is, then runs the development server on
PORT (8000) pointed at the local pool. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.cognito.bootstrap import DEFAULT_SIGN_IN, SIGN_IN_SHAPES
from accounts.cognito.local import bootstrap_local, ensure_staff_account


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(
                f"localcognito exited early (status {process.returncode}); see its output above."
            )
        try:
            with urllib.request.urlopen(url + "/_local/outbox", timeout=1):  # noqa: S310 (loopback)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise CommandError(f"localcognito did not answer at {url} within {timeout:.0f} s.")


def generated_password() -> str:
    # Meets the local pool's policy: length, upper, lower, digit, symbol.
    return f"Staff-{secrets.token_urlsafe(9)}-7a!"


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
            help="How people sign in to the local pool (see cognito_bootstrap). Default: %(default)s.",
        )
        parser.add_argument(
            "--case-sensitive",
            action="store_true",
            default=os.environ.get("LOCAL_CASE_SENSITIVE", "") not in ("", "0"),
            help="Case-sensitive usernames in the local pool (default: case-insensitive).",
        )

    def handle(
        self, *args, port: int, cognito_port: int, host: str, sign_in: str, case_sensitive: bool, **options
    ) -> None:
        endpoint = f"http://127.0.0.1:{cognito_port}"
        cognito = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
            [sys.executable, "-m", "localcognito", "--port", str(cognito_port), "--quiet"]
        )
        portal = None
        try:
            wait_until_up(endpoint, cognito)
            pool = bootstrap_local(
                endpoint,
                staff_group=settings.COGNITO_STAFF_GROUP,
                admin_group=settings.COGNITO_ADMIN_GROUP,
                sign_in=sign_in,
                case_sensitive=case_sensitive,
            )
            username = os.environ.get("LOCAL_STAFF_USERNAME", "staff")
            password = os.environ.get("LOCAL_STAFF_PASSWORD") or generated_password()
            email = os.environ.get("LOCAL_STAFF_EMAIL", "staff@example.com")
            ensure_staff_account(
                endpoint,
                pool,
                username=username,
                password=password,
                email=email,
                groups=[settings.COGNITO_STAFF_GROUP, settings.COGNITO_ADMIN_GROUP],
            )
            call_command("migrate", interactive=False, verbosity=0)
            env = {
                **os.environ,
                "DJANGO_DEBUG": "1",
                "LOCAL_COGNITO": "1",
                "COGNITO_ENDPOINT_URL": endpoint,
                "COGNITO_USER_POOL_ID": pool.pool_id,
                "COGNITO_CLIENT_ID": pool.client_id,
                "COGNITO_CLIENT_SECRET": pool.client_secret,
                "AWS_REGION": pool.region,
            }
            base = f"http://{host}:{port}"
            self.stdout.write(
                "\n".join(
                    [
                        "",
                        self.style.SUCCESS("Cognito portal (local mode)"),
                        f"  Portal:          {base}/",
                        f"  Staff pages:     {base}/admin/",
                        f"  Staff account:   {username} / {password}  (first sign-in sets up TOTP)",
                        f"  Local mailbox:   {base}/local/mailbox/  (codes and temporary passwords)",
                        f"  Local Cognito:   {endpoint}  (user pool {pool.pool_id}; state lives in memory)",
                        "  Press Ctrl-C to stop.",
                        "",
                    ]
                )
            )
            portal = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "runserver", f"{host}:{port}"],
                env=env,
                cwd=settings.BASE_DIR,
            )
            portal.wait()
        except KeyboardInterrupt:
            self.stdout.write("\nStopping.")
        finally:
            for process in (portal, cognito):
                if process and process.poll() is None:
                    process.send_signal(signal.SIGINT)
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
