"""Issue #14 follow-up L1: after staff set a temporary password (status FORCE_CHANGE_PASSWORD), the user page
says the user must choose a new password at their next sign-in, not that an invitation waits; it offers
another temporary password rather than a new invitation, and "Reset password" points there (409)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from tests.integration.commands.conftest import run_command

from .conftest import action_url, detail_url, make_staff, sub_of

pytestmark = pytest.mark.django_db

TEMPORARY_NOTE = "must choose a new password at their next sign-in (temporary password set by staff)"
INVITED_NOTE = "has not accepted the invitation yet"


def invite_quietly(cognito, name: str) -> None:
    cognito.admin.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username=name,
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        MessageAction="SUPPRESS",
    )


def test_a_temporary_password_set_on_the_page_reads_as_such(cognito, admin_client, cognito_calls):
    cognito.create_user("ann")  # has signed in with a password of her own before
    admin_client.post(action_url(cognito, "ann", "set_temporary_password"), {"reason": "phone lost"})
    page = admin_client.get(detail_url(cognito, "ann")).content.decode()
    assert TEMPORARY_NOTE in page and INVITED_NOTE not in page
    assert "/actions/resend_invitation/" not in page
    assert "/actions/set_temporary_password/" in page

    reset = admin_client.get(action_url(cognito, "ann", "reset_password"))
    assert reset.status_code == 409
    body = reset.content.decode()
    assert "ann must choose a new password at their next sign-in" in body and INVITED_NOTE not in body
    assert "/actions/set_temporary_password/" in body
    cognito_calls.clear()
    refused = admin_client.post(action_url(cognito, "ann", "reset_password"), {"reason": ""})
    assert refused.status_code == 409 and cognito_calls["AdminResetUserPassword"] == 0
    assert admin_client.get(action_url(cognito, "ann", "resend_invitation")).status_code == 200
    assert "does not apply" in " ".join(
        str(m)
        for m in admin_client.get(action_url(cognito, "ann", "resend_invitation")).wsgi_request._messages
    )


def test_a_temporary_password_set_by_the_command_reads_as_such(cognito, admin_client):
    cognito.create_user("ann")
    run_command("cognito_users", "set-password", "ann", "--temporary", "--yes")
    page = admin_client.get(detail_url(cognito, "ann")).content.decode()
    assert TEMPORARY_NOTE in page and INVITED_NOTE not in page


def test_an_invited_user_still_reads_as_invited(cognito, admin_client):
    invite_quietly(cognito, "newbie")
    page = admin_client.get(detail_url(cognito, "newbie")).content.decode()
    assert INVITED_NOTE in page and TEMPORARY_NOTE not in page
    assert "/actions/resend_invitation/" in page


def test_a_new_invitation_after_a_temporary_password_reads_as_invited_again(cognito, admin_client):
    invite_quietly(cognito, "newbie")
    admin_client.post(action_url(cognito, "newbie", "set_temporary_password"), {"reason": ""})
    assert TEMPORARY_NOTE in admin_client.get(detail_url(cognito, "newbie")).content.decode()
    sub = sub_of(cognito, "newbie")
    AuditEvent.objects.create(
        actor_label="operator:test",
        action="resend_invitation",
        target_username="newbie",
        target_sub=sub,
        outcome="success",
    )  # as `cognito_users resend-invitation newbie` records it
    assert INVITED_NOTE in admin_client.get(detail_url(cognito, "newbie")).content.decode()


def test_a_user_who_signed_in_here_before_is_not_called_invited(cognito, admin_client):
    """A temporary password set outside the portal (the AWS console) for someone who has signed in to the
    portal: their FORCE_CHANGE_PASSWORD is not an invitation."""
    invite_quietly(cognito, "ann")
    mirror = make_staff("ann", None, is_staff=False, sub=sub_of(cognito, "ann"))
    mirror.last_login = timezone.now()
    mirror.save(update_fields=["last_login"])
    page = admin_client.get(detail_url(cognito, "ann")).content.decode()
    assert TEMPORARY_NOTE in page and INVITED_NOTE not in page
