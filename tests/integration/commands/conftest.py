"""Helpers for the operator command tests: run a command and capture what it printed."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command


@dataclass
class Output:
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


class TerminalIO(io.StringIO):
    """A StringIO that says it is a terminal (for the prompts and progress meant for people)."""

    def isatty(self) -> bool:
        return True


def run_command(name, *args: str, stderr: io.StringIO | None = None, **options) -> Output:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    call_command(name, *args, stdout=out, stderr=err, **options)
    return Output(out.getvalue(), err.getvalue())


@pytest.fixture
def run(db):
    """``run("cognito_users", "list", …)`` → Output(stdout, stderr); a failure raises CommandError."""
    return run_command


def add_users(cognito, count: int, *, prefix: str = "user", **attributes: str) -> list[str]:
    """``count`` invited users (one AdminCreateUser each: quicker than fully confirmed ones)."""
    names = [f"{prefix}{i:04d}" for i in range(count)]
    for name in names:
        attrs = {"email": f"{name}@example.com", **attributes}
        cognito.admin.admin_create_user(
            UserPoolId=cognito.pool_id,
            Username=name,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
            MessageAction="SUPPRESS",
        )
    return names
