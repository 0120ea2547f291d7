"""Credentials (issue #14): a generated temporary password shown once, a typed permanent password with a
reason, both behind accounts.change_cognito_users; "reset password" for an invited user points at the
invitation instead of failing."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.messages import get_messages

from accounts.cognito.descriptions import PasswordPolicy
from accounts.models import AuditEvent
from accounts.staff.passwords import temporary_password
from tests.conftest import STRONG_PASSWORD

from .conftest import action_url, client_for, detail_url, inject_fault, local_idp, make_staff

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-new-Pass-77!"


def shown_password(response) -> str:
    match = re.search(r'<code id="temporary-password"[^>]*>([^<]+)</code>', response.content.decode())
    assert match, "no password on the page"
    return match.group(1)


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def status_of(cognito, name: str) -> str:
    return cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username=name)["UserStatus"]


def test_a_temporary_password_is_shown_once_and_must_be_changed_at_sign_in(cognito, admin_client, caplog):
    cognito.create_user("ann")
    url = action_url(cognito, "ann", "set_temporary_password")
    assert "Set a temporary password for ann?" in admin_client.get(url).content.decode()
    with caplog.at_level(logging.DEBUG):
        response = admin_client.post(url, {"reason": "locked out, phone lost"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = shown_password(response)
    assert len(password) >= 16
    assert 'data-copy="temporary-password"' in response.content.decode()
    assert status_of(cognito, "ann") == "FORCE_CHANGE_PASSWORD"
    challenge = local_idp(cognito).admin_initiate_auth("ann", password)
    assert challenge.name == "NEW_PASSWORD_REQUIRED"

    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.detail) == (
        "set_temporary_password",
        "success",
        "set a temporary password",
    )
    assert password not in caplog.text
    for value in AuditEvent.objects.values_list("detail", "reason", "target_username"):
        assert all(password not in field for field in value)
    # Never again: not on the user's page, not on the confirmation page.
    assert password not in admin_client.get(detail_url(cognito, "ann")).content.decode()
    assert password not in admin_client.get(url).content.decode()


def test_a_temporary_password_whose_answer_was_lost_is_not_shown(cognito, admin_client, settings):
    settings.COGNITO_READ_TIMEOUT = 0.5
    cognito.create_user("ann")
    cognito.admin.admin_set_user_password(
        UserPoolId=cognito.pool_id, Username="ann", Password=STRONG_PASSWORD, Permanent=False
    )  # already FORCE_CHANGE_PASSWORD: the read-back cannot tell
    inject_fault(cognito, operation="AdminSetUserPassword", drop=True)
    response = admin_client.post(action_url(cognito, "ann", "set_temporary_password"), {"reason": ""})
    assert response.status_code == 302
    assert "temporary-password" not in response.content.decode()
    assert "could not tell whether it took effect" in messages_of(response)
    assert AuditEvent.objects.get().outcome == "unknown"


def test_set_password_needs_a_reason_and_the_password_twice(cognito, admin_client):
    cognito.create_user("ann")
    url = action_url(cognito, "ann", "set_password")
    page = admin_client.get(url).content.decode()
    assert 'name="password1"' in page and 'name="password2"' in page and "at least 10 characters" in page
    missing_reason = admin_client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert missing_reason.status_code == 400
    assert "This field is required." in missing_reason.content.decode()
    mismatch = admin_client.post(url, {"password1": NEW_PASSWORD, "password2": "other", "reason": "ticket 7"})
    assert mismatch.status_code == 400 and "The two passwords do not match." in mismatch.content.decode()
    weak = admin_client.post(url, {"password1": "short", "password2": "short", "reason": "ticket 7"})
    assert weak.status_code == 400 and "Use at least 10 characters." in weak.content.decode()
    assert "ticket 7" in weak.content.decode()  # the reason is kept; the passwords are not
    assert "short" not in re.findall(r'name="password\d" value="([^"]*)"', weak.content.decode())
    assert AuditEvent.objects.count() == 0  # refused before any call


def test_set_password_sets_a_permanent_password(cognito, admin_client, caplog):
    cognito.create_user("ann")
    with caplog.at_level(logging.DEBUG):
        response = admin_client.post(
            action_url(cognito, "ann", "set_password"),
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "reason": "ticket 7"},
        )
    assert response.status_code == 302
    assert "ann has a new password." in messages_of(response)
    challenge = local_idp(cognito).admin_initiate_auth("ann", NEW_PASSWORD)
    assert challenge.name == "MFA_SETUP"  # the password works; the pool then wants an authenticator
    event = AuditEvent.objects.get()
    assert (event.action, event.reason, event.detail) == (
        "set_password",
        "ticket 7",
        "set a permanent password",
    )
    assert NEW_PASSWORD not in caplog.text


def test_cognitos_password_refusal_is_a_field_error(cognito, admin_client):
    cognito.create_user("ann")
    inject_fault(
        cognito,
        operation="AdminSetUserPassword",
        error="InvalidPasswordException",
        message="Password does not conform to policy: Password must have symbol characters",
    )
    response = admin_client.post(
        action_url(cognito, "ann", "set_password"),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "reason": "ticket 7"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Password must have symbol characters" in body and 'class="errorlist' in body
    assert "ticket 7" in body  # what was typed is kept (the passwords aside)


@pytest.mark.parametrize("level", ["view", "manage", "delete"])
@pytest.mark.parametrize("action", ["set_temporary_password", "set_password"])
def test_only_the_change_permission_may_set_passwords(cognito, level, action):
    cognito.create_user("ann")
    client = client_for(make_staff(f"staff-{level}", level))
    assert client.get(action_url(cognito, "ann", action)).status_code == 403
    assert client.post(action_url(cognito, "ann", action), {"reason": "x"}).status_code == 403
    assert status_of(cognito, "ann") == "CONFIRMED"
    buttons = client.get(detail_url(cognito, "ann")).content.decode()
    assert f"/actions/{action}/" not in buttons


def test_the_admin_role_holds_the_change_permission(cognito):
    from accounts.roles import apply_groups

    boss = make_staff("boss", None)
    apply_groups(boss, ["portal-admins"])
    staff = make_staff("helper", None)
    apply_groups(staff, ["portal-staff"])
    assert boss.has_perm("accounts.change_cognito_users")
    assert not type(staff).objects.get(pk=staff.pk).has_perm("accounts.change_cognito_users")


def test_reset_password_for_an_invited_user_offers_the_invitation_instead(
    cognito, admin_client, cognito_calls
):
    cognito.admin.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username="newbie",
        UserAttributes=[
            {"Name": "email", "Value": "newbie@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    url = action_url(cognito, "newbie", "reset_password")
    page = admin_client.get(url)
    assert page.status_code == 409
    body = page.content.decode()
    assert "newbie has not accepted the invitation yet" in body
    assert action_url(cognito, "newbie", "resend_invitation") in body
    assert "Incorrect username or password" not in body
    cognito_calls.clear()
    refused = admin_client.post(url, {"reason": ""})
    assert refused.status_code == 409
    assert "has not accepted the invitation yet" in refused.content.decode()
    assert cognito_calls["AdminResetUserPassword"] == 0
    event = AuditEvent.objects.get()
    assert event.outcome == "failure" and "not accepted the invitation" in event.detail


@pytest.mark.parametrize("minimum", [6, 10, 40, 99])
def test_generated_passwords_meet_any_policy(minimum):
    policy = PasswordPolicy(minimum_length=minimum)
    passwords = {temporary_password(policy) for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) >= max(16, minimum)
        assert re.search("[A-Z]", password) and re.search("[a-z]", password)
        assert re.search("[0-9]", password) and re.search(r"[^A-Za-z0-9]", password)
        assert password == password.strip() and " " not in password


def test_an_unknown_user_error_from_set_password_is_a_404(cognito, admin_client):
    cognito.create_user("ann")
    url = action_url(cognito, "ann", "set_temporary_password")
    cognito.admin.admin_delete_user(UserPoolId=cognito.pool_id, Username="ann")
    assert admin_client.post(url, {"reason": ""}).status_code == 404
