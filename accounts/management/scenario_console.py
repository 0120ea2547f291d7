"""The terminal side of ``cognito_scenario``: asking (codes, hidden passwords checked against the pool's
rules before anything is sent), the step headings and result lines, and small formatting helpers.

``ScenarioConsole`` is a mixin for the command (it uses ``self.stdout``, ``self.style``, ``self.step`` and
``self.call_count``); the steps themselves stay in the command and in ``accounts.scenario``.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.cognito.descriptions import PasswordPolicy
from accounts.cognito.types import DeliveryDetails
from accounts.password_rules import password_problems
from accounts.totp import TOTP_PERIOD

STEPS = 7


class ScenarioConsole:
    """Prompts and output lines for a command that walks the scenario's ``STEPS`` steps."""

    step: int
    call_count: int

    # -- asking --------------------------------------------------------------------------------------------
    def _ask_code(self, prompt: str, *, allow_empty: bool = False) -> str:
        """A six-digit code; spaces and dashes people type from an app or an email are dropped."""
        while True:
            code = re.sub(r"[\s-]", "", self._ask(prompt, allow_empty=allow_empty))
            if re.fullmatch(r"\d{6}", code) or (allow_empty and not code):
                return code
            self._warn(_("A code is six digits; type it again."))

    def _ask(self, prompt: str, *, allow_empty: bool = False) -> str:
        while True:
            self.stdout.write(f"  {prompt}: ", ending="")
            self.stdout.flush()
            line = sys.stdin.readline()
            if not line:
                raise CommandError(_("No more input: stopped."))
            answer = line.strip()
            if answer or allow_empty:
                return answer

    def _password(self) -> str:
        while True:
            first = getpass.getpass(f"  {_('Password')}: ")
            second = getpass.getpass(f"  {_('Password again')}: ")
            if first and first == second:
                return first
            self._warn(_("The passwords differ (or are empty); type them again."))

    def _new_password(self, policy: PasswordPolicy | None) -> str:
        """A password typed twice that meets the pool's rules: checked here, so Cognito never sees one
        it would refuse (SignUp counts against the pool's quotas, and a refusal says less)."""
        while True:
            password = self._password()
            problems = password_problems(policy, password)
            if not problems:
                return password
            for problem in problems:
                self._warn(problem)
            self._warn(_("Type a password that meets the rules above."))

    # -- output --------------------------------------------------------------------------------------------
    def _begin(self, title: str, purpose: str) -> None:
        self.step += 1
        self.stdout.write("")
        label = (
            _("Step %(step)d of %(steps)d") % {"step": self.step, "steps": STEPS}
            if self.step <= STEPS
            else ""
        )
        heading = f"{label} · {title}" if label else title
        self.stdout.write(self.style.MIGRATE_HEADING(heading))
        if purpose:
            self._say(f"  {purpose}")

    def _announce(self, call: str, why: str) -> None:
        self.call_count += 1
        self.stdout.write(self.style.HTTP_INFO(f"  → Cognito {call}") + f": {why}")

    def _say(self, *lines: str) -> None:
        for line in lines:
            self.stdout.write(line)

    def _ok(self, text: str) -> None:
        self.stdout.write(self.style.SUCCESS(f"  ✓ {text}"))

    def _warn(self, text: str) -> None:
        self.stdout.write(self.style.WARNING(f"  ! {text}"))


# -- small formatting helpers -----------------------------------------------------------------------------
def describe_policy(policy: PasswordPolicy) -> str:
    """The pool's password policy (DescribeUserPool) as one line: "at least 10 characters, a number"."""
    rules = [_("at least %(n)d characters") % {"n": policy.minimum_length}]
    for required, text in (
        (policy.require_uppercase, _("an uppercase letter")),
        (policy.require_lowercase, _("a lowercase letter")),
        (policy.require_numbers, _("a number")),
        (policy.require_symbols, _("a symbol")),
    ):
        if required:
            rules.append(text)
    return ", ".join(rules)


def delivered(delivery: DeliveryDetails | None) -> str:
    """Where Cognito says it sent a code (its CodeDeliveryDetails, masked), as a line for the terminal."""
    if delivery is None:
        return _("  Cognito sent a code.")
    return _("  Code sent by %(medium)s to %(destination)s.") % {
        "medium": delivery.medium or "EMAIL",
        "destination": delivery.destination or _("the user's address"),
    }


def group_key(secret: str) -> str:
    """The key in groups of four, as authenticator apps show it (easier to type)."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_window() -> int:
    """The number of the current TOTP time step (epoch seconds // 30)."""
    return int(time.time()) // TOTP_PERIOD


def local_mail_hint(endpoint_url: str) -> str:
    """Where the local Cognito's emails land: the portal's mailbox page and the outbox endpoint.

    The portal's address is PORTAL_URL (``make run`` writes it to the env file this terminal's manage.py
    reads), else PORT on 127.0.0.1, else port 8000.
    """
    portal = os.environ.get("PORTAL_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    return _(
        "  No email leaves this machine: the code is in the local mailbox of the portal that make run "
        "started (%(mailbox)s) and in the local Cognito's outbox (%(outbox)s)."
    ) % {
        "mailbox": portal.rstrip("/") + "/local/mailbox/",
        "outbox": endpoint_url.rstrip("/") + "/_local/outbox",
    }
