"""Issue #11: the registry decides which actions a user is offered; the audit names attributes only."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from accounts.cognito import get_idp
from accounts.models import AuditEvent

from .conftest import action_url, detail_url, remember_device, sub_of

pytestmark = pytest.mark.django_db


def buttons(body: str) -> list[str]:
    return re.findall(r'<li><a href="[^"]*/actions/(\w+)/" class="button', body)


def test_a_confirmed_user_without_mfa(cognito, staff_client):
    cognito.create_user("alice")
    offered = buttons(staff_client.get(detail_url(cognito, "alice")).content.decode())
    assert offered == ["disable", "reset_password", "sign_out", "add_to_group", "delete"]


def test_a_user_with_an_authenticator_and_a_device(cognito, staff_client):
    cognito.create_user("alice", enabled=True)
    remember_device(cognito, "alice")
    offered = buttons(staff_client.get(detail_url(cognito, "alice")).content.decode())
    assert {"reset_mfa", "forget_all_devices"} <= set(offered)


def test_an_invited_user_is_offered_a_new_invitation_not_a_password_reset(cognito, staff_client):
    staff_client.post("/admin/cognito/invite/", {"username": "newbie", "email": "newbie@example.com"})
    offered = buttons(staff_client.get(detail_url(cognito, "newbie")).content.decode())
    assert "resend_invitation" in offered and "reset_password" not in offered and "reset_mfa" not in offered


def test_a_disabled_user_is_offered_enable(cognito, staff_client):
    cognito.create_user("alice", enabled=False)
    offered = buttons(staff_client.get(detail_url(cognito, "alice")).content.decode())
    assert "enable" in offered and "disable" not in offered


def test_a_stale_link_to_an_action_that_no_longer_applies_says_so(cognito, staff_client):
    cognito.create_user("alice", enabled=False)
    response = staff_client.get(action_url(cognito, "alice", "disable"))
    assert any("does not apply to alice" in str(m) for m in get_messages(response.wsgi_request))


def test_bulk_skips_users_the_action_does_not_apply_to(cognito, staff_client):
    cognito.create_user("alice", enabled=False)
    cognito.create_user("bob")
    data = {"action": "enable", "_selected_action": [sub_of(cognito, "alice"), sub_of(cognito, "bob")]}
    page = staff_client.post("/admin/cognito/users/", data).content.decode()
    assert "Run “Enable” on the selected user?" in page
    # Issue #14: a user already enabled is a no-op, counted apart rather than an error.
    assert "bob <span" in page and "nothing to do" in page and "1 user was already enabled." in page
    response = staff_client.post("/admin/cognito/users/", {**data, "post": "yes"}, follow=True)
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("done for 1 user (alice)" in text for text in said)
    assert "1 user was already enabled." in said
    assert not any("bob:" in text for text in said)  # no warning per no-op
    assert [(e.action, e.target_username) for e in AuditEvent.objects.all()] == [("enable", "alice")]
    assert get_idp().admin_get_user("alice").enabled


def test_the_audit_never_holds_attribute_values(cognito, staff_client):
    staff_client.post("/admin/cognito/invite/", {"username": "newbie", "email": "private@example.com"})
    event = AuditEvent.objects.get()
    assert "private@example.com" not in event.detail
    assert "email" in event.detail  # the attribute's name is kept


def test_bulk_of_users_it_fits_none_of_offers_nothing_to_confirm(cognito, staff_client):
    cognito.create_user("bob")
    data = {"action": "enable", "_selected_action": [sub_of(cognito, "bob")]}
    page = staff_client.post("/admin/cognito/users/", data).content.decode()
    assert "1 user was already enabled. Nothing will be changed." in page
    assert "Yes, I\u2019m sure" not in page
