"""Every ``CognitoIdentityProvider`` method against botocore's Stubber: exact requests, typed results.

Each test runs twice, with and without an app-client secret: with one, SECRET_HASH / SecretHash must be
present and equal to Base64(HMAC-SHA256(secret, username + client id)); without one, it must be absent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from botocore.stub import ANY, Stubber

from accounts.cognito import errors
from accounts.cognito.descriptions import PoolDescription
from accounts.cognito.idp import CognitoIdentityProvider, last_request_id
from accounts.cognito.types import (
    AuthTokens,
    Challenge,
    CognitoUser,
    DeliveryDetails,
    Device,
    Group,
    NewDevice,
    Page,
)
from tests.boto import session as boto_session

POOL_ID = "eu-west-1_AbCdEf123"
CLIENT_ID = "4abcdefghijklmnopqrstuvw12"
SECRET = "client-secret-0123456789abcdefghijklmnopqrstuvwxyz"
ACCESS = "access.token.value"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
REQUEST_ID = "11111111-2222-3333-4444-555555555555"


def expected_hash(username: str) -> str:
    digest = hmac.new(SECRET.encode(), (username + CLIENT_ID).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Gateway:
    """An idp on a stubbed client, plus helpers to say what the request must contain."""

    def __init__(self, with_secret: bool) -> None:
        self.with_secret = with_secret
        self.client = boto_session().client(
            "cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        self.stub = Stubber(self.client)
        self.factory_calls: list[bool] = []
        self.idp = CognitoIdentityProvider(
            user_pool_id=POOL_ID,
            client_id=CLIENT_ID,
            client_secret=SECRET if with_secret else "",
            client_factory=self._factory,
        )

    def _factory(self, retry: bool):
        self.factory_calls.append(retry)
        return self.client

    def secret(self, username: str, key: str = "SecretHash") -> dict[str, str]:
        return {key: expected_hash(username)} if self.with_secret else {}

    def expect(self, operation: str, params: dict, response: dict | None = None) -> None:
        response = dict(response or {})
        response.setdefault("ResponseMetadata", {"RequestId": REQUEST_ID, "HTTPStatusCode": 200})
        self.stub.add_response(operation, response, params)


@pytest.fixture(params=[False, True], ids=["no-secret", "with-secret"])
def gw(request):
    gateway = Gateway(request.param)
    with gateway.stub:
        yield gateway
        gateway.stub.assert_no_pending_responses()


TOKENS = {"AccessToken": ACCESS, "IdToken": "id.token.value", "RefreshToken": "refresh", "ExpiresIn": 3600}
USER_TYPE = {
    "Username": "alice",
    "Attributes": [
        {"Name": "sub", "Value": "sub-1"},
        {"Name": "email", "Value": "alice@example.com"},
        {"Name": "email_verified", "Value": "true"},
    ],
    "UserCreateDate": WHEN,
    "UserLastModifiedDate": WHEN,
    "Enabled": True,
    "UserStatus": "CONFIRMED",
}
DEVICE_TYPE = {
    "DeviceKey": "eu-west-1_d1",
    "DeviceAttributes": [
        {"Name": "device_name", "Value": "Firefox on Linux"},
        {"Name": "last_ip_used", "Value": "192.0.2.1"},
        {"Name": "dev:device_remembered_status", "Value": "remembered"},
    ],
    "DeviceCreateDate": WHEN,
    "DeviceLastModifiedDate": WHEN,
    "DeviceLastAuthenticatedDate": WHEN,
}


def assert_alice(user: CognitoUser) -> None:
    assert isinstance(user, CognitoUser)
    assert (user.username, user.sub, user.email, user.email_verified) == (
        "alice",
        "sub-1",
        "alice@example.com",
        True,
    )
    assert (user.status, user.enabled, user.created) == ("CONFIRMED", True, WHEN)


# -- sign-up
def test_sign_up(gw):
    gw.expect(
        "sign_up",
        {
            "ClientId": CLIENT_ID,
            "Username": "alice",
            "Password": "Correct-Horse-42!",
            "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
            **gw.secret("alice"),
        },
        {
            "UserConfirmed": False,
            "UserSub": "sub-1",
            "CodeDeliveryDetails": {
                "Destination": "a***@e***",
                "DeliveryMedium": "EMAIL",
                "AttributeName": "email",
            },
        },
    )
    result = gw.idp.sign_up("alice", "Correct-Horse-42!", {"email": "alice@example.com"})
    assert result.user_sub == "sub-1"
    assert result.confirmed is False
    assert result.delivery == DeliveryDetails("a***@e***", "EMAIL", "email")
    assert gw.factory_calls == [False]  # sign-up is never blindly retried


def test_confirm_sign_up(gw):
    gw.expect(
        "confirm_sign_up",
        {"ClientId": CLIENT_ID, "Username": "alice", "ConfirmationCode": "123456", **gw.secret("alice")},
    )
    assert gw.idp.confirm_sign_up("alice", "123456") is None


def test_resend_confirmation_code(gw):
    gw.expect(
        "resend_confirmation_code",
        {"ClientId": CLIENT_ID, "Username": "alice", **gw.secret("alice")},
        {"CodeDeliveryDetails": {"Destination": "a***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}},
    )
    assert gw.idp.resend_confirmation_code("alice") == DeliveryDetails("a***", "EMAIL", "email")


# -- sign-in
def test_admin_initiate_auth_returns_tokens_with_new_device(gw):
    gw.expect(
        "admin_initiate_auth",
        {
            "UserPoolId": POOL_ID,
            "ClientId": CLIENT_ID,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "pw", **gw.secret("alice", "SECRET_HASH")},
        },
        {
            "AuthenticationResult": {
                **TOKENS,
                "TokenType": "Bearer",
                "NewDeviceMetadata": {"DeviceKey": "eu-west-1_d1", "DeviceGroupKey": "-grp"},
            }
        },
    )
    result = gw.idp.admin_initiate_auth("alice", "pw")
    assert isinstance(result, AuthTokens)
    assert (result.access_token, result.id_token, result.refresh_token) == (
        ACCESS,
        "id.token.value",
        "refresh",
    )
    assert result.expires_in == 3600
    assert result.new_device == NewDevice("eu-west-1_d1", "-grp")
    assert ACCESS not in repr(result)
    assert gw.factory_calls == [False]


def test_admin_initiate_auth_with_device_key_returns_a_challenge(gw):
    gw.expect(
        "admin_initiate_auth",
        {
            "UserPoolId": POOL_ID,
            "ClientId": CLIENT_ID,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {
                "USERNAME": "alice",
                "PASSWORD": "pw",
                "DEVICE_KEY": "eu-west-1_d1",
                **gw.secret("alice", "SECRET_HASH"),
            },
        },
        {
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": "s" * 30,
            "ChallengeParameters": {"USER_ID_FOR_SRP": "alice"},
        },
    )
    result = gw.idp.admin_initiate_auth("alice", "pw", device_key="eu-west-1_d1")
    assert result == Challenge("SOFTWARE_TOKEN_MFA", "s" * 30, {"USER_ID_FOR_SRP": "alice"})
    assert result.username == "alice"


def test_admin_initiate_auth_with_neither_tokens_nor_challenge_is_an_error(gw):
    gw.expect(
        "admin_initiate_auth",
        {
            "UserPoolId": POOL_ID,
            "ClientId": CLIENT_ID,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": ANY,
        },
        {},
    )
    with pytest.raises(errors.CognitoError) as caught:
        gw.idp.admin_initiate_auth("alice", "pw")
    assert caught.value.code == "EmptyAnswer"


def test_admin_refresh_tokens(gw):
    gw.expect(
        "admin_initiate_auth",
        {
            "UserPoolId": POOL_ID,
            "ClientId": CLIENT_ID,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {
                "REFRESH_TOKEN": "refresh",
                "DEVICE_KEY": "eu-west-1_d1",
                **gw.secret("sub-1", "SECRET_HASH"),
            },
        },
        {"AuthenticationResult": {"AccessToken": "new-access", "IdToken": "new-id", "ExpiresIn": 300}},
    )
    result = gw.idp.admin_refresh_tokens("refresh", username="sub-1", device_key="eu-west-1_d1")
    assert (result.access_token, result.id_token, result.refresh_token, result.expires_in) == (
        "new-access",
        "new-id",
        None,
        300,
    )


def test_admin_refresh_tokens_answered_with_a_challenge_is_not_authorized(gw):
    gw.expect(
        "admin_initiate_auth",
        {
            "UserPoolId": POOL_ID,
            "ClientId": CLIENT_ID,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": "refresh", **gw.secret("sub-1", "SECRET_HASH")},
        },
        {"ChallengeName": "SMS_MFA", "Session": "s" * 30, "ChallengeParameters": {}},
    )
    with pytest.raises(errors.NotAuthorized):
        gw.idp.admin_refresh_tokens("refresh", username="sub-1")


def test_admin_respond_to_auth_challenge(gw):
    gw.expect(
        "admin_respond_to_auth_challenge",
        {
            "UserPoolId": POOL_ID,
            "ClientId": CLIENT_ID,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": "s" * 30,
            "ChallengeResponses": {
                "USERNAME": "alice",
                "SOFTWARE_TOKEN_MFA_CODE": "123456",
                **gw.secret("alice", "SECRET_HASH"),
            },
        },
        {"AuthenticationResult": TOKENS},
    )
    result = gw.idp.admin_respond_to_auth_challenge(
        "SOFTWARE_TOKEN_MFA", "s" * 30, "alice", {"SOFTWARE_TOKEN_MFA_CODE": "123456"}
    )
    assert isinstance(result, AuthTokens)
    assert result.new_device is None
    assert gw.factory_calls == [False]


def test_admin_respond_to_auth_challenge_hashes_the_username_it_sends(gw):
    """After SRP, Cognito wants USERNAME = USER_ID_FOR_SRP; the hash must match that value (notes §3.1)."""
    gw.expect(
        "admin_respond_to_auth_challenge",
        {
            "UserPoolId": POOL_ID,
            "ClientId": CLIENT_ID,
            "ChallengeName": "DEVICE_SRP_AUTH",
            "Session": "s" * 30,
            "ChallengeResponses": {
                "USERNAME": "real-username",
                "DEVICE_KEY": "eu-west-1_d1",
                "SRP_A": "abc",
                **gw.secret("real-username", "SECRET_HASH"),
            },
        },
        {
            "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
            "Session": "t" * 30,
            "ChallengeParameters": {
                "SRP_B": "1",
                "SALT": "2",
                "SECRET_BLOCK": "AA==",
                "USERNAME": "real-username",
            },
        },
    )
    result = gw.idp.admin_respond_to_auth_challenge(
        "DEVICE_SRP_AUTH",
        "s" * 30,
        "alice@example.com",
        {"USERNAME": "real-username", "DEVICE_KEY": "eu-west-1_d1", "SRP_A": "abc"},
    )
    assert isinstance(result, Challenge)
    assert result.name == "DEVICE_PASSWORD_VERIFIER"
    assert result.username == "real-username"


def test_associate_software_token_with_access_token(gw):
    gw.expect("associate_software_token", {"AccessToken": ACCESS}, {"SecretCode": "JBSWY3DPEHPK3PXP"})
    setup = gw.idp.associate_software_token(access_token=ACCESS)
    assert (setup.secret_code, setup.session) == ("JBSWY3DPEHPK3PXP", None)


def test_totp_calls_need_a_session_or_an_access_token(gw):
    with pytest.raises(ValueError, match="session or an access token"):
        gw.idp.associate_software_token()
    with pytest.raises(ValueError, match="session or an access token"):
        gw.idp.verify_software_token("123456")


def test_verify_software_token_with_session(gw):
    gw.expect(
        "verify_software_token",
        {"UserCode": "123456", "Session": "n" * 30, "FriendlyDeviceName": "Phone"},
        {"Status": "SUCCESS", "Session": "o" * 30},
    )
    result = gw.idp.verify_software_token("123456", session="n" * 30, friendly_name="Phone")
    assert result.ok and result.session == "o" * 30


def test_verify_software_token_with_access_token(gw):
    gw.expect("verify_software_token", {"UserCode": "123456", "AccessToken": ACCESS}, {"Status": "ERROR"})
    result = gw.idp.verify_software_token("123456", access_token=ACCESS)
    assert not result.ok


# -- devices
def test_confirm_device(gw):
    gw.expect(
        "confirm_device",
        {
            "AccessToken": ACCESS,
            "DeviceKey": "eu-west-1_d1",
            "DeviceSecretVerifierConfig": {"PasswordVerifier": "dmVy", "Salt": "c2FsdA=="},
            "DeviceName": "x" * 1024,
        },
        {"UserConfirmationNecessary": True},
    )
    assert gw.idp.confirm_device(
        ACCESS, "eu-west-1_d1", verifier="dmVy", salt="c2FsdA==", device_name="x" * 2000
    )
    assert gw.factory_calls == [False]


def test_confirm_device_without_a_name_sends_none(gw):
    gw.expect(
        "confirm_device",
        {
            "AccessToken": ACCESS,
            "DeviceKey": "eu-west-1_d1",
            "DeviceSecretVerifierConfig": {"PasswordVerifier": "dmVy", "Salt": "c2FsdA=="},
        },
        {"UserConfirmationNecessary": False},
    )
    assert not gw.idp.confirm_device(ACCESS, "eu-west-1_d1", verifier="dmVy", salt="c2FsdA==", device_name="")


@pytest.mark.parametrize(("remembered", "status"), [(True, "remembered"), (False, "not_remembered")])
def test_update_device_status(gw, remembered, status):
    gw.expect(
        "update_device_status",
        {"AccessToken": ACCESS, "DeviceKey": "eu-west-1_d1", "DeviceRememberedStatus": status},
    )
    assert gw.idp.update_device_status(ACCESS, "eu-west-1_d1", remembered=remembered) is None


def test_list_devices(gw):
    gw.expect(
        "list_devices",
        {"AccessToken": ACCESS, "Limit": 60, "PaginationToken": "p1"},
        {"Devices": [DEVICE_TYPE], "PaginationToken": "p2"},
    )
    page = gw.idp.list_devices(ACCESS, limit=500, pagination_token="p1")
    assert isinstance(page, Page)
    assert page.next_token == "p2"
    (device,) = page.items
    assert isinstance(device, Device)
    assert (device.key, device.name, device.last_ip, device.remembered) == (
        "eu-west-1_d1",
        "Firefox on Linux",
        "192.0.2.1",
        True,
    )
    assert device.last_authenticated == WHEN


def test_admin_list_devices(gw):
    gw.expect(
        "admin_list_devices",
        {"UserPoolId": POOL_ID, "Username": "alice", "Limit": 10},
        {"Devices": [{"DeviceKey": "eu-west-1_d2", "DeviceAttributes": []}]},
    )
    page = gw.idp.admin_list_devices("alice", limit=10)
    assert page.next_token is None
    assert page.items[0].key == "eu-west-1_d2"
    assert page.items[0].remembered is None


def test_all_devices_follows_pagination_tokens(gw):
    gw.expect(
        "admin_list_devices",
        {"UserPoolId": POOL_ID, "Username": "alice", "Limit": 60},
        {"Devices": [DEVICE_TYPE], "PaginationToken": "p2"},
    )
    gw.expect(
        "admin_list_devices",
        {"UserPoolId": POOL_ID, "Username": "alice", "Limit": 60, "PaginationToken": "p2"},
        {"Devices": [{**DEVICE_TYPE, "DeviceKey": "eu-west-1_d2"}]},
    )
    assert [d.key for d in gw.idp.all_devices(username="alice")] == ["eu-west-1_d1", "eu-west-1_d2"]


def test_all_devices_with_an_access_token(gw):
    gw.expect("list_devices", {"AccessToken": ACCESS, "Limit": 60}, {"Devices": [DEVICE_TYPE]})
    assert [d.key for d in gw.idp.all_devices(access_token=ACCESS)] == ["eu-west-1_d1"]


def test_forget_device(gw):
    gw.expect("forget_device", {"AccessToken": ACCESS, "DeviceKey": "eu-west-1_d1"})
    assert gw.idp.forget_device(ACCESS, "eu-west-1_d1") is None


def test_admin_forget_device(gw):
    gw.expect(
        "admin_forget_device", {"UserPoolId": POOL_ID, "Username": "alice", "DeviceKey": "eu-west-1_d1"}
    )
    assert gw.idp.admin_forget_device("alice", "eu-west-1_d1") == REQUEST_ID


# -- passwords and sign-out
def test_forgot_password(gw):
    gw.expect(
        "forgot_password",
        {"ClientId": CLIENT_ID, "Username": "alice", **gw.secret("alice")},
        {"CodeDeliveryDetails": {"Destination": "a***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}},
    )
    assert gw.idp.forgot_password("alice") == DeliveryDetails("a***", "EMAIL", "email")
    assert gw.factory_calls == [False]


def test_forgot_password_without_delivery_details(gw):
    gw.expect("forgot_password", {"ClientId": CLIENT_ID, "Username": "alice", **gw.secret("alice")}, {})
    assert gw.idp.forgot_password("alice") is None


def test_confirm_forgot_password(gw):
    gw.expect(
        "confirm_forgot_password",
        {
            "ClientId": CLIENT_ID,
            "Username": "alice",
            "ConfirmationCode": "123456",
            "Password": "New-Password-1!",
            **gw.secret("alice"),
        },
    )
    assert gw.idp.confirm_forgot_password("alice", "123456", "New-Password-1!") is None


def test_change_password(gw):
    gw.expect(
        "change_password",
        {"AccessToken": ACCESS, "PreviousPassword": "Old-Password-1!", "ProposedPassword": "New-Password-1!"},
    )
    assert gw.idp.change_password(ACCESS, "Old-Password-1!", "New-Password-1!") is None
    assert gw.factory_calls == [False]


def test_revoke_token_sends_the_client_secret_itself(gw):
    gw.expect(
        "revoke_token",
        {"Token": "refresh", "ClientId": CLIENT_ID, **({"ClientSecret": SECRET} if gw.with_secret else {})},
    )
    assert gw.idp.revoke_token("refresh") is None


def test_global_sign_out(gw):
    gw.expect("global_sign_out", {"AccessToken": ACCESS})
    assert gw.idp.global_sign_out(ACCESS) is None
    assert gw.factory_calls == [True]


def test_get_user(gw):
    gw.expect(
        "get_user",
        {"AccessToken": ACCESS},
        {
            "Username": "alice",
            "UserAttributes": USER_TYPE["Attributes"],
            "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
            "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
        },
    )
    user = gw.idp.get_user(ACCESS)
    assert user.sub == "sub-1"
    assert user.totp_enabled
    assert user.preferred_mfa == "SOFTWARE_TOKEN_MFA"


# -- users
def test_list_users_one_page(gw):
    gw.expect(
        "list_users",
        {"UserPoolId": POOL_ID, "Limit": 60, "Filter": 'email ^= "ali"', "PaginationToken": "p1"},
        {"Users": [USER_TYPE], "PaginationToken": "p2"},
    )
    page = gw.idp.list_users(filter='email ^= "ali"', limit=1000, pagination_token="p1")
    assert page.next_token == "p2"
    assert_alice(page.items[0])
    assert gw.factory_calls == [True]


def test_list_users_clamps_the_limit_to_at_least_one(gw):
    gw.expect("list_users", {"UserPoolId": POOL_ID, "Limit": 1}, {"Users": []})
    assert gw.idp.list_users(limit=0) == Page([], None)


def test_iter_users_is_lazy(gw):
    gw.expect(
        "list_users",
        {"UserPoolId": POOL_ID, "Limit": 2},
        {"Users": [USER_TYPE, {**USER_TYPE, "Username": "bob"}], "PaginationToken": "p2"},
    )
    gw.expect(
        "list_users",
        {"UserPoolId": POOL_ID, "Limit": 2, "PaginationToken": "p2"},
        {"Users": [{**USER_TYPE, "Username": "carol"}]},
    )
    users = gw.idp.iter_users(page_size=2)
    assert next(users).username == "alice"
    assert next(users).username == "bob"
    # Only one page requested so far: the second response is still pending.
    with pytest.raises(AssertionError):
        gw.stub.assert_no_pending_responses()
    assert [u.username for u in users] == ["carol"]


def test_list_users_in_group(gw):
    gw.expect(
        "list_users_in_group",
        {"UserPoolId": POOL_ID, "GroupName": "portal-staff", "Limit": 5, "NextToken": "n1"},
        {"Users": [USER_TYPE], "NextToken": "n2"},
    )
    page = gw.idp.list_users_in_group("portal-staff", limit=5, next_token="n1")
    assert page.next_token == "n2"
    assert_alice(page.items[0])


def test_iter_users_in_group(gw):
    gw.expect(
        "list_users_in_group",
        {"UserPoolId": POOL_ID, "GroupName": "portal-staff", "Limit": 60},
        {"Users": [USER_TYPE], "NextToken": "n2"},
    )
    gw.expect(
        "list_users_in_group",
        {"UserPoolId": POOL_ID, "GroupName": "portal-staff", "Limit": 60, "NextToken": "n2"},
        {"Users": [{**USER_TYPE, "Username": "bob"}]},
    )
    assert [u.username for u in gw.idp.iter_users_in_group("portal-staff")] == ["alice", "bob"]


def test_list_groups_follows_tokens_and_sorts(gw):
    gw.expect(
        "list_groups",
        {"UserPoolId": POOL_ID, "Limit": 60},
        {"Groups": [{"GroupName": "portal-staff", "Precedence": 2}], "NextToken": "n2"},
    )
    gw.expect(
        "list_groups",
        {"UserPoolId": POOL_ID, "Limit": 60, "NextToken": "n2"},
        {"Groups": [{"GroupName": "portal-admins", "Description": "Admins", "Precedence": 1}]},
    )
    assert gw.idp.list_groups() == [Group("portal-admins", "Admins", 1), Group("portal-staff", "", 2)]


def test_admin_get_user(gw):
    gw.expect(
        "admin_get_user",
        {"UserPoolId": POOL_ID, "Username": "alice"},
        {
            "Username": "alice",
            "UserAttributes": USER_TYPE["Attributes"],
            "UserCreateDate": WHEN,
            "UserLastModifiedDate": WHEN,
            "Enabled": True,
            "UserStatus": "CONFIRMED",
            "UserMFASettingList": [],
            "PreferredMfaSetting": "",
        },
    )
    user = gw.idp.admin_get_user("alice")
    assert_alice(user)
    assert not user.totp_enabled
    assert gw.factory_calls == [True]


def test_admin_list_groups_for_user(gw):
    gw.expect(
        "admin_list_groups_for_user",
        {"UserPoolId": POOL_ID, "Username": "alice", "Limit": 60},
        {"Groups": [{"GroupName": "zeta"}], "NextToken": "n2"},
    )
    gw.expect(
        "admin_list_groups_for_user",
        {"UserPoolId": POOL_ID, "Username": "alice", "Limit": 60, "NextToken": "n2"},
        {"Groups": [{"GroupName": "alpha"}]},
    )
    assert [g.name for g in gw.idp.admin_list_groups_for_user("alice")] == ["alpha", "zeta"]


@pytest.mark.parametrize(
    ("method", "operation", "extra", "retried_by_botocore"),
    [
        ("admin_add_user_to_group", "admin_add_user_to_group", {"GroupName": "portal-staff"}, True),
        ("admin_remove_user_from_group", "admin_remove_user_from_group", {"GroupName": "portal-staff"}, True),
        ("admin_disable_user", "admin_disable_user", {}, True),
        ("admin_enable_user", "admin_enable_user", {}, True),
        ("admin_reset_user_password", "admin_reset_user_password", {}, False),  # sends a code
        ("admin_user_global_sign_out", "admin_user_global_sign_out", {}, True),
        ("admin_confirm_sign_up", "admin_confirm_sign_up", {}, True),
        ("admin_delete_user", "admin_delete_user", {}, True),
    ],
)
def test_admin_writes_return_the_request_id(gw, method, operation, extra, retried_by_botocore):
    gw.expect(operation, {"UserPoolId": POOL_ID, "Username": "alice", **extra})
    args = ("alice", extra["GroupName"]) if extra else ("alice",)
    assert getattr(gw.idp, method)(*args) == REQUEST_ID
    assert last_request_id() == REQUEST_ID
    assert gw.factory_calls == [retried_by_botocore]


def test_admin_set_user_mfa_preference(gw):
    gw.expect(
        "admin_set_user_mfa_preference",
        {
            "UserPoolId": POOL_ID,
            "Username": "alice",
            "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": False},
        },
    )
    assert (
        gw.idp.admin_set_user_mfa_preference("alice", totp_enabled=True, totp_preferred=False) == REQUEST_ID
    )


def test_admin_create_user_invites_by_email(gw):
    gw.expect(
        "admin_create_user",
        {
            "UserPoolId": POOL_ID,
            "Username": "alice",
            "DesiredDeliveryMediums": ["EMAIL"],
            "UserAttributes": [
                {"Name": "email", "Value": "alice@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        },
        {"User": {**USER_TYPE, "UserStatus": "FORCE_CHANGE_PASSWORD"}},
    )
    user = gw.idp.admin_create_user("alice", "alice@example.com")
    assert user.status == "FORCE_CHANGE_PASSWORD"
    assert gw.factory_calls == [False]


def test_admin_create_user_resend(gw):
    gw.expect(
        "admin_create_user",
        {
            "UserPoolId": POOL_ID,
            "Username": "alice",
            "DesiredDeliveryMediums": ["EMAIL"],
            "MessageAction": "RESEND",
        },
        {"User": USER_TYPE},
    )
    assert gw.idp.admin_create_user("alice", "alice@example.com", resend=True).username == "alice"


# -- the pool
def test_describe_user_pool(gw):
    gw.expect(
        "describe_user_pool",
        {"UserPoolId": POOL_ID},
        {
            "UserPool": {
                "Id": POOL_ID,
                "Name": "portal",
                "MfaConfiguration": "ON",
                "EstimatedNumberOfUsers": 42,
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 10,
                        "RequireUppercase": True,
                        "RequireLowercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": False,
                    }
                },
                "DeviceConfiguration": {
                    "ChallengeRequiredOnNewDevice": True,
                    "DeviceOnlyRememberedOnUserPrompt": True,
                },
                "AutoVerifiedAttributes": ["email"],
            }
        },
    )
    pool = gw.idp.describe_user_pool()
    assert isinstance(pool, PoolDescription)
    assert (pool.pool_id, pool.name, pool.mfa_configuration, pool.estimated_users) == (
        POOL_ID,
        "portal",
        "ON",
        42,
    )
    assert pool.password_policy.minimum_length == 10
    assert pool.password_policy.require_uppercase and not pool.password_policy.require_symbols
    assert pool.device_tracking and pool.device_remembered_on_prompt
    assert pool.auto_verified_attributes == ("email",)


def test_describe_user_pool_without_device_tracking(gw):
    gw.expect("describe_user_pool", {"UserPoolId": POOL_ID}, {"UserPool": {"Id": POOL_ID}})
    pool = gw.idp.describe_user_pool()
    assert not pool.device_tracking
    assert pool.mfa_configuration == "OFF"


def test_secret_hash_matches_the_documented_formula():
    idp = CognitoIdentityProvider(user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret=SECRET)
    assert idp.secret_hash("alice") == expected_hash("alice")
    assert idp.secret_hash("Ünïcode") == expected_hash("Ünïcode")
    no_secret = CognitoIdentityProvider(user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="")
    assert no_secret.secret_hash("alice") is None


def test_settings_are_the_defaults(settings):
    settings.COGNITO_USER_POOL_ID = POOL_ID
    settings.COGNITO_CLIENT_ID = CLIENT_ID
    settings.COGNITO_CLIENT_SECRET = SECRET
    idp = CognitoIdentityProvider()
    assert (idp.user_pool_id, idp.client_id, idp.client_secret) == (POOL_ID, CLIENT_ID, SECRET)
