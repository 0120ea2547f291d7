"""Issue #10.3: an action's outcome is done, failed or unknown, read back after a lost answer, and said.

Faults come from localcognito (``POST /_local/faults``): throttling (not processed), a 500 (Cognito answered:
it did not apply it), a dropped connection and a delay past the portal's read timeout (no answer: the change
may still apply later, which the delay fault then does). Users get unique names so that a delayed write that
lands after its test has ended finds nobody.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages

from accounts.cognito import errors
from accounts.cognito.idp import CognitoIdentityProvider
from accounts.models import AuditEvent
from tests.conftest import STRONG_PASSWORD

from .conftest import action_url, client_for, detail_url, inject_fault, local_idp, make_staff, remember_device

pytestmark = pytest.mark.django_db

FAULTS = {
    "throttled": {"error": "TooManyRequestsException"},
    "500": {"error": "InternalErrorException", "status": 500},
    "dropped": {"drop": True},
    "timeout": {"delay": 2},
}


@pytest.fixture
def short_timeout(cognito, settings):
    """The portal gives up on Cognito after half a second (the delay fault waits two)."""
    settings.COGNITO_READ_TIMEOUT = 0.5


def fresh_user(cognito, **kwargs) -> str:
    name = f"u-{uuid.uuid4().hex[:10]}"
    cognito.create_user(name, **kwargs)
    return name


def state(cognito, name: str) -> dict:
    return cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username=name)


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def signed_in_mirror(name: str):
    return client_for(make_staff(name, None, is_staff=False))


# -- disable: every fault --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "status", "outcome", "said", "read_back"),
    [
        ("throttled", 503, "failure", "Nothing was changed by this page", False),
        ("500", 503, "failure", "shows nothing was changed", True),
        ("dropped", 302, "unknown", "could not tell whether it took effect", True),
        ("timeout", 302, "unknown", "could not tell whether it took effect", True),
    ],
)
def test_disable_under_each_fault_is_reported_and_audited_as_what_is_true(
    cognito, short_timeout, cognito_calls, staff_client, fault, status, outcome, said, read_back
):
    name = fresh_user(cognito)
    url = action_url(cognito, name, "disable")
    staff_client.get(url)  # the confirmation page
    their_session = signed_in_mirror(name)
    cognito_calls.clear()
    inject_fault(cognito, operation="AdminDisableUser", **FAULTS[fault])

    response = staff_client.post(url, {"reason": "keep me"})

    assert response.status_code == status
    text = messages_of(response)
    assert said in text
    if status == 503:
        assert "keep me" in response.content.decode()  # the form is kept for another try
    else:
        assert response["Location"] == detail_url(cognito, name)
        assert "Open the user again in a minute to see; trying again is safe." in text
    assert cognito_calls["AdminDisableUser"] == 1  # never sent again
    assert cognito_calls["AdminGetUser"] == 2 if read_back else 1  # the lookup, then the read-back
    event = AuditEvent.objects.get()
    assert event.outcome == outcome and event.target_sub
    # A lock-out ends the user's portal sessions whatever Cognito answered.
    assert their_session.get("/admin/").wsgi_request.user.is_anonymous
    if fault != "timeout":
        assert state(cognito, name)["Enabled"] is True


def test_a_lost_answer_after_the_change_took_effect_is_done(cognito, staff_client, monkeypatch):
    name = fresh_user(cognito)
    real = CognitoIdentityProvider.admin_disable_user

    def applied_then_lost(self, username):
        real(self, username)
        raise errors.CognitoUnavailable("Read timeout", code="ReadTimeoutError", outcome_unknown=True)

    monkeypatch.setattr(CognitoIdentityProvider, "admin_disable_user", applied_then_lost)
    response = staff_client.post(action_url(cognito, name, "disable"))
    assert response.status_code == 302
    text = messages_of(response)
    assert f"{name} is disabled." in text and "reading" in text and "confirmed it" in text
    event = AuditEvent.objects.get()
    assert event.outcome == "success"
    assert "AdminDisableUser: no answer (ReadTimeoutError), read back: done" in event.detail
    assert state(cognito, name)["Enabled"] is False


# -- reset MFA: the safer order under every fault, on every step -----------------------------------------
@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("step", ["AdminUserGlobalSignOut", "AdminForgetDevice", "AdminSetUserMFAPreference"])
def test_reset_mfa_never_turns_the_authenticator_off_before_sign_out_and_devices(
    cognito, short_timeout, staff_client, fault, step
):
    name = fresh_user(cognito)
    remember_device(cognito, name)
    inject_fault(cognito, operation=step, **FAULTS[fault])

    response = staff_client.post(action_url(cognito, name, "reset_mfa"))

    totp_on = bool(state(cognito, name).get("UserMFASettingList"))
    devices = cognito.admin.admin_list_devices(UserPoolId=cognito.pool_id, Username=name)["Devices"]
    event = AuditEvent.objects.get()
    assert totp_on, "the authenticator goes off last, so a fault on any step leaves it on"
    if step == "AdminSetUserMFAPreference":
        assert devices == []  # signed out and forgotten before the failing last step
    if step == "AdminUserGlobalSignOut":
        assert len(devices) == 1  # nothing after the sign-out was attempted
    assert event.outcome in {"failure", "unknown"}
    text = messages_of(response)
    if event.outcome == "failure" and step != "AdminUserGlobalSignOut":
        assert "Reset MFA was not finished" in text and "Run it again to finish." in text
    if event.outcome == "unknown":
        assert "could not tell" in text
    assert step in event.detail or (fault == "throttled" and step == "AdminUserGlobalSignOut")


def test_reset_mfa_finishes_when_run_again(cognito, staff_client):
    name = fresh_user(cognito)
    remember_device(cognito, name)
    inject_fault(cognito, operation="AdminSetUserMFAPreference", error="InternalErrorException", status=500)
    staff_client.post(action_url(cognito, name, "reset_mfa"))
    staff_client.post(action_url(cognito, name, "reset_mfa"))
    assert not state(cognito, name).get("UserMFASettingList")
    assert [e.outcome for e in AuditEvent.objects.order_by("id")] == ["failure", "success"]
    assert local_idp(cognito).admin_initiate_auth(name, STRONG_PASSWORD).name == "MFA_SETUP"


# -- codes and invitations are never sent twice ----------------------------------------------------------
def sent(cognito, name: str, kind: str) -> int:
    return sum(1 for m in cognito.outbox() if m["username"] == name and m["kind"] == kind)


def test_a_lost_reset_password_answer_is_not_sent_again(cognito, short_timeout, cognito_calls, staff_client):
    name = fresh_user(cognito)
    cognito_calls.clear()
    inject_fault(cognito, operation="AdminResetUserPassword", drop=True)
    response = staff_client.post(action_url(cognito, name, "reset_password"))
    assert "It was not sent again: ask them whether the message arrived" in messages_of(response)
    assert cognito_calls["AdminResetUserPassword"] == 1
    assert AuditEvent.objects.get().outcome == "unknown"


def test_a_resend_whose_answer_was_a_500_is_unknown_and_not_repeated(cognito, cognito_calls, staff_client):
    staff_client.post("/admin/cognito/invite/", {"username": "newbie", "email": "newbie@example.com"})
    cognito_calls.clear()
    inject_fault(cognito, operation="AdminCreateUser", error="InternalErrorException", status=500)
    response = staff_client.post(action_url(cognito, "newbie", "resend_invitation"))
    assert response.status_code == 302
    assert "It was not sent again" in messages_of(response)
    assert cognito_calls["AdminCreateUser"] == 1 and sent(cognito, "newbie", "invitation") == 1
    assert AuditEvent.objects.filter(action="resend_invitation").get().outcome == "unknown"


def test_an_invitation_whose_answer_was_lost_is_read_back(cognito, short_timeout, staff_client):
    inject_fault(cognito, operation="AdminCreateUser", error="InternalErrorException", status=500)
    response = staff_client.post("/admin/cognito/invite/", {"username": "newbie", "email": "n@example.com"})
    assert response.status_code == 503
    assert "reading newbie back shows nothing was changed" in messages_of(response)
    assert AuditEvent.objects.get().outcome == "failure" and sent(cognito, "newbie", "invitation") == 0


def test_a_lost_sign_out_is_unknown_and_safe_to_repeat(cognito, short_timeout, staff_client):
    name = fresh_user(cognito)
    inject_fault(cognito, operation="AdminUserGlobalSignOut", drop=True)
    response = staff_client.post(action_url(cognito, name, "sign_out"))
    text = messages_of(response)
    assert "trying again is safe" in text and "portal sessions were ended anyway" in text
    assert AuditEvent.objects.get().outcome == "unknown"


# -- bulk and command ------------------------------------------------------------------------------------
def test_bulk_stops_when_cognito_stops_answering(cognito, short_timeout, staff_client):
    from .conftest import sub_of

    names = sorted(fresh_user(cognito) for _ in range(3))
    inject_fault(cognito, operation="AdminDisableUser", drop=True)
    subs = [sub_of(cognito, name) for name in names]
    response = staff_client.post(
        "/admin/cognito/users/", {"action": "disable", "_selected_action": subs, "post": "yes"}, follow=True
    )
    text = messages_of(response)
    assert "could not tell" in text and f"Not done yet for: {names[1]}, {names[2]}" in text
    assert [e.outcome for e in AuditEvent.objects.all()] == ["unknown"]


def test_the_command_says_unknown_and_exits_non_zero(cognito, short_timeout, db):
    from django.core.management.base import CommandError

    from tests.integration.commands.conftest import run_command

    name = fresh_user(cognito)
    inject_fault(cognito, operation="AdminDisableUser", drop=True)
    with pytest.raises(CommandError, match="could not tell whether it took effect"):
        run_command("cognito_users", "disable", name, "--yes")
    assert AuditEvent.objects.get().outcome == "unknown"


def test_reset_mfa_stopped_by_a_failed_device_listing_names_it(cognito, staff_client):
    name = fresh_user(cognito)
    remember_device(cognito, name)
    inject_fault(cognito, operation="AdminListDevices", error="TooManyRequestsException")
    response = staff_client.post(action_url(cognito, name, "reset_mfa"))
    text = messages_of(response)
    assert "Done: AdminUserGlobalSignOut. Failed: AdminListDevices." in text
    assert state(cognito, name).get("UserMFASettingList")  # the authenticator stays on
    assert AuditEvent.objects.get().outcome == "failure"
