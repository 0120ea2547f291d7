"""``cognito_users set-attributes`` applies the change form's rules before any Cognito call (FIX14-A):
unknown, read-only and required attributes and bad values are refused together and nothing is half-done;
untouched values are not checked again; alias refusals name the right attribute; a pending email change is
reported as pending; a refusal after part of the change was applied says what was applied and why the rest
was refused, instead of "run it again"."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from accounts.cognito import reset_caches
from accounts.models import AuditEvent
from tests.integration.commands.conftest import run_command

from .conftest import inject_fault

pytestmark = pytest.mark.django_db


def set_attributes(*args: str) -> str:
    return run_command("cognito_users", "set-attributes", *args, "--yes").stdout


def attributes_of(pool, username: str) -> dict[str, str]:
    response = pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in response["UserAttributes"]}


def test_clearing_a_required_attribute_is_refused_before_anything_is_applied(cognito, cognito_calls):
    cognito.create_user("alice")
    cognito_calls.clear()
    with pytest.raises(CommandError) as refused:
        set_attributes("alice", "given_name=X", "email=")
    assert "email: This field is required." in str(refused.value)
    assert "Nothing was changed." in str(refused.value) and "Run it again" not in str(refused.value)
    assert "given_name" not in attributes_of(cognito, "alice")
    assert cognito_calls["AdminUpdateUserAttributes"] == cognito_calls["AdminDeleteUserAttributes"] == 0
    assert not AuditEvent.objects.exists()


@pytest.fixture
def badge_pool(cognito):
    cognito.admin.add_custom_attributes(
        UserPoolId=cognito.pool_id,
        CustomAttributes=[{"Name": "badge", "AttributeDataType": "String", "Mutable": False}],
    )
    reset_caches(clients=False)  # the pool description is cached per process
    return cognito


def test_every_problem_is_named_at_once_and_nothing_is_sent(badge_pool, cognito_calls):
    badge_pool.create_user("alice", attributes={"custom:badge": "B-1"})
    cognito_calls.clear()
    with pytest.raises(CommandError) as refused:
        set_attributes(
            "alice",
            "given_name=Al",
            "custom:badge=B-2",
            "sub=00000000-0000-4000-8000-000000000000",
            "favourite_colour=blue",
            "email_verified=yes",
            "phone_number=0301234",
        )
    said = str(refused.value)
    for part in (
        "This pool has no editable attribute favourite_colour.",
        "custom:badge cannot be changed: the pool sets it once, when the user is created.",
        "Cognito maintains sub itself.",
        "email_verified takes true or false.",
        "phone_number: Enter the number as + and digits",
    ):
        assert part in said, said
    assert cognito_calls["AdminUpdateUserAttributes"] == 0 and not AuditEvent.objects.exists()
    assert attributes_of(badge_pool, "alice")["custom:badge"] == "B-1"


def test_an_untouched_non_ascii_email_is_left_alone_and_a_new_one_refused(cognito):
    cognito.create_user("zoe", email="zoë@example.com")
    assert "saved" in set_attributes("zoe", "given_name=Zoë", "email=zoë@example.com")
    with pytest.raises(CommandError, match=r"email: Enter a valid email address\. Nothing was changed\."):
        set_attributes("zoe", "email=zoë@example.org")
    after = attributes_of(cognito, "zoe")
    assert (after["given_name"], after["email"]) == ("Zoë", "zoë@example.com")
    assert AuditEvent.objects.get().detail == "changed: given_name"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("bob the builder", "cannot contain spaces"),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", "cannot have the form of a user ID"),
        ("bob@example.org", "cannot have the form of an email address"),
    ],
)
def test_a_preferred_username_sign_up_would_refuse_is_refused(cognito, value, message):
    cognito.create_user("bob")
    with pytest.raises(CommandError, match=message):
        set_attributes("bob", f"preferred_username={value}")
    assert "preferred_username" not in attributes_of(cognito, "bob")


def test_a_preferred_username_another_user_holds_is_named_as_such(cognito):
    cognito.create_user("alice")
    cognito.create_user("carol", attributes={"preferred_username": "caz"})
    with pytest.raises(CommandError) as refused:
        set_attributes("alice", "preferred_username=caz")
    said = str(refused.value)
    assert "preferred_username: This preferred username is already used by another account." in said
    assert "email address" not in said


def test_a_refusal_after_the_update_says_what_was_applied_and_why_the_rest_was_not(cognito):
    cognito.create_user("ann", attributes={"nickname": "annie"})
    inject_fault(
        cognito,
        operation="AdminDeleteUserAttributes",
        error="InvalidParameterException",
        message="nickname cannot be deleted",
    )
    with pytest.raises(CommandError) as refused:
        set_attributes("ann", "given_name=Anne", "nickname=")
    said = str(refused.value)
    assert "only partly saved. Applied: given_name. Refused: clearing nickname" in said
    assert "nickname cannot be deleted" in said and "Run it again" not in said
    assert AuditEvent.objects.get().outcome == "failure"


def test_a_pending_email_change_is_reported_as_pending(cognito):
    described = cognito.admin.describe_user_pool(UserPoolId=cognito.pool_id)["UserPool"]
    keep = ("Policies", "AutoVerifiedAttributes", "DeviceConfiguration", "AccountRecoverySetting")
    cognito.admin.update_user_pool(
        UserPoolId=cognito.pool_id,
        **{k: described[k] for k in keep if k in described},
        MfaConfiguration=described.get("MfaConfiguration", "OFF"),
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    reset_caches(clients=False)
    cognito.create_user("bob")
    out = set_attributes("bob", "email=bob.new@example.com")
    assert "The new email address of bob takes effect only once they enter the code" in out
    assert attributes_of(cognito, "bob")["email"] == "bob@example.com"
    assert AuditEvent.objects.get().detail == "pending verification: email"
