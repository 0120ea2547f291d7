"""Password recovery and admin-created users: codes and temporary passwords in the outbox, all checked."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .conftest import BOTH, PASSWORD, Cog, error_code

NEW_PASSWORD = "Brand-New-Pass-7?"


def _confirm_forgot(cog: Cog, username: str, code: str, password: str = NEW_PASSWORD) -> None:
    cog.idp.confirm_forgot_password(
        ClientId=cog.client_id,
        Username=username,
        ConfirmationCode=code,
        Password=password,
        **cog.secret_kw(username),
    )


@BOTH
def test_forgot_password_round_trip(local: Cog) -> None:
    username = local.make_user()
    sent = local.idp.forgot_password(ClientId=local.client_id, Username=username, **local.secret_kw(username))
    assert sent["CodeDeliveryDetails"] == {
        "Destination": f"{username[0]}***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = local.last_code(username, "forgot_password")
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ClientError) as mismatch:
        _confirm_forgot(local, username, wrong)
    assert error_code(mismatch) == "CodeMismatchException"
    with pytest.raises(ClientError) as weak:
        _confirm_forgot(local, username, code, password="weak")
    assert error_code(weak) == "InvalidPasswordException"
    _confirm_forgot(local, username, code)
    with pytest.raises(ClientError) as old:
        local.admin_auth(username, PASSWORD)
    assert error_code(old) == "NotAuthorizedException"
    assert local.admin_auth(username, NEW_PASSWORD)["ChallengeName"] == "MFA_SETUP"
    with pytest.raises(ClientError) as reused:
        _confirm_forgot(local, username, code)
    assert error_code(reused) == "ExpiredCodeException"


def test_forgot_password_checks_secret_hash_and_expiry(local: Cog) -> None:
    username = local.make_user()
    with pytest.raises(ClientError) as no_hash:
        local.idp.forgot_password(ClientId=local.client_id, Username=username)
    assert error_code(no_hash) == "NotAuthorizedException"
    local.idp.forgot_password(ClientId=local.client_id, Username=username, **local.secret_kw(username))
    code = local.last_code(username, "forgot_password")
    with pytest.raises(ClientError) as confirm_no_hash:
        local.idp.confirm_forgot_password(
            ClientId=local.client_id, Username=username, ConfirmationCode=code, Password=NEW_PASSWORD
        )
    assert error_code(confirm_no_hash) == "NotAuthorizedException"
    start = local.server.clock()
    local.server.clock = lambda: start + 3601
    with pytest.raises(ClientError) as expired:
        _confirm_forgot(local, username, code)
    assert error_code(expired) == "ExpiredCodeException"


def test_confirm_forgot_without_a_request_is_expired(local: Cog) -> None:
    username = local.make_user()
    with pytest.raises(ClientError) as exc:
        _confirm_forgot(local, username, "123456")
    assert error_code(exc) == "ExpiredCodeException"


def test_unknown_users_are_not_revealed(local: Cog) -> None:
    sent = local.idp.forgot_password(ClientId=local.client_id, Username="ghost", **local.secret_kw("ghost"))
    assert sent["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert local.outbox() == []
    with pytest.raises(ClientError) as exc:
        _confirm_forgot(local, "ghost", "123456")
    assert error_code(exc) == "CodeMismatchException"


def test_forgot_password_is_rate_limited(local: Cog) -> None:
    username = local.make_user()
    for _ in range(local.server.settings.code_sends_per_hour):
        local.idp.forgot_password(ClientId=local.client_id, Username=username, **local.secret_kw(username))
    with pytest.raises(ClientError) as exc:
        local.idp.forgot_password(ClientId=local.client_id, Username=username, **local.secret_kw(username))
    assert error_code(exc) == "LimitExceededException"


def test_admin_reset_user_password(local: Cog) -> None:
    username = local.make_user()
    local.idp.admin_reset_user_password(UserPoolId=local.pool_id, Username=username)
    assert (
        local.idp.admin_get_user(UserPoolId=local.pool_id, Username=username)["UserStatus"]
        == "RESET_REQUIRED"
    )
    with pytest.raises(ClientError) as exc:
        local.admin_auth(username)
    assert error_code(exc) == "PasswordResetRequiredException"
    code = local.last_code(username, "admin_reset")
    _confirm_forgot(local, username, code)
    assert local.idp.admin_get_user(UserPoolId=local.pool_id, Username=username)["UserStatus"] == "CONFIRMED"
    assert local.admin_auth(username, NEW_PASSWORD)["ChallengeName"] == "MFA_SETUP"


def test_admin_reset_of_unknown_user(cog: Cog) -> None:
    with pytest.raises(ClientError) as exc:
        cog.idp.admin_reset_user_password(UserPoolId=cog.pool_id, Username="nobody-at-all")
    assert error_code(exc) == "UserNotFoundException"


@BOTH
def test_admin_create_user_invitation_then_new_password_then_mfa_setup(local: Cog) -> None:
    username = local.name()
    created = local.idp.admin_create_user(
        UserPoolId=local.pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        DesiredDeliveryMediums=["EMAIL"],
    )
    assert created["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    [invite] = [m for m in local.outbox() if m["username"] == username]
    assert invite["kind"] == "invitation"
    temporary = invite["temporary_password"]
    first = local.admin_auth(username, temporary)
    assert first["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    params = first["ChallengeParameters"]
    assert json.loads(params["requiredAttributes"]) == []
    assert json.loads(params["userAttributes"])["email"] == f"{username}@example.com"
    with pytest.raises(ClientError) as weak:
        local.respond("NEW_PASSWORD_REQUIRED", first["Session"], username, NEW_PASSWORD="weak")
    assert error_code(weak) == "InvalidPasswordException"
    second = local.respond("NEW_PASSWORD_REQUIRED", first["Session"], username, NEW_PASSWORD=NEW_PASSWORD)
    assert second["ChallengeName"] == "MFA_SETUP"
    assert local.idp.admin_get_user(UserPoolId=local.pool_id, Username=username)["UserStatus"] == "CONFIRMED"


def test_admin_create_user_resend_issues_a_new_temporary_password(local: Cog) -> None:
    username = local.name()
    attributes = [{"Name": "email", "Value": f"{username}@example.com"}]
    local.idp.admin_create_user(UserPoolId=local.pool_id, Username=username, UserAttributes=attributes)
    first = local.outbox()[-1]["temporary_password"]
    resent = local.idp.admin_create_user(UserPoolId=local.pool_id, Username=username, MessageAction="RESEND")
    assert resent["User"]["Username"] == username
    assert {a["Name"]: a["Value"] for a in resent["User"]["Attributes"]}["email"] == f"{username}@example.com"
    second = local.outbox()[-1]["temporary_password"]
    assert second != first
    with pytest.raises(ClientError) as old:
        local.admin_auth(username, first)
    assert error_code(old) == "NotAuthorizedException"
    assert local.admin_auth(username, second)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    with pytest.raises(ClientError) as dup:
        local.idp.admin_create_user(UserPoolId=local.pool_id, Username=username, UserAttributes=attributes)
    assert error_code(dup) == "UsernameExistsException"


def test_admin_create_user_suppress_sends_nothing(local: Cog) -> None:
    local.make_user()
    assert local.outbox() == []


def test_admin_create_user_resend_for_a_confirmed_user_is_refused(local: Cog) -> None:
    username = local.make_user()
    with pytest.raises(ClientError) as exc:
        local.idp.admin_create_user(UserPoolId=local.pool_id, Username=username, MessageAction="RESEND")
    assert error_code(exc) == "UnsupportedUserStateException"
