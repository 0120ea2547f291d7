"""Action and invitation pages: confirmation first, POST only, audited, Cognito trouble shown kindly."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.cognito import errors, get_idp
from accounts.models import AuditEvent
from tests.conftest import STRONG_PASSWORD

from .conftest import (
    NOBODY,
    action_url,
    client_for,
    detail_url,
    inject_fault,
    local_idp,
    make_staff,
    remember_device,
)

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_get_shows_the_confirmation_and_changes_nothing(cognito, staff_client):
    cognito.create_user("alice")
    response = staff_client.get(action_url(cognito, "alice", "disable"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Disable alice? They will not be able to sign in until enabled again." in body
    assert 'name="reason"' in body
    assert "Yes, I\u2019m sure" in body
    assert get_idp().admin_get_user("alice").enabled
    assert not AuditEvent.objects.exists()


def test_post_acts_audits_and_returns_to_the_user(cognito, staff_client):
    cognito.create_user("alice")
    response = staff_client.post(
        action_url(cognito, "alice", "disable"), {"reason": "left"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(cognito, "alice")
    assert not get_idp().admin_get_user("alice").enabled
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.reason, event.actor_label, event.actor_ip) == (
        "disable",
        "success",
        "left",
        "staff-admin",
        "203.0.113.9",
    )
    assert event.actor.username == "staff-admin"
    assert event.aws_request_id
    followed = staff_client.get(response["Location"])
    assert "alice is disabled." in " ".join(messages_of(followed))


def test_actions_need_a_csrf_token(cognito):
    cognito.create_user("alice")
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("staff", "delete"))
    assert client.post(action_url(cognito, "alice", "disable")).status_code == 403
    assert get_idp().admin_get_user("alice").enabled


def test_unknown_action_is_404(cognito, staff_client):
    assert staff_client.get(f"/admin/cognito/users/{NOBODY}/actions/explode/").status_code == 404
    assert staff_client.post(f"/admin/cognito/users/{NOBODY}/actions/invite/").status_code == 404


def test_delete_requires_typing_the_username(cognito, staff_client):
    cognito.create_user("alice")
    response = staff_client.post(action_url(cognito, "alice", "delete"), {"confirm_username": "alic"})
    assert response.status_code == 400
    assert "Type “alice” exactly" in response.content.decode()
    assert get_idp().admin_get_user("alice")

    response = staff_client.post(
        action_url(cognito, "alice", "delete"), {"confirm_username": "alice", "reason": "GDPR"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/cognito/users/"
    with pytest.raises(errors.UserNotFound):
        get_idp().admin_get_user("alice")
    assert AuditEvent.objects.get().action == "delete"


def test_forget_device_from_the_detail_link(cognito, staff_client):
    cognito.create_user("alice")
    key = remember_device(cognito, "alice", name="Work laptop")
    body = staff_client.get(detail_url(cognito, "alice")).content.decode()
    link = action_url(cognito, "alice", "forget_device") + f"?device_key={key.replace(':', '%3A')}"
    assert link in body
    confirmation = staff_client.get(link).content.decode()
    assert "Forget the device “Work laptop” of alice?" in confirmation  # named, not keyed (issue #14)
    assert key not in confirmation.split('id="confirmation"')[1].split("</p>")[0]
    response = staff_client.post(action_url(cognito, "alice", "forget_device"), {"device_key": key})
    assert response.status_code == 302
    assert "The device “Work laptop” of alice is forgotten." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    assert get_idp().admin_list_devices("alice").items == []
    assert AuditEvent.objects.get().detail == f"device=Work laptop; device_key={key}"  # name first


def test_add_to_group_offers_the_pools_groups_and_remove_undoes_it(cognito):
    # The pool's groups are the portal's role groups: only superusers may grant them (issue #10).
    staff_client = client_for(make_staff("root", "manage", is_superuser=True))
    cognito.create_user("alice")
    page = staff_client.get(action_url(cognito, "alice", "add_to_group")).content.decode()
    assert '<option value="portal-admins">' in page and '<option value="portal-staff">' in page
    response = staff_client.post(action_url(cognito, "alice", "add_to_group"), {"group": "portal-staff"})
    assert response.status_code == 302
    assert [g.name for g in get_idp().admin_list_groups_for_user("alice")] == ["portal-staff"]
    assert (
        staff_client.post(action_url(cognito, "alice", "add_to_group"), {"group": "no-such"}).status_code
        == 400
    )

    staff_client.post(action_url(cognito, "alice", "remove_from_group"), {"group": "portal-staff"})
    assert get_idp().admin_list_groups_for_user("alice") == []
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["add_to_group", "remove_from_group"]


def test_reset_mfa_from_the_page(cognito, staff_client):
    cognito.create_user("alice")
    remember_device(cognito, "alice")
    response = staff_client.post(action_url(cognito, "alice", "reset_mfa"), {"reason": "lost phone"})
    assert response.status_code == 302
    user = get_idp().admin_get_user("alice")
    assert not user.totp_enabled
    assert get_idp().admin_list_devices("alice").items == []
    assert local_idp(cognito).admin_initiate_auth("alice", STRONG_PASSWORD).name == "MFA_SETUP"
    assert AuditEvent.objects.get().action == "reset_mfa"


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("enable", lambda u: u.enabled),
        ("reset_password", lambda u: u.status == "RESET_REQUIRED"),
        ("sign_out", lambda u: True),
        ("forget_all_devices", lambda u: True),
    ],
)
def test_simple_actions_through_the_pages(cognito, staff_client, name, check):
    cognito.create_user("alice", enabled=name != "enable")
    response = staff_client.post(action_url(cognito, "alice", name), {"reason": "test"})
    assert response.status_code == 302, response.content
    assert check(get_idp().admin_get_user("alice"))
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome) == (name, "success")


def test_confirm_sign_up_from_the_page(cognito, staff_client):
    get_idp().sign_up("bob", STRONG_PASSWORD, {"email": "bob@example.com"})
    body = staff_client.get(detail_url(cognito, "bob")).content.decode()
    assert "Confirm sign-up" in body
    staff_client.post(action_url(cognito, "bob", "confirm_sign_up"))
    assert get_idp().admin_get_user("bob").status == "CONFIRMED"


def test_cognito_refusal_is_shown_and_audited_as_failure(cognito, staff_client):
    cognito.create_user("alice")  # CONFIRMED: no invitation to resend
    response = staff_client.post(action_url(cognito, "alice", "resend_invitation"), {"reason": "again"})
    assert response.status_code == 400
    assert "Cognito:" in " ".join(messages_of(response))
    assert "again" in response.content.decode()  # the reason typed is kept
    assert AuditEvent.objects.get().outcome == "failure"


def test_throttled_action_keeps_the_form_and_says_try_again(cognito, staff_client):
    cognito.create_user("alice")
    inject_fault(cognito, operation="AdminDisableUser", error="TooManyRequestsException", count=1)
    response = staff_client.post(action_url(cognito, "alice", "disable"), {"reason": "keep me"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "try again in a minute" in body
    assert "keep me" in body
    assert get_idp().admin_get_user("alice").enabled


def test_action_on_a_vanished_user_is_a_404(cognito, staff_client):
    response = staff_client.post(f"/admin/cognito/users/{NOBODY}/actions/disable/")
    assert response.status_code == 404
    assert f"There is no user “{NOBODY}”" in response.content.decode()


# -- invitation ------------------------------------------------------------------------------------------
INVITE = "/admin/cognito/invite/"


def test_invite_then_first_sign_in_needs_a_new_password_then_mfa_setup(cognito, staff_client):
    response = staff_client.post(
        INVITE, {"username": "newbie", "email": "newbie@example.com", "reason": "hire"}
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(cognito, "newbie")
    assert get_idp().admin_get_user("newbie").status == "FORCE_CHANGE_PASSWORD"
    event = AuditEvent.objects.get()
    assert (event.action, event.target_username, event.reason) == ("invite", "newbie", "hire")

    temporary = cognito.last_message("newbie", "invitation")["temporary_password"]
    idp = local_idp(cognito)
    challenge = idp.admin_initiate_auth("newbie", temporary)
    assert challenge.name == "NEW_PASSWORD_REQUIRED"
    challenge = idp.admin_respond_to_auth_challenge(
        "NEW_PASSWORD_REQUIRED", challenge.session, "newbie", {"NEW_PASSWORD": STRONG_PASSWORD}
    )
    assert challenge.name == "MFA_SETUP"


def test_invite_form_errors_keep_the_input(cognito, staff_client):
    cognito.create_user("taken")
    response = staff_client.post(INVITE, {"username": "taken", "email": "someone@example.com"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "already exists" in body
    assert 'value="someone@example.com"' in body
    response = staff_client.post(INVITE, {"username": "has space", "email": "not-an-email"})
    assert response.status_code == 400
    assert "cannot contain spaces" in response.content.decode()


def test_detail_of_an_invited_user_offers_resend(cognito, staff_client):
    staff_client.post(INVITE, {"username": "newbie", "email": "newbie@example.com"})
    body = staff_client.get(detail_url(cognito, "newbie")).content.decode()
    assert "Resend invitation" in body
    staff_client.post(action_url(cognito, "newbie", "resend_invitation"))
    invitations = [m for m in cognito.outbox() if m["username"] == "newbie" and m["kind"] == "invitation"]
    assert len(invitations) == 2
