"""``cognito_users set-attributes``, ``set-password [--temporary]``, the export's BOM and columns (issue #14):
the staff console's rules, audit rows and outcomes, in a terminal."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management.base import CommandError

from accounts.models import AuditEvent
from tests.integration.commands.conftest import TerminalIO

NEW_PASSWORD = "Brand-new-Pass-77!"


def attributes_of(pool, username: str) -> dict[str, str]:
    response = pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in response["UserAttributes"]}


def status_of(pool, username: str) -> str:
    return pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username=username)["UserStatus"]


# -- set-attributes ---------------------------------------------------------------------------------------
def test_set_attributes_sets_clears_and_audits_names_only(run, cognito):
    cognito.create_user("ann", attributes={"nickname": "annie"})
    out = run(
        "cognito_users",
        "set-attributes",
        "ann",
        "given_name=Ann",
        "family_name=Lee",
        "nickname=",
        "--yes",
        "--reason",
        "ticket 4",
    )
    assert out.stdout.strip() == "The attributes of ann are saved."
    after = attributes_of(cognito, "ann")
    assert (after["given_name"], after["family_name"]) == ("Ann", "Lee") and "nickname" not in after
    event = AuditEvent.objects.get()
    assert (event.action, event.reason, event.actor_label[:9]) == ("set_attributes", "ticket 4", "operator:")
    assert event.detail.endswith("changed: family_name, given_name; removed: nickname")
    assert "Lee" not in event.detail


def test_set_attributes_marks_a_new_email_verified_on_request(run, cognito):
    cognito.create_user("ann")
    run("cognito_users", "set-attributes", "ann", "email=ann2@example.com", "--mark-verified", "--yes")
    after = attributes_of(cognito, "ann")
    assert (after["email"], after["email_verified"]) == ("ann2@example.com", "true")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["given_name"], "Give attributes as NAME=VALUE"),
        (["favourite_colour=blue"], "no editable attribute favourite_colour"),
    ],
)
def test_set_attributes_refuses_bad_input_before_any_call(run, cognito, args, message):
    cognito.create_user("ann")
    with pytest.raises(CommandError, match=message):
        run("cognito_users", "set-attributes", "ann", *args, "--yes")
    assert not AuditEvent.objects.exists()


def test_set_attributes_with_nothing_to_change_says_so(run, cognito):
    cognito.create_user("ann", attributes={"given_name": "Ann"})
    out = run("cognito_users", "set-attributes", "ann", "given_name=Ann", "--yes")
    assert "Nothing to change for ann." in out.stdout and not AuditEvent.objects.exists()


def test_set_attributes_asks_on_a_terminal(run, cognito, monkeypatch):
    cognito.create_user("ann")
    monkeypatch.setattr("sys.stdin", TerminalIO("n\n"))
    with pytest.raises(CommandError, match="Cancelled"):
        run("cognito_users", "set-attributes", "ann", "given_name=Ann", stderr=TerminalIO())
    assert "given_name" not in attributes_of(cognito, "ann")


# -- set-password ------------------------------------------------------------------------------------------
def test_a_temporary_password_is_printed_once_and_never_logged(run, cognito, caplog):
    cognito.create_user("ann")
    with caplog.at_level(logging.DEBUG):
        out = run("cognito_users", "set-password", "ann", "--temporary", "--yes", verbosity=2)
    line = [text for text in out.stdout.splitlines() if text.startswith("Temporary password")]
    password = line[0].rsplit(" ", 1)[1]
    assert len(password) >= 16
    assert status_of(cognito, "ann") == "FORCE_CHANGE_PASSWORD"
    assert password not in caplog.text and password not in out.stderr
    event = AuditEvent.objects.get()
    assert (event.action, event.detail) == ("set_temporary_password", "set a temporary password")


def test_a_permanent_password_comes_from_stdin_and_needs_a_reason(run, cognito, monkeypatch):
    cognito.create_user("ann")
    with pytest.raises(CommandError, match="needs --reason"):
        run("cognito_users", "set-password", "ann", "--password-stdin", "--yes")
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError, match="at least 10 characters"):
        run("cognito_users", "set-password", "ann", "--password-stdin", "--yes", "--reason", "ticket 8")
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    out = run("cognito_users", "set-password", "ann", "--password-stdin", "--yes", "--reason", "ticket 8")
    assert out.stdout.strip() == "ann has a new password."
    assert NEW_PASSWORD not in out.stdout
    assert status_of(cognito, "ann") == "CONFIRMED"
    assert AuditEvent.objects.get().reason == "ticket 8"


def test_a_password_is_never_an_argument(run, cognito):
    with pytest.raises(CommandError):
        run("cognito_users", "set-password", "ann", "--password", NEW_PASSWORD, "--reason", "x", "--yes")


def test_without_a_terminal_or_stdin_the_command_refuses(run, cognito, monkeypatch):
    cognito.create_user("ann")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="No terminal to ask for the password"):
        run("cognito_users", "set-password", "ann", "--reason", "x", "--yes")


def test_reset_password_of_an_invited_user_points_at_the_invitation(run, cognito):
    cognito.admin.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username="newbie",
        UserAttributes=[{"Name": "email", "Value": "newbie@example.com"}],
        MessageAction="SUPPRESS",
    )
    with pytest.raises(
        CommandError, match="newbie has not accepted the invitation yet: resend the invitation"
    ):
        run("cognito_users", "reset-password", "newbie", "--yes")


# -- export ------------------------------------------------------------------------------------------------
def test_export_has_a_bom_unless_no_bom_and_takes_columns(run, cognito, tmp_path):
    cognito.create_user("zoe", attributes={"name": "Zoë", "given_name": "Zoë"}, groups=("portal-staff",))
    with_bom, without = tmp_path / "a.csv", tmp_path / "b.csv"
    run("cognito_users", "export", "-o", str(with_bom))
    run("cognito_users", "export", "-o", str(without), "--no-bom", "--columns", "given_name,groups")
    assert with_bom.read_bytes().startswith(b"\xef\xbb\xbf")
    text = without.read_text(encoding="utf-8")
    assert (
        text.startswith('"username"') and '"given_name","groups"' in text and '"Zoë","portal-staff"' in text
    )


def test_export_refuses_an_unknown_column(run, cognito, tmp_path):
    with pytest.raises(CommandError, match="Unknown column shoe_size"):
        run("cognito_users", "export", "-o", str(tmp_path / "x.csv"), "--columns", "shoe_size")
