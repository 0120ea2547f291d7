"""``manage.py cognito_bootstrap``: create or update the user pool, app client and groups the portal needs.

Idempotent (pools and clients are found by name), and the same against localcognito and AWS. The
environment lines go to stdout, so ``manage.py cognito_bootstrap > portal.env`` works; comments go to stderr.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from accounts.cognito.bootstrap import DEFAULT_SIGN_IN, SIGN_IN_SHAPES
from accounts.cognito.outbox import endpoint_is_loopback
from accounts.cognito.provisioning import bootstrap_configured_pool
from accounts.management.cli import operator_errors, where


def _case(case_sensitive: bool) -> str:
    return _("usernames case-sensitive") if case_sensitive else _("usernames case-insensitive")


class Command(BaseCommand):
    help = (
        "Create or update the Cognito user pool (MFA required with TOTP, device tracking with user opt-in, "
        "password policy), its app client and the staff groups; print the environment lines to use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pool-name", default="cognito-portal", help="User pool name (default: %(default)s)."
        )
        parser.add_argument(
            "--client-name", default="cognito-portal-web", help="App client name (default: %(default)s)."
        )
        parser.add_argument(
            "--no-secret",
            dest="with_secret",
            action="store_false",
            help="Create the app client without a client secret (only when the client is new).",
        )
        parser.add_argument(
            "--sign-in",
            choices=tuple(SIGN_IN_SHAPES),
            default=DEFAULT_SIGN_IN,
            help=(
                "How people sign in to a new pool: username; username+aliases (username, verified email "
                "or preferred_username); email (the email address is the username). Default: %(default)s."
            ),
        )
        parser.add_argument(
            "--case-sensitive",
            action="store_true",
            help="Make usernames case-sensitive in a new pool (default: case-insensitive, as AWS advises).",
        )
        parser.add_argument("--staff-group", default=None, help="Default: COGNITO_STAFF_GROUP.")
        parser.add_argument("--admin-group", default=None, help="Default: COGNITO_ADMIN_GROUP.")

    def handle(self, *args: Any, **options: Any) -> None:
        note = self._note
        with operator_errors(options["verbosity"]):
            note(
                _("Bootstrapping the user pool %(name)s (%(where)s) …")
                % {"name": options["pool_name"], "where": where()}
            )
            pool = bootstrap_configured_pool(
                pool_name=options["pool_name"],
                client_name=options["client_name"],
                with_secret=options["with_secret"],
                staff_group=options["staff_group"],
                admin_group=options["admin_group"],
                sign_in=options["sign_in"],
                case_sensitive=options["case_sensitive"],
            )
        wanted = (options["sign_in"], options["case_sensitive"])
        if not pool.created and (pool.sign_in, pool.case_sensitive) != wanted:
            note(
                _(
                    "The pool %(name)s already exists with sign-in by %(shape)s (%(case)s). Cognito cannot "
                    "change either after a pool is created, so it stays that way; use another --pool-name "
                    "for a pool with sign-in by %(wanted_shape)s (%(wanted_case)s)."
                )
                % {
                    "name": options["pool_name"],
                    "shape": pool.sign_in,
                    "case": _case(pool.case_sensitive),
                    "wanted_shape": wanted[0],
                    "wanted_case": _case(wanted[1]),
                }
            )
        elif pool.created:
            note(
                _("Created with sign-in by %(shape)s, %(case)s. Cognito cannot change either later.")
                % {"shape": pool.sign_in, "case": _case(pool.case_sensitive)}
            )
        if not options["with_secret"] and pool.client_secret:
            note(
                _(
                    "The app client %(client)s already exists with a secret, which cannot be removed. "
                    "Use another --client-name for a client without one."
                )
                % {"client": options["client_name"]}
            )
        lines = {
            "COGNITO_USER_POOL_ID": pool.pool_id,
            "COGNITO_CLIENT_ID": pool.client_id,
            "COGNITO_CLIENT_SECRET": pool.client_secret,
            "AWS_REGION": pool.region,
        }
        if settings.COGNITO_ENDPOINT_URL:
            lines["COGNITO_ENDPOINT_URL"] = settings.COGNITO_ENDPOINT_URL
            if endpoint_is_loopback() or settings.LOCAL_COGNITO:
                lines["LOCAL_COGNITO"] = "1"
        for name, value in lines.items():
            self.stdout.write(f"{name}={value}")
        if pool.pool_id == settings.COGNITO_USER_POOL_ID and pool.client_id == settings.COGNITO_CLIENT_ID:
            note(_("Ready: this is the pool and client your settings already use."))
        else:
            note(_("Ready. Put these lines in the portal's environment."))
        if pool.client_secret:
            note(_("They include the client secret: keep them private (not in version control)."))

    def _note(self, text: str) -> None:
        self.stderr.write(text, style_func=lambda line: line)
