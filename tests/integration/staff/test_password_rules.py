"""Issue #14 follow-up M7 and L13: one rule set for new passwords (the pool's policy, common passwords, and
nothing like or containing the user's own names), on the staff page, in ``cognito_users set-password`` and
on the end-user forms."""

from __future__ import annotations

import io

import pytest
from django.core.management.base import CommandError

from accounts.cognito.descriptions import PasswordPolicy
from accounts.forms import NewPasswordForm
from accounts.models import AuditEvent
from accounts.password_rules import new_password_problems
from accounts.staff.passwords import temporary_password
from tests.conftest import STRONG_PASSWORD
from tests.integration.commands.conftest import run_command

from .conftest import action_url, local_idp

pytestmark = pytest.mark.django_db

NAMES = {"username": "user006", "email": "ann.smith@example.com", "preferred_username": "annie"}


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("user006-Secret1!", "contains the username"),
        ("Secret-USER006-x", "contains the username"),
        ("Ann.Smith-42-Secret", "contains the email"),
        ("My-Annie-Secret-9", "contains the preferred username"),
        ("Password123!", "too common"),
        (" Correct-Horse-42!", "start or end with a space"),
    ],
)
def test_the_one_rule_set_refuses(password, why):
    problems = new_password_problems(password, PasswordPolicy(minimum_length=10), **NAMES)
    assert any(why in problem for problem in problems), problems


def test_the_one_rule_set_accepts_a_good_password_and_short_names_do_not_count():
    assert new_password_problems("Correct-Horse-42!", PasswordPolicy(minimum_length=10), **NAMES) == []
    # A three-letter name is everywhere: "ann" inside "Planning" is not a name-like password.
    assert new_password_problems("Planning-Horse-42!", None, username="ann") == []


def test_end_user_forms_refuse_a_password_containing_the_username():
    form = NewPasswordForm(
        {"new_password1": "user006-Secret1!", "new_password2": "user006-Secret1!"},
        policy=PasswordPolicy(minimum_length=10),
        names={"username": "user006"},
    )
    assert not form.is_valid()
    assert "contains the username" in " ".join(form.errors["new_password1"])


def test_generated_temporary_passwords_keep_the_rules():
    for _ in range(20):
        password = temporary_password(PasswordPolicy(minimum_length=10), NAMES)
        assert new_password_problems(password, PasswordPolicy(minimum_length=10), **NAMES) == []


@pytest.mark.parametrize("password", ["user006-Secret1!", "Password123!"])
def test_the_set_password_page_refuses_before_cognito_is_asked(
    cognito, admin_client, cognito_calls, password
):
    cognito.create_user("user006")
    url = action_url(cognito, "user006", "set_password")
    cognito_calls.clear()
    response = admin_client.post(url, {"password1": password, "password2": password, "reason": "ticket 9"})
    assert response.status_code == 400
    assert cognito_calls["AdminSetUserPassword"] == 0
    assert not AuditEvent.objects.exists()
    assert local_idp(cognito).admin_initiate_auth("user006", STRONG_PASSWORD).name  # the old one still works


@pytest.mark.parametrize(
    ("password", "why"), [("Password123!", "too common"), ("user009-Secret1!", "contains the username")]
)
def test_the_command_refuses_what_the_page_refuses(cognito, cognito_calls, monkeypatch, password, why):
    cognito.create_user("user009")
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    cognito_calls.clear()
    with pytest.raises(CommandError, match=why) as caught:
        run_command("cognito_users", "set-password", "user009", "--password-stdin", "--reason", "r", "--yes")
    assert "Nothing was changed." in str(caught.value)
    assert cognito_calls["AdminSetUserPassword"] == 0 and not AuditEvent.objects.exists()


def test_the_command_still_sets_a_good_password(cognito, monkeypatch):
    cognito.create_user("user009")
    monkeypatch.setattr("sys.stdin", io.StringIO("Brand-new-Pass-77!\n"))
    out = run_command(
        "cognito_users", "set-password", "user009", "--password-stdin", "--reason", "r", "--yes"
    )
    assert out.stdout.strip() == "user009 has a new password."
