"""``manage.py cognito_scenario``: sign up → confirm → MFA setup → TOTP → remembered device, in a terminal.

A guided version of AWS's "sign up a user with a user pool that requires MFA" example, against the
configured pool. Each step says what it does and which Cognito call it makes. ``--non-interactive`` (local
Cognito only) reads the emailed code from the local outbox and computes TOTP codes itself.
The steps live in ``accounts.scenario``; this module drives them, and ``accounts.management.scenario_console``
does the asking and printing. Against a local Cognito it says where the emails land.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.cognito import errors, get_idp
from accounts.cognito.descriptions import PasswordPolicy
from accounts.cognito.outbox import endpoint_is_loopback
from accounts.management.cli import describe_error, operator_errors, require_configuration, where
from accounts.management.output import Column, printable, stream_table, yes_no
from accounts.management.scenario_console import (
    STEPS,
    ScenarioConsole,
    current_window,
    delivered,
    describe_policy,
    group_key,
    local_mail_hint,
)
from accounts.password_rules import password_problems
from accounts.scenario import (
    LocalCodes,
    MfaSignUpScenario,
    ScenarioError,
    SignInOutcome,
    generated_identity,
)
from accounts.totp import qr_text
from accounts.totp import seconds_left_in_window as seconds_left_in_totp_window

__all__ = ["Command", "describe_policy", "group_key"]
ATTEMPTS = 3


class Command(ScenarioConsole, BaseCommand):
    help = (
        "Walk through sign-up, email confirmation, MFA setup with an authenticator app, a TOTP sign-in, "
        "remembering the device and a sign-in from it without a code, against the configured pool."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--non-interactive",
            action="store_true",
            help="Run unattended against a local Cognito: codes from its outbox, TOTP codes computed here.",
        )
        parser.add_argument("--username", help="Username to sign up (asked, or generated when unattended).")
        parser.add_argument("--email", help="Email address (asked, or generated when unattended).")
        parser.add_argument(
            "--password",
            help="Password for --non-interactive runs (generated when omitted); interactive runs ask.",
        )
        parser.add_argument(
            "--device-name", default=f"cognito_scenario on {socket.gethostname()}", help="Name of the device."
        )

    # -- entry ---------------------------------------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> None:
        self.unattended: bool = options["non_interactive"]
        self.outcomes: dict[str, Any] = {}
        self.call_count = 0
        self.step = 0
        with operator_errors(options["verbosity"]):
            require_configuration()
            self._check_mode(options)
            self.codes = (
                LocalCodes(settings.COGNITO_ENDPOINT_URL, settings.COGNITO_USER_POOL_ID)
                if self.unattended
                else None
            )
            self.scenario = MfaSignUpScenario(
                get_idp(), announce=self._announce, issuer=settings.PORTAL_SITE_NAME
            )
            try:
                self._run(options)
            except ScenarioError as exc:
                raise CommandError(f"{self._where_it_stopped()}: {exc}") from None
            except errors.CognitoUnavailable:
                raise
            except errors.CognitoError as exc:
                raise CommandError(f"{self._where_it_stopped()}: {describe_error(exc)}") from None

    def _where_it_stopped(self) -> str:
        if not self.step:
            return _("Could not start")
        if self.step > STEPS:
            return _("The final check failed")
        return _("Step %(step)d failed") % {"step": self.step}

    def _check_mode(self, options: dict[str, Any]) -> None:
        self.local = bool(settings.COGNITO_ENDPOINT_URL) and (
            endpoint_is_loopback() or settings.LOCAL_COGNITO
        )
        if self.unattended:
            if not self.local:
                raise CommandError(
                    _(
                        "--non-interactive runs only against a local Cognito (it reads codes from its "
                        "outbox), and this pool is at %(where)s. Run without --non-interactive to type the "
                        "codes yourself."
                    )
                    % {"where": where()}
                )
            return
        if options.get("password"):
            raise CommandError(
                _("--password is only for --non-interactive: interactive runs ask for it without echoing it.")
            )
        if not sys.stdin.isatty():
            raise CommandError(
                _(
                    "cognito_scenario asks questions, and there is no terminal to ask on. Run it in a "
                    "terminal, or add --non-interactive against a local Cognito."
                )
            )

    # -- the walk-through ----------------------------------------------------------------------------------
    def _run(self, options: dict[str, Any]) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(_("Sign-up with MFA and a remembered device")))
        pool = self.scenario.describe_pool()
        self._say(
            _("Pool %(pool)s (%(name)s) at %(where)s; MFA %(mfa)s, device tracking %(devices)s.")
            % {
                "pool": pool.pool_id,
                "name": pool.name,
                "where": where(),
                "mfa": pool.mfa_configuration,
                "devices": _("on") if pool.device_tracking else _("off"),
            },
        )
        self._sign_up(options, pool.password_policy)
        self._confirm()
        self._list_users()
        self._set_up_mfa()
        outcome = self._sign_in_with_totp()
        self._remember_device(outcome, options["device_name"])
        self._sign_in_with_device()
        self._begin(_("Check"), _("Read the user back as an administrator."))
        user = self.scenario.get_user()
        self.outcomes["user"] = user
        self._ok(
            _(
                "%(username)s is %(status)s with %(mfa)s; this device is remembered and signs in "
                "without a code. %(calls)d Cognito calls in all."
            )
            % {
                "username": printable(user.username),
                "status": user.status,
                "mfa": ", ".join(user.mfa_settings) or _("no MFA"),
                "calls": self.call_count,
            }
        )

    def _sign_up(self, options: dict[str, Any], policy: PasswordPolicy) -> None:
        self._begin(_("Sign up"), _("Create the user in the pool; Cognito emails a confirmation code."))
        if self.unattended:
            username, email, password = generated_identity()
            username = options["username"] or username
            email = options["email"] or (f"{username}@example.com" if options["username"] else email)
            if options["password"]:
                problems = password_problems(policy, options["password"])
                if problems:
                    raise ScenarioError(
                        _("--password does not meet the pool's rules: %(problems)s")
                        % {"problems": " ".join(problems)}
                    )
                password = options["password"]
            outcome = self.scenario.sign_up(username, password, email)
        else:
            self._say(_("  Password rules: %(rules)s.") % {"rules": describe_policy(policy)})
            username, email = options["username"] or "", options["email"] or ""
            for attempt in range(1, ATTEMPTS + 2):
                username = username or self._ask(_("Username"))
                email = email or self._ask(_("Email address"))
                password = self._new_password(policy)
                try:
                    outcome = self.scenario.sign_up(username, password, email)
                    break
                except errors.UsernameExists:
                    self._warn(
                        _("The username %(username)s is taken; choose another.") % {"username": username}
                    )
                    username = ""
                except errors.InvalidPassword as exc:
                    self._warn(exc.user_message)
                except errors.InvalidParameter as exc:
                    self._warn(exc.aws_message or exc.user_message)
                    email = ""
                if attempt > ATTEMPTS:
                    raise ScenarioError(_("Too many tries; run the command again."))
        self.outcomes["sign_up"] = outcome
        self._ok(
            _("User %(username)s created (sub %(sub)s), %(state)s.")
            % {
                "username": printable(outcome.username),
                "sub": outcome.user_sub,
                "state": _("already confirmed") if outcome.confirmed else _("not confirmed yet"),
            }
        )
        if outcome.delivery:
            self._say(delivered(outcome.delivery))

    def _confirm(self) -> None:
        self._begin(_("Confirm the email address"), _("Send back the code Cognito emailed."))
        if self.outcomes["sign_up"].confirmed:
            self._ok(_("Nothing to do: the pool confirmed the user already."))
            return
        if self.local:
            self._say(local_mail_hint(settings.COGNITO_ENDPOINT_URL))
        resends = 0
        for attempt in range(1, ATTEMPTS * 2 + 1):
            code = self._emailed_code()
            if not code:
                self._say(delivered(self.scenario.resend_code()))
                resends += 1
                continue
            try:
                self.scenario.confirm(code)
                break
            except (errors.ExpiredCode, errors.TooManyFailedAttempts) as exc:
                if isinstance(exc, errors.ExpiredCode):
                    self._warn(_("That code has expired; asking Cognito for a new one."))
                else:
                    self._warn(_("Too many wrong codes for this one; asking Cognito for a new one."))
                self._say(delivered(self.scenario.resend_code()))
                resends += 1
            except errors.CodeMismatch:
                if self.unattended or attempt >= ATTEMPTS * 2:
                    raise
                self._warn(_("That code is not correct. Check it, or press Enter for a new one."))
        else:
            raise ScenarioError(
                _("The address was not confirmed after several tries; run the command again.")
            )
        self.outcomes["confirm"] = {"resends": resends}
        self._ok(_("Email address confirmed: the user is CONFIRMED and email_verified is true."))

    def _list_users(self) -> None:
        self._begin(_("List users"), _("The first users of the pool, as a staff member would see them."))
        users = self.scenario.list_users(limit=10)
        if not any(u.username == self.scenario.username for u in users):
            # A big pool: the first page may not hold the new user, so look it up by name as well.
            users += [u for u in self.scenario.find_user() if u.username == self.scenario.username]
        self.outcomes["list_users"] = users
        stream_table(
            (Column("  USERNAME", 34), Column("EMAIL", 40), Column("STATUS", 21), Column("ENABLED", 7)),
            (
                [
                    ("* " if u.username == self.scenario.username else "  ") + u.username,
                    u.email or "-",
                    u.status,
                    yes_no(u.enabled),
                ]
                for u in users
            ),
            self._say,
        )
        self._say(_("  (* = the user just signed up)"))

    def _set_up_mfa(self) -> None:
        self._begin(
            _("Sign in and set up MFA"),
            _("The pool requires MFA and the user has none: Cognito answers the password with MFA_SETUP."),
        )
        challenge = self.scenario.start_sign_in()
        name = challenge.name if challenge else "tokens"
        self._say(_("  Cognito asked for %(challenge)s.") % {"challenge": name})
        setup = self.scenario.begin_mfa_setup()
        if self.codes is not None:
            self.codes.use_totp_secret(setup.secret)
        if not self.unattended or self.stdout.isatty():
            self._say(
                _("  Scan this QR code with an authenticator app (Google Authenticator, 1Password, …):")
            )
            self.stdout.write(qr_text(setup.uri), ending="")
            self._say(_("  Or type this key into the app: %(key)s") % {"key": group_key(setup.secret)})
        else:
            self._say(_("  (The QR code and key are shown only on a terminal; the codes are computed here.)"))
        for attempt in range(1, ATTEMPTS + 1):
            code = self._totp_code(_("Code shown by the app"), step=0)
            try:
                self.scenario.verify_totp(code)
                break
            except errors.CodeMismatch:
                if self.unattended or attempt == ATTEMPTS:
                    raise
                self._warn(_("Cognito did not accept that code; type the code the app shows now."))
        self._verified_window = current_window()
        outcome = self.scenario.finish_mfa_setup()
        self.outcomes["mfa_setup"] = outcome
        self._ok(
            _("Signed in with that one code; the authenticator is now the user's MFA (SOFTWARE_TOKEN_MFA).")
        )

    def _sign_in_with_totp(self) -> SignInOutcome:
        self._begin(
            _("Sign in with a code"),
            _("Password, then the SOFTWARE_TOKEN_MFA challenge answered with a code from the app."),
        )
        for attempt in range(1, ATTEMPTS + 1):
            challenge = self.scenario.start_sign_in()
            self._say(
                _("  Cognito asked for %(challenge)s.") % {"challenge": challenge.name if challenge else "-"}
            )
            if not self.unattended and current_window() == self._verified_window:
                self._say(
                    _(
                        "  Cognito accepts each code once: wait for the app to show a new code "
                        "(about %(seconds)d s)."
                    )
                    % {"seconds": seconds_left_in_totp_window()}
                )
            # Unattended: the next window's code, since this window's was just used (Cognito allows ±1 step).
            code = self._totp_code(_("New code shown by the app"), step=1)
            try:
                outcome = self.scenario.answer_totp(code)
                break
            except (errors.CodeMismatch, errors.ExpiredCode):
                if self.unattended or attempt == ATTEMPTS:
                    raise
                self._warn(
                    _("Cognito did not accept that code (a code works once, in its 30 s); signing in again.")
                )
        self.outcomes["totp_sign_in"] = outcome
        self._ok(_("Signed in with password and code."))
        if outcome.new_device:
            self._say(
                _("  Cognito started tracking this device (NewDeviceMetadata, device key %(key)s).")
                % {"key": outcome.new_device.device_key}
            )
        return outcome

    def _remember_device(self, outcome: SignInOutcome, device_name: str) -> None:
        self._begin(
            _("Remember this device"),
            _("Confirm the tracked device with an SRP verifier, then mark it remembered."),
        )
        if outcome.new_device is None:
            raise ScenarioError(
                _("Cognito did not offer a device to remember: device tracking is off for this pool.")
            )
        remembered = self.scenario.remember_device(outcome.new_device, device_name)
        self.outcomes["device"] = remembered
        self._ok(
            _("Device %(name)s remembered%(how)s. Its password stays in this process only.")
            % {
                "name": printable(device_name),
                "how": _(" (the pool asks users to opt in, hence UpdateDeviceStatus)")
                if remembered.confirmation_needed
                else "",
            }
        )

    def _sign_in_with_device(self) -> None:
        self._begin(
            _("Sign in from the remembered device"),
            _("Password plus the device key: Cognito checks the device by SRP instead of asking for a code."),
        )
        outcome = self.scenario.sign_in_with_device()
        self.outcomes["device_sign_in"] = outcome
        self._ok(
            _("Signed in without a code: Cognito asked only %(challenges)s.")
            % {"challenges": " → ".join(outcome.challenges)}
        )

    # -- where codes and answers come from -----------------------------------------------------------------
    def _emailed_code(self) -> str:
        if self.codes is not None:
            code = self.codes.emailed_code(self.scenario.username, "signup")
            self._say(_("  Code read from the local outbox."))
            return code
        return self._ask_code(_("Code from the email (Enter for a new one)"), allow_empty=True)

    def _totp_code(self, prompt: str, *, step: int) -> str:
        if self.codes is not None:
            self._say(_("  Code computed from the key (pyotp)."))
            return self.codes.totp_code(step=step)
        return self._ask_code(prompt)
