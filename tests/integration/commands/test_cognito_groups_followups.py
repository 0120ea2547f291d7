"""Issue #14 follow-up on ``cognito_groups``: a case variant of a role group can be deleted (L2), ``members
--limit`` says when more exist (L10), and a bad IAM role ARN is one clear line before any call (L10)."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from accounts.cognito import errors, get_idp
from accounts.models import AuditEvent
from tests.integration.commands.conftest import add_users


def test_a_case_variant_of_a_role_group_can_be_deleted(run, cognito):
    get_idp().create_group("portal-STAFF")
    assert "portal-STAFF" in run("cognito_groups", "list").stdout
    rows = {line.split()[0]: line.split() for line in run("cognito_groups", "list").lines[1:]}
    assert rows["portal-STAFF"][2] == "no" and rows["portal-staff"][2] == "yes"
    out = run("cognito_groups", "delete", "portal-STAFF", "--yes")
    assert out.stdout.strip() == "The group portal-STAFF is deleted."
    with pytest.raises(errors.ResourceNotFound):
        get_idp().get_group("portal-STAFF")
    with pytest.raises(CommandError, match="gives portal roles"):
        run("cognito_groups", "delete", "portal-staff", "--yes")


def test_members_with_a_limit_says_more_exist(run, cognito, cognito_calls):
    get_idp().create_group("editors")
    for name in add_users(cognito, 5):
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="editors")
    cognito_calls.clear()
    out = run("cognito_groups", "members", "editors", "--limit", "3")
    assert len(out.lines) == 4  # header and three members
    assert out.stderr.strip() == "The first 3 members are shown; more exist."
    assert cognito_calls["ListUsersInGroup"] == 1


def test_members_that_all_fit_under_the_limit_are_counted_plainly(run, cognito):
    get_idp().create_group("editors")
    for name in add_users(cognito, 5):
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="editors")
    assert run("cognito_groups", "members", "editors", "--limit", "9").stderr.strip() == "5 members."


def test_members_across_pages_stop_at_the_limit(run, cognito, cognito_calls):
    get_idp().create_group("big")
    for name in add_users(cognito, 70):
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="big")
    assert run("cognito_groups", "members", "big").stderr.strip() == "70 members."
    cognito_calls.clear()
    out = run("cognito_groups", "members", "big", "--limit", "65")
    assert len(out.lines) == 66 and out.stderr.strip() == "The first 65 members are shown; more exist."
    assert cognito_calls["ListUsersInGroup"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role-arn", "nope"], "Enter an IAM role ARN such as arn:aws:iam::123456789012:role/Editors."),
        (["--description", "x" * 2049], "--description: "),
    ],
)
def test_bad_fields_are_one_line_before_any_call(run, cognito, cognito_calls, args, message):
    cognito_calls.clear()
    with pytest.raises(CommandError) as caught:
        run("cognito_groups", "create", "y", *args)
    text = str(caught.value)
    assert text.startswith(args[0] + ": ") and message in text
    assert "\n" not in text and "ParamValidationError" not in text
    assert cognito_calls.total == 0 and not AuditEvent.objects.exists()


def test_a_valid_role_arn_is_accepted(run, cognito):
    arn = "arn:aws:iam::123456789012:role/Editors"
    run("cognito_groups", "create", "y", "--role-arn", arn)
    assert get_idp().get_group("y").role_arn == arn
