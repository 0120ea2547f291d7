"""Sign-in history: localcognito logs every sign-in outcome and serves AdminListUserAuthEvents; the staff page
shows the events (paged), and says in one plain line when the pool has no threat protection."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from accounts.cognito import errors, srp
from tests.conftest import STRONG_PASSWORD

from .conftest import detail_url, inject_fault, local_idp, sign_in_with_totp

pytestmark = pytest.mark.django_db


def events_of(pool, username: str, **params) -> dict:
    return pool.admin.admin_list_user_auth_events(UserPoolId=pool.pool_id, Username=username, **params)


def challenges(event: dict) -> list[tuple[str, str]]:
    return [(c["ChallengeName"], c["ChallengeResponse"]) for c in event.get("ChallengeResponses", [])]


def remembered_device(pool, username: str) -> tuple[str, str, str]:
    """Sign in with TOTP and confirm the new device as remembered; (key, group key, device password)."""
    tokens = sign_in_with_totp(pool, username)
    device = tokens.new_device
    verifier = srp.new_device_verifier(device.device_group_key, device.device_key)
    idp = local_idp(pool)
    if idp.confirm_device(
        tokens.access_token,
        device.device_key,
        verifier=verifier.verifier_b64,
        salt=verifier.salt_b64,
        device_name="Firefox on Linux",
    ):
        idp.update_device_status(tokens.access_token, device.device_key, remembered=True)
    return device.device_key, device.device_group_key, verifier.password


def device_sign_in(pool, username: str, device: tuple[str, str, str]):
    idp = local_idp(pool)
    key, group, password = device
    first = idp.admin_initiate_auth(username, STRONG_PASSWORD, device_key=key)
    assert first.name == "DEVICE_SRP_AUTH", first
    client = srp.DeviceSrpClient(key, group, password)
    step = idp.admin_respond_to_auth_challenge(
        "DEVICE_SRP_AUTH", first.session, username, {"DEVICE_KEY": key, "SRP_A": client.srp_a}
    )
    return idp.admin_respond_to_auth_challenge(
        "DEVICE_PASSWORD_VERIFIER",
        step.session,
        username,
        client.password_verifier_responses(step.parameters),
    )


# -- localcognito records and serves ---------------------------------------------------------------------
def test_a_first_sign_in_with_mfa_setup_is_one_passing_event(cognito):
    cognito.create_user("ann")
    cognito.enrol_totp("ann")
    [event] = events_of(cognito, "ann")["AuthEvents"]
    assert event["EventType"] == "SignIn"
    assert event["EventResponse"] == "Pass"
    assert challenges(event) == [("Password", "Success"), ("Mfa", "Success")]
    assert event["EventRisk"]["RiskDecision"] == "NoRisk"
    assert event["EventContextData"]["IpAddress"] == "127.0.0.1"
    assert event["EventId"] and event["CreationDate"]


def test_a_wrong_password_is_a_failed_event(cognito):
    cognito.create_user("ann")
    with pytest.raises(errors.NotAuthorized):
        local_idp(cognito).admin_initiate_auth("ann", "Wrong-password-1!")
    [event] = events_of(cognito, "ann")["AuthEvents"]
    assert event["EventResponse"] == "Fail"
    assert challenges(event) == [("Password", "Failure")]


def test_a_wrong_then_right_totp_code_is_recorded_on_the_same_event(cognito):
    cognito.create_user("ann")
    cognito.enrol_totp("ann")
    idp = local_idp(cognito)
    challenge = idp.admin_initiate_auth("ann", STRONG_PASSWORD)
    assert events_of(cognito, "ann")["AuthEvents"][0]["EventResponse"] == "InProgress"
    with pytest.raises(errors.CodeMismatch):
        idp.admin_respond_to_auth_challenge(
            "SOFTWARE_TOKEN_MFA", challenge.session, "ann", {"SOFTWARE_TOKEN_MFA_CODE": "000000"}
        )
    newest = events_of(cognito, "ann")["AuthEvents"][0]
    assert newest["EventResponse"] == "Fail"
    assert challenges(newest) == [("Password", "Success"), ("Mfa", "Failure")]


def test_a_remembered_device_sign_in_names_the_device_and_a_refresh_is_logged(cognito):
    cognito.create_user("ann")
    device = remembered_device(cognito, "ann")
    tokens = device_sign_in(cognito, "ann", device)
    local_idp(cognito).admin_refresh_tokens(tokens.refresh_token, username="ann", device_key=device[0])
    refresh, by_device, with_totp, enrolment = events_of(cognito, "ann")["AuthEvents"]
    assert by_device["EventResponse"] == "Pass"
    assert by_device["EventContextData"]["DeviceName"] == "Firefox on Linux"
    assert challenges(by_device) == [("Password", "Success")]  # no MFA step: the device stood in
    assert challenges(with_totp) == [("Password", "Success"), ("Mfa", "Success")]
    assert refresh["EventResponse"] == "Pass" and challenges(refresh) == []
    assert refresh["EventContextData"]["DeviceName"] == "Firefox on Linux"
    assert enrolment["EventResponse"] == "Pass"


def test_events_are_paged_newest_first(cognito):
    cognito.create_user("ann")
    for _ in range(5):
        with pytest.raises(errors.NotAuthorized):
            local_idp(cognito).admin_initiate_auth("ann", "Wrong-password-1!")
    everything = [e["EventId"] for e in events_of(cognito, "ann")["AuthEvents"]]
    first = events_of(cognito, "ann", MaxResults=2)
    second = events_of(cognito, "ann", MaxResults=2, NextToken=first["NextToken"])
    third = events_of(cognito, "ann", MaxResults=2, NextToken=second["NextToken"])
    paged = [e["EventId"] for page in (first, second, third) for e in page["AuthEvents"]]
    assert paged == everything and len(everything) == 5
    assert "NextToken" not in third
    created = [e["CreationDate"] for e in events_of(cognito, "ann")["AuthEvents"]]
    assert created == sorted(created, reverse=True)


def test_a_pool_with_threat_protection_off_refuses_the_listing(cognito):
    cognito.create_user("ann")
    cognito.admin.update_user_pool(
        UserPoolId=cognito.pool_id,
        UserPoolAddOns={"AdvancedSecurityMode": "OFF"},
        AutoVerifiedAttributes=["email"],
    )
    with pytest.raises(ClientError) as refused:
        events_of(cognito, "ann")
    assert refused.value.response["Error"]["Code"] == "UserPoolAddOnNotEnabledException"


def test_unknown_users_have_no_events(cognito):
    with pytest.raises(ClientError) as missing:
        events_of(cognito, "nobody")
    assert missing.value.response["Error"]["Code"] == "UserNotFoundException"


# -- the staff page --------------------------------------------------------------------------------------
def event_rows(response) -> list[str]:
    section = response.content.decode().split('id="sign-in-events"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"sign-in-event[^\"]*\">(.*?)</tr>", section, re.S)


def test_the_detail_page_lists_sign_in_events(cognito, staff_client):
    cognito.create_user("ann")
    remembered_device(cognito, "ann")
    with pytest.raises(errors.NotAuthorized):
        local_idp(cognito).admin_initiate_auth("ann", "Wrong-password-1!")
    response = staff_client.get(detail_url(cognito, "ann"))
    assert response.status_code == 200
    rows = event_rows(response)
    assert len(rows) == 3
    assert "Fail" in rows[0] and "Password: Failure" in rows[0]
    assert "Pass" in rows[1] and "Mfa: Success" in rows[1] and "127.0.0.1" in rows[1]
    assert "UTC" in rows[0]  # one date format, with its time zone


def test_the_events_are_paged_on_the_detail_page(cognito, staff_client, monkeypatch):
    from accounts.staff import history

    monkeypatch.setattr(history, "EVENTS_PER_PAGE", 3)
    cognito.create_user("ann")
    for _ in range(4):
        with pytest.raises(errors.NotAuthorized):
            local_idp(cognito).admin_initiate_auth("ann", "Wrong-password-1!")
    first = staff_client.get(detail_url(cognito, "ann"))
    older = re.search(r'href="([^"]*events_from=[^"]*)"[^>]*>[^<]*Older', first.content.decode())
    assert older, "no link to older events"
    second = staff_client.get(older.group(1).replace("&amp;", "&"))
    assert len(event_rows(first)) == 3 and len(event_rows(second)) == 1
    assert "Newest events" in second.content.decode()
    forged = staff_client.get(detail_url(cognito, "ann"), {"events_from": "forged"})
    assert forged.status_code == 200 and len(event_rows(forged)) == 3  # a bad token: the newest page


def test_no_threat_protection_is_said_in_one_plain_line(cognito, staff_client):
    cognito.create_user("ann")
    inject_fault(cognito, operation="AdminListUserAuthEvents", error="UserPoolAddOnNotEnabledException")
    response = staff_client.get(detail_url(cognito, "ann"))
    assert response.status_code == 200
    body = response.content.decode()
    section = body.split('id="sign-in-events"', 1)[1].split("</div>", 1)[0]
    assert "threat protection" in section
    assert "errornote" not in section and "error" not in section.split(">", 1)[0]
    assert section.count("<p") == 1  # one line


def test_the_refusal_is_remembered_so_the_page_stops_asking(cognito, cognito_calls, staff_client):
    cognito.create_user("ann")
    inject_fault(cognito, operation="AdminListUserAuthEvents", error="UserPoolAddOnNotEnabledException")
    staff_client.get(detail_url(cognito, "ann"))
    cognito_calls.clear()
    staff_client.get(detail_url(cognito, "ann"))
    assert cognito_calls["AdminListUserAuthEvents"] == 0


def test_a_failed_event_listing_does_not_break_the_page(cognito, staff_client):
    cognito.create_user("ann")
    inject_fault(cognito, operation="AdminListUserAuthEvents", error="TooManyRequestsException")
    response = staff_client.get(detail_url(cognito, "ann"))
    assert response.status_code == 200
    assert "could not be listed" in response.content.decode()
