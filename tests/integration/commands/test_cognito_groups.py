"""``manage.py cognito_groups list|create|delete|members`` (issue #14): audited like the staff pages, role
groups protected, members read lazily, every error one line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management.base import CommandError

from accounts.cognito import errors, get_idp
from accounts.models import AuditEvent
from tests.integration.commands.conftest import TerminalIO, add_users


def test_list_marks_role_groups_and_counts_on_request(run, cognito):
    get_idp().create_group("editors", description="Edit things", precedence=2)
    add_users(cognito, 3)
    for name in ("user0000", "user0001"):
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="editors")
    out = run("cognito_groups", "list", "--count")
    rows = {line.split()[0]: line.split() for line in out.lines[1:]}
    assert rows["editors"][:4] == ["editors", "2", "no", "2"]
    assert rows["portal-staff"][2] == "yes" and rows["portal-admins"][2] == "yes"
    assert out.stderr.strip() == "3 groups."


def test_create_and_delete_are_audited(run, cognito, monkeypatch):
    out = run("cognito_groups", "create", "editors", "--description", "Edit things", "--precedence", "4")
    assert out.stdout.strip() == "The group editors is created."
    assert get_idp().get_group("editors").precedence == 4
    cognito.create_user("ann", groups=("editors",))
    monkeypatch.setattr("sys.stdin", TerminalIO("y\n"))
    err = TerminalIO()
    out = run("cognito_groups", "delete", "editors", "--reason", "merged", stderr=err)
    assert "Its 1 member(s) lose it" in err.getvalue()
    assert out.stdout.strip() == "The group editors is deleted."
    with pytest.raises(errors.ResourceNotFound):
        get_idp().get_group("editors")
    rows = [
        (e.action, e.target_username, e.outcome, e.actor_label[:9]) for e in AuditEvent.objects.order_by("id")
    ]
    assert rows == [
        ("create_group", "editors", "success", "operator:"),
        ("delete_group", "editors", "success", "operator:"),
    ]
    assert AuditEvent.objects.get(action="delete_group").detail == "members: 1"


def test_role_groups_cannot_be_deleted(run, cognito):
    with pytest.raises(CommandError, match="gives portal roles"):
        run("cognito_groups", "delete", "portal-admins", "--yes")
    assert get_idp().get_group("portal-admins")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "portal-staff"], "already exists"),
        (["create", "two words"], "cannot contain spaces"),
        (
            ["delete", "ghost", "--yes"],
            "No group named 'ghost' in this pool. Groups: portal-admins, portal-staff.",
        ),
        (["members", "ghost"], "No group named 'ghost'"),
    ],
)
def test_errors_are_one_clear_line(run, cognito, args, message):
    with pytest.raises(CommandError, match=message):
        run("cognito_groups", *args)


def test_a_failed_create_is_audited_as_a_failure(run, cognito):
    with pytest.raises(CommandError):
        run("cognito_groups", "create", "portal-staff")
    assert AuditEvent.objects.get().outcome == "failure"


def test_members_in_each_format_and_lazily(run, cognito, cognito_calls):
    get_idp().create_group("big")
    names = add_users(cognito, 130)
    for name in names:
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="big")
    cognito_calls.clear()
    out = run("cognito_groups", "members", "big", "--limit", "5")
    assert len(out.lines) == 6 and cognito_calls["ListUsersInGroup"] == 1
    assert (
        sorted(
            u["username"]
            for u in json.loads(run("cognito_groups", "members", "big", "--format", "json").stdout)
        )
        == names
    )
    rows = list(
        csv.DictReader(io.StringIO(run("cognito_groups", "members", "big", "--format", "csv").stdout))
    )
    assert len(rows) == 130
