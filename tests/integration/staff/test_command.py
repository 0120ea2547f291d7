"""``cognito_users`` and the staff side it shares: users by username, alias or sub (issue #9), the registry's
subcommands (issue #11), quiet audit logs (issue #13) and the export's audit row (the web's shape)."""

from __future__ import annotations

import json

import pytest
from django.core.management.base import CommandError

from accounts.models import AuditEvent
from tests.integration.commands.conftest import add_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(db):
    from tests.integration.commands.conftest import run_command

    return run_command


def admin_user(cognito, username: str) -> dict:
    return cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username=username)


# -- users by username, alias or sub (issue #9) -------------------------------------------------------------
def sub_of(cognito, username: str) -> str:
    attributes = admin_user(cognito, username)["UserAttributes"]
    return {a["Name"]: a["Value"] for a in attributes}["sub"]


def test_get_and_act_by_username_alias_or_sub(run, cognito):
    cognito.create_user("gina", email="gina@example.org", attributes={"preferred_username": "gg"})
    sub = sub_of(cognito, "gina")
    for name in ("gina", "gina@example.org", "gg", sub):
        assert json.loads(run("cognito_users", "get", name, "--format", "json").stdout)["username"] == "gina"
    run("cognito_users", "disable", sub, "--yes")
    assert admin_user(cognito, "gina")["Enabled"] is False
    event = AuditEvent.objects.get()
    assert (event.target_username, event.target_sub) == ("gina", sub)


def test_a_sub_shaped_username_is_not_mistaken_for_the_user_with_that_sub(run, cognito):
    cognito.create_user("gina")
    sub = sub_of(cognito, "gina")
    cognito.create_user(sub, email="other@example.com")
    run("cognito_users", "disable", sub, "--yes")  # the sub wins: it is the identity
    assert admin_user(cognito, "gina")["Enabled"] is False and admin_user(cognito, sub)["Enabled"] is True


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_get_in_an_email_pool_is_headed_by_the_address(run, cognito):
    cognito.admin.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username="hal@example.com",
        UserAttributes=[{"Name": "email", "Value": "hal@example.com"}],
        MessageAction="SUPPRESS",
    )
    lines = run("cognito_users", "get", "hal@example.com").stdout.splitlines()
    assert lines[0] == "User hal@example.com"
    assert lines[1].split()[0] == "Username"  # the generated username is still shown, as a field


# -- the registry's actions in the command ------------------------------------------------------------------
def test_every_command_action_comes_from_the_registry(run, cognito):
    from accounts.staff import registry

    cognito.create_user("ivy")
    run("cognito_users", "reset-password", "ivy", "--yes", "--reason", "locked out")
    assert admin_user(cognito, "ivy")["UserStatus"] == "RESET_REQUIRED"
    run("cognito_users", "delete", "ivy", "--yes")
    commands = {a.command for a in registry.command_actions()}
    assert {"reset-password", "delete", "add-to-group", "forget-devices", "resend-invitation"} <= commands
    assert [(e.action, e.outcome) for e in AuditEvent.objects.order_by("id")] == [
        ("reset_password", "success"),
        ("delete", "success"),
    ]


def test_a_bad_group_gets_one_clear_line(run, cognito):
    cognito.create_user("ivy")
    with pytest.raises(CommandError, match=r"ivy: Cognito refused AdminAddUserToGroup"):
        run("cognito_users", "add-to-group", "ivy", "--group", "no-such-group", "--yes")
    assert AuditEvent.objects.get().outcome == "failure"


# -- issue #13: no audit log lines in the output unless --verbosity 2 ------------------------------------
@pytest.mark.parametrize(("verbosity", "shown"), [(1, False), (2, True)])
def test_audit_log_lines_only_with_verbosity_2(run, cognito, caplog, verbosity, shown):
    import logging

    caplog.set_level(logging.INFO)
    cognito.create_user("ivy")
    run("cognito_users", "disable", "ivy", "--yes", verbosity=verbosity)
    audit_lines = [r for r in caplog.records if r.name == "accounts.audit"]
    assert bool(audit_lines) is shown
    assert AuditEvent.objects.get().outcome == "success"  # the trail itself is always written


# -- issue #11: the export is audited the same way as on the web -----------------------------------------
def test_the_export_audit_row_has_the_web_shape(run, cognito, tmp_path):
    add_users(cognito, 3)
    run("cognito_users", "export", "-o", str(tmp_path / "u.csv"), "--status", "FORCE_CHANGE_PASSWORD")
    event = AuditEvent.objects.get(action="export")
    assert event.target_username == "" and event.target_sub == ""
    assert event.detail == f"3 users as csv to {tmp_path / 'u.csv'}; filter: status is FORCE_CHANGE_PASSWORD"


def test_an_export_refused_before_it_starts_is_not_audited(run, cognito, tmp_path):
    target = tmp_path / "u.csv"
    target.write_text("keep")
    with pytest.raises(CommandError, match="already exists"):
        run("cognito_users", "export", "-o", str(target))
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_email_pool_commands_invite_by_address_and_list_people_by_email(cognito):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("cognito_users", "invite", "mo@example.com", "--yes", stdout=out)
    created = cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="mo@example.com")
    assert {"Name": "email", "Value": "mo@example.com"} in created["UserAttributes"]
    with pytest.raises(CommandError, match="the email address is the username"):
        call_command("cognito_users", "invite", "mo2@example.com", "--email", "other@example.com", "--yes")
    listing = StringIO()
    call_command("cognito_users", "list", stdout=listing)
    assert "mo@example.com" in listing.getvalue()
    assert created["Username"] not in listing.getvalue()  # the generated id is never the name shown


def test_not_found_hint_fits_the_pools_case_rule(cognito):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="case does not matter here"):
        call_command("cognito_users", "get", "nobody-here")


def test_the_command_says_when_an_action_does_not_fit_the_user_and_refuses_unsafe_invitation_names(cognito):
    from io import StringIO

    from django.core.management import CommandError, call_command

    cognito.create_user("ivan")
    err = StringIO()
    call_command("cognito_users", "reset-mfa", "ivan", "--yes", stdout=StringIO(), stderr=err)
    assert "does not apply to ivan" in err.getvalue()  # the rule the pages use to decide what they offer
    for name in ("bad name", "0f8fad5b-d9cb-469f-a165-70867728950e"):
        with pytest.raises(CommandError):
            call_command("cognito_users", "invite", name, "--email", "x@example.com", "--yes")
