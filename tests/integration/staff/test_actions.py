"""accounts.staff.service.perform against localcognito: each action's effect in Cognito and its audit row."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from accounts.cognito import errors, get_idp
from accounts.models import AuditEvent, RememberedDevice
from accounts.staff import registry
from accounts.staff.registry import Actor
from accounts.staff.service import perform
from tests.conftest import STRONG_PASSWORD

from .conftest import client_for, make_staff, remember_device, sign_in_with_totp, sub_of

ACTIONS = {action.name: action for action in registry.all_actions()}

pytestmark = pytest.mark.django_db

OPERATOR = Actor.operator("ops@host")


def user_state(cognito, username: str) -> dict:
    return cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username=username)


def groups_of(cognito, username: str) -> list[str]:
    response = cognito.admin.admin_list_groups_for_user(UserPoolId=cognito.pool_id, Username=username)
    return sorted(g["GroupName"] for g in response["Groups"])


def devices_of(cognito, username: str) -> list[str]:
    response = cognito.admin.admin_list_devices(UserPoolId=cognito.pool_id, Username=username)
    return [d["DeviceKey"] for d in response["Devices"]]


def assert_audited(event: AuditEvent, action: str, username: str, *, outcome: str = "success") -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == action
    assert stored.target_username == username
    assert stored.outcome == outcome
    assert stored.actor_label == "ops@host"
    if outcome == "success":
        assert stored.aws_request_id, "the AWS request id is recorded"


def test_every_action_has_a_handler_and_metadata():
    assert set(ACTIONS) == {
        "disable",
        "enable",
        "reset_password",
        "sign_out",
        "forget_device",
        "forget_all_devices",
        "reset_mfa",
        "add_to_group",
        "remove_from_group",
        "confirm_sign_up",
        "resend_invitation",
        "delete",
        "invite",
        "set_temporary_password",
        "set_password",
        "set_attributes",
    }
    assert ACTIONS["delete"].permission == "accounts.delete_cognito_users"
    credentials = {"set_temporary_password", "set_password", "set_attributes"}
    assert {ACTIONS[name].permission for name in credentials} == {"accounts.change_cognito_users"}
    assert {spec.permission for name, spec in ACTIONS.items() if name not in {"delete", *credentials}} == {
        "accounts.manage_cognito_users"
    }
    assert ACTIONS["forget_device"].parameter == "device_key"
    assert ACTIONS["add_to_group"].parameter == "group"
    assert ACTIONS["invite"].parameter == "email"


def test_disable_then_enable(cognito):
    cognito.create_user("alice")
    event = perform("disable", "alice", actor=OPERATOR, reason="left the company")
    assert user_state(cognito, "alice")["Enabled"] is False
    assert_audited(event, "disable", "alice")
    assert event.reason == "left the company"
    assert event.target_sub == sub_of(cognito, "alice")  # audit rows keep the sub (issue #9)
    event = perform("enable", "alice", actor=OPERATOR)
    assert user_state(cognito, "alice")["Enabled"] is True
    assert_audited(event, "enable", "alice")


def test_reset_password_sets_reset_required_and_sends_a_code(cognito):
    cognito.create_user("alice")
    event = perform("reset_password", "alice", actor=OPERATOR)
    assert user_state(cognito, "alice")["UserStatus"] == "RESET_REQUIRED"
    assert cognito.last_message("alice", "admin_reset")
    assert_audited(event, "reset_password", "alice")


def test_sign_out_revokes_the_refresh_token(cognito):
    cognito.create_user("alice")
    tokens = sign_in_with_totp(cognito, "alice")
    event = perform("sign_out", "alice", actor=OPERATOR)
    assert_audited(event, "sign_out", "alice")
    with pytest.raises(errors.NotAuthorized):
        get_idp().admin_refresh_tokens(tokens.refresh_token, username="alice")


def test_forget_one_device_and_all_devices(cognito):
    cognito.create_user("alice")
    first = remember_device(cognito, "alice", name="Laptop")
    second = remember_device(cognito, "alice", name="Phone")
    assert sorted(devices_of(cognito, "alice")) == sorted([first, second])

    event = perform("forget_device", "alice", actor=OPERATOR, device_key=first)
    assert devices_of(cognito, "alice") == [second]
    assert_audited(event, "forget_device", "alice")
    assert first in event.detail

    event = perform("forget_all_devices", "alice", actor=OPERATOR)
    assert devices_of(cognito, "alice") == []
    assert_audited(event, "forget_all_devices", "alice")
    assert "1 device" in event.detail


def test_reset_mfa_turns_totp_off_forgets_devices_and_signs_out(cognito):
    cognito.create_user("alice")
    remember_device(cognito, "alice")
    assert user_state(cognito, "alice")["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    event = perform("reset_mfa", "alice", actor=OPERATOR, reason="lost phone")
    assert_audited(event, "reset_mfa", "alice")
    assert AuditEvent.objects.count() == 1, "one audited step"
    assert not user_state(cognito, "alice").get("UserMFASettingList")
    assert devices_of(cognito, "alice") == []
    # The next sign-in asks for a new authenticator.
    assert get_idp().admin_initiate_auth("alice", STRONG_PASSWORD).name == "MFA_SETUP"


def test_add_and_remove_group(cognito):
    cognito.create_user("alice")
    event = perform("add_to_group", "alice", actor=OPERATOR, group="portal-staff")
    assert groups_of(cognito, "alice") == ["portal-staff"]
    assert_audited(event, "add_to_group", "alice")
    assert event.detail == "group=portal-staff"
    perform("remove_from_group", "alice", actor=OPERATOR, group="portal-staff")
    assert groups_of(cognito, "alice") == []


def test_confirm_sign_up(cognito):
    get_idp().sign_up("bob", STRONG_PASSWORD, {"email": "bob@example.com"})
    assert user_state(cognito, "bob")["UserStatus"] == "UNCONFIRMED"
    event = perform("confirm_sign_up", "bob", actor=OPERATOR)
    assert user_state(cognito, "bob")["UserStatus"] == "CONFIRMED"
    assert_audited(event, "confirm_sign_up", "bob")


def test_invite_then_resend_invitation(cognito):
    event = perform("invite", "carol", actor=OPERATOR, email="carol@example.com")
    state = user_state(cognito, "carol")
    assert state["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert_audited(event, "invite", "carol")
    assert event.target_sub == {a["Name"]: a["Value"] for a in state["UserAttributes"]}["sub"]
    first = cognito.last_message("carol", "invitation")["temporary_password"]

    event = perform("resend_invitation", "carol", actor=OPERATOR)
    assert_audited(event, "resend_invitation", "carol")
    second = cognito.last_message("carol", "invitation")["temporary_password"]
    assert second != first


def test_delete(cognito):
    cognito.create_user("alice")
    event = perform("delete", "alice", actor=OPERATOR)
    assert_audited(event, "delete", "alice")
    with pytest.raises(errors.UserNotFound):
        get_idp().admin_get_user("alice")


def test_failure_is_audited_and_re_raised(cognito):
    with pytest.raises(errors.UserNotFound):
        perform("disable", "nobody", actor=OPERATOR, reason="typo")
    event = AuditEvent.objects.get()
    assert event.outcome == "failure"
    assert event.action == "disable"
    assert event.target_username == "nobody"
    assert "UserNotFoundException" in event.detail


def test_bad_parameters_are_refused_before_any_call(cognito, cognito_calls):
    with pytest.raises(ValueError):
        perform("forget_device", "alice", actor=OPERATOR)
    with pytest.raises(ValueError):
        perform("disable", "alice", actor=OPERATOR, group="x")
    with pytest.raises(ValueError):
        perform("explode", "alice", actor=OPERATOR)
    assert cognito_calls.total == 0
    assert not AuditEvent.objects.exists()


def test_actor_from_request_and_mirror_sub(cognito):
    cognito.create_user("alice")
    staff = make_staff("staff-1", "manage")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    request.user = staff
    actor = Actor.from_request(request)
    assert actor == Actor(user=staff, label="staff-1", ip="203.0.113.7")

    sub = {a["Name"]: a["Value"] for a in user_state(cognito, "alice")["UserAttributes"]}["sub"]
    make_staff("alice", None, is_staff=False).__class__.objects.filter(username="alice").update(
        cognito_sub=sub
    )
    event = perform("disable", "alice", actor=actor)
    assert event.actor == staff
    assert event.actor_ip == "203.0.113.7"
    assert event.target_sub == sub


@pytest.mark.parametrize("action", ["disable", "sign_out", "reset_password", "reset_mfa", "delete"])
def test_actions_that_lock_out_end_the_users_portal_sessions(cognito, action):
    cognito.create_user("alice")
    alice = make_staff("alice", None, is_staff=False)
    client: Client = client_for(alice)
    bystander = client_for(make_staff("bob", None, is_staff=False))
    perform(action, "alice", actor=OPERATOR)
    assert client.get("/admin/").wsgi_request.user.is_anonymous
    assert bystander.get("/admin/").wsgi_request.user.is_authenticated


def test_enable_leaves_sessions_alone(cognito):
    cognito.create_user("alice", enabled=False)
    client = client_for(make_staff("alice", None, is_staff=False))
    perform("enable", "alice", actor=OPERATOR)
    assert client.get("/admin/").wsgi_request.user.is_authenticated


def test_forget_all_devices_drops_local_remembered_devices(cognito):
    cognito.create_user("alice")
    alice = make_staff("alice", None, is_staff=False)
    RememberedDevice.objects.create(user=alice, device_key="k", sealed="x")
    perform("forget_all_devices", "alice", actor=OPERATOR)
    assert not RememberedDevice.objects.filter(user=alice).exists()
