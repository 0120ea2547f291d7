"""Issue #12, rows 1-3, 7, 9-14: answers real clients trip over, each as Cognito gives it.

Attribute rows (4-6) are in test_attributes.py, row 8 in test_aliases.py.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import botocore.session
import jwt
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from .conftest import BOTH, PASSWORD, Cog, error_code

EDGE_BLANK = "Trailing-Passw0rd! "


def local_pool(local: Cog, **pool: Any) -> tuple[str, str]:
    """A second pool on the local server (MFA off, email required) with a public admin-auth client."""
    settings = {
        "PoolName": "extra-" + uuid.uuid4().hex[:8],
        "MfaConfiguration": "OFF",
        "AutoVerifiedAttributes": ["email"],
        **pool,
    }
    pool_id = local.idp.create_user_pool(**settings)["UserPool"]["Id"]
    client_id = local.idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="extra",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


# ---- row 1 -----------------------------------------------------------------------------------------
def test_sign_up_with_a_malformed_email_is_refused_and_creates_nothing(cog: Cog) -> None:
    username = cog.name()
    with pytest.raises(ClientError) as exc:
        cog.idp.sign_up(
            ClientId=cog.client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "kate-at-example.com"}],
            **cog.secret_kw(username),
        )
    assert error_code(exc) == "InvalidParameterException"
    assert cog.sign_up(username) == username  # the name is still free


# ---- row 2 -----------------------------------------------------------------------------------------
@BOTH
def test_get_tokens_from_refresh_token_issues_new_tokens(cog: Cog) -> None:
    _, result = cog.enrol(cog.make_user())
    secret = {"ClientSecret": cog.pool.client_secret} if cog.pool.client_secret else {}
    fresh = cog.idp.get_tokens_from_refresh_token(
        RefreshToken=result["RefreshToken"], ClientId=cog.client_id, **secret
    )["AuthenticationResult"]
    assert fresh["AccessToken"] != result["AccessToken"]
    assert cog.idp.get_user(AccessToken=fresh["AccessToken"])["Username"]
    claims = jwt.decode(fresh["IdToken"], options={"verify_signature": False})
    assert claims["token_use"] == "id"
    with pytest.raises(ClientError) as exc:
        cog.idp.get_tokens_from_refresh_token(
            RefreshToken="not-a-refresh-token", ClientId=cog.client_id, **secret
        )
    assert error_code(exc) == "NotAuthorizedException"


# ---- row 3 -----------------------------------------------------------------------------------------
def test_password_verifier_may_be_answered_again_without_a_forgotten_device_key(cog: Cog) -> None:
    username = cog.make_user()
    secret = cog.pool.client_secret or None
    helper = AWSSRP(username, PASSWORD, cog.pool_id, cog.client_id, client=cog.idp, client_secret=secret)
    params = helper.get_auth_params()
    start = cog.idp.initiate_auth(ClientId=cog.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    forgotten = f"us-east-1_{uuid.uuid4()}"
    answers = helper.process_challenge(start["ChallengeParameters"], params)
    with pytest.raises(ClientError) as exc:
        cog.idp.respond_to_auth_challenge(
            ClientId=cog.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            Session=start["Session"],
            ChallengeResponses={**answers, "DEVICE_KEY": forgotten},
        )
    assert error_code(exc) == "ResourceNotFoundException"
    retry = helper.process_challenge(start["ChallengeParameters"], params)
    result = cog.idp.respond_to_auth_challenge(
        ClientId=cog.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=start["Session"],
        ChallengeResponses=retry,
    )
    assert result["ChallengeName"] == "MFA_SETUP"


# ---- row 7 -----------------------------------------------------------------------------------------
def test_challenge_sessions_live_for_the_clients_auth_session_validity(local: Cog) -> None:
    first = local.admin_auth(local.make_user())
    start = local.server.clock()
    local.server.clock = lambda: start + 5 * 60  # past Cognito's 3-minute default, inside the 15 set
    assert local.idp.associate_software_token(Session=first["Session"])["SecretCode"]
    second = local.admin_auth(local.make_user())
    start = local.server.clock()
    local.server.clock = lambda: start + 15 * 60 + 1
    with pytest.raises(ClientError) as exc:
        local.idp.associate_software_token(Session=second["Session"])
    assert error_code(exc) == "NotAuthorizedException"


# ---- row 9 -----------------------------------------------------------------------------------------
def test_a_client_without_read_attributes_reads_the_standard_attributes(local: Cog) -> None:
    pool_id, client_id = local_pool(
        local, Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True}]
    )
    local.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="reader",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "reader@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "given_name", "Value": "Kate"},
        ],
    )
    local.idp.admin_set_user_password(
        UserPoolId=pool_id, Username="reader", Password=PASSWORD, Permanent=True
    )
    result = local.idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "reader", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    assert claims["email"] == "reader@example.com"
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Kate"


# ---- row 10 ----------------------------------------------------------------------------------------
def test_passwords_with_a_leading_or_trailing_blank_are_refused(local: Cog) -> None:
    username = local.name()
    with pytest.raises(ClientError) as signed_up:
        local.idp.sign_up(
            ClientId=local.client_id,
            Username=username,
            Password=EDGE_BLANK,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
            **local.secret_kw(username),
        )
    assert error_code(signed_up) == "InvalidParameterException"
    user = local.make_user()
    for password in (EDGE_BLANK, " " + EDGE_BLANK.strip()):
        with pytest.raises(ClientError) as admin_set:
            local.idp.admin_set_user_password(
                UserPoolId=local.pool_id, Username=user, Password=password, Permanent=True
            )
        assert error_code(admin_set) == "InvalidParameterException"
    _, tokens = local.enrol(user)
    with pytest.raises(ClientError) as changed:
        local.idp.change_password(
            AccessToken=tokens["AccessToken"], PreviousPassword=PASSWORD, ProposedPassword=EDGE_BLANK
        )
    assert error_code(changed) == "InvalidParameterException"
    local.idp.forgot_password(ClientId=local.client_id, Username=user, **local.secret_kw(user))
    with pytest.raises(ClientError) as confirmed:
        local.idp.confirm_forgot_password(
            ClientId=local.client_id,
            Username=user,
            ConfirmationCode=local.last_code(user, "forgot_password"),
            Password=EDGE_BLANK,
            **local.secret_kw(user),
        )
    assert error_code(confirmed) == "InvalidParameterException"
    # A blank inside a password is fine (the policy counts it as a symbol).
    local.idp.admin_set_user_password(
        UserPoolId=local.pool_id, Username=user, Password="Inner Passw0rd", Permanent=True
    )


# ---- row 11 ----------------------------------------------------------------------------------------
def test_resending_an_invitation_needs_somewhere_to_send_it(local: Cog) -> None:
    pool_id, client_id = local_pool(local)
    local.idp.admin_create_user(
        UserPoolId=pool_id, Username="nomail", TemporaryPassword="Temp-Passw0rd!x", MessageAction="SUPPRESS"
    )
    with pytest.raises(ClientError) as exc:
        local.idp.admin_create_user(UserPoolId=pool_id, Username="nomail", MessageAction="RESEND")
    assert error_code(exc) == "InvalidParameterException"
    still = local.idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "nomail", "PASSWORD": "Temp-Passw0rd!x"},
    )
    assert still["ChallengeName"] == "NEW_PASSWORD_REQUIRED"  # the temporary password was not replaced


def test_an_invitation_only_sms_could_carry_is_refused_and_changes_nothing(local: Cog) -> None:
    """localcognito sends no SMS: a phone-only user's invitation is refused as in a pool without SMS."""
    pool_id, client_id = local_pool(local)
    phone = [{"Name": "phone_number", "Value": "+15555550123"}]
    with pytest.raises(ClientError) as created:
        local.idp.admin_create_user(UserPoolId=pool_id, Username="phoned", UserAttributes=phone)
    assert error_code(created) == "InvalidParameterException"
    assert "SMS" in created.value.response["Error"]["Message"]
    local.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="phoned",
        UserAttributes=phone,
        TemporaryPassword="Temp-Passw0rd!x",
        MessageAction="SUPPRESS",
    )
    with pytest.raises(ClientError) as resent:
        local.idp.admin_create_user(UserPoolId=pool_id, Username="phoned", MessageAction="RESEND")
    assert error_code(resent) == "InvalidParameterException"
    assert "SMS" in resent.value.response["Error"]["Message"]
    still = local.idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "phoned", "PASSWORD": "Temp-Passw0rd!x"},
    )
    assert still["ChallengeName"] == "NEW_PASSWORD_REQUIRED"  # the temporary password was not replaced
    assert not [m for m in local.outbox() if m["username"] == "phoned"]


# ---- rows 12 and 13 --------------------------------------------------------------------------------
def test_list_users_accepts_a_quoted_attribute_name(cog: Cog) -> None:
    username = cog.make_user()
    found = cog.idp.list_users(UserPoolId=cog.pool_id, Filter=f'"email"^="{username}@"')["Users"]
    assert [u["Username"] for u in found] == [username]


def test_list_users_refuses_a_bad_pagination_token(cog: Cog) -> None:
    with pytest.raises(ClientError) as exc:
        cog.idp.list_users(UserPoolId=cog.pool_id, PaginationToken="not-a-token")
    assert error_code(exc) == "InvalidParameterException"


def test_list_users_attributes_to_get_needs_the_attribute_on_every_user(cog: Cog) -> None:
    first, second = cog.make_user(), cog.make_user()
    cog.idp.admin_update_user_attributes(
        UserPoolId=cog.pool_id, Username=first, UserAttributes=[{"Name": "given_name", "Value": "Kate"}]
    )
    both = f'username ^= "{first[:1]}"'
    emails = cog.idp.list_users(UserPoolId=cog.pool_id, AttributesToGet=["email"], Filter=both)["Users"]
    assert {u["Username"] for u in emails} >= {first, second}
    assert all([a["Name"] for a in u["Attributes"]] == ["email"] for u in emails)
    with pytest.raises(ClientError) as exc:
        cog.idp.list_users(UserPoolId=cog.pool_id, AttributesToGet=["given_name"], Filter=both)
    assert error_code(exc) == "InvalidParameterException"
    one = cog.idp.list_users(
        UserPoolId=cog.pool_id, AttributesToGet=["given_name"], Filter=f'username = "{first}"'
    )["Users"]
    assert one[0]["Attributes"] == [{"Name": "given_name", "Value": "Kate"}]


# ---- row 14 ----------------------------------------------------------------------------------------
def _raw(url: str, operation: str, body: bytes = b"{}") -> tuple[int, str, bytes]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=body,
        method="POST",
        headers={
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/cognito-idp/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_every_operation_answers_in_json_never_an_html_page(local: Cog) -> None:
    operations = botocore.session.get_session().get_service_model("cognito-idp").operation_names
    assert len(operations) > 100
    for operation in [*operations, "NoSuchOperation"]:
        status, content_type, body = _raw(local.server.url, operation)
        assert "json" in content_type, (operation, status, body[:80])
        assert status < 500, (operation, status, body[:120])  # a 500 is retried by every SDK
        data = json.loads(body)
        if status >= 400:
            assert data.get("__type"), (operation, data)
    status, _, body = _raw(
        local.server.url, "ListUserImportJobs", json.dumps({"UserPoolId": local.pool_id}).encode()
    )
    assert status == 400
    assert json.loads(body)["__type"] == "UnsupportedOperationException"
    assert json.loads(_raw(local.server.url, "NoSuchOperation")[2])["__type"] == "UnknownOperationException"


# ---- issue #12 follow-up, items 5 and 7 --------------------------------------------------------------
@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("AdminSetUserSettings", {"MFAOptions": []}),
        ("AdminUpdateAuthEventFeedback", {"EventId": "event", "FeedbackValue": "Valid"}),
        ("AdminGetUserAuthFactors", {}),
    ],
)
def test_operations_moto_lacks_are_unsupported_not_a_crash(local: Cog, operation: str, params: dict) -> None:
    username = local.make_user()
    body = {"UserPoolId": local.pool_id, "Username": username, **params}
    status, _, answer = _raw(local.server.url, operation, json.dumps(body).encode())
    assert (status, json.loads(answer)["__type"]) == (400, "UnsupportedOperationException")


def test_what_moto_crashes_on_is_answered_as_the_clients_mistake(cog: Cog) -> None:
    with pytest.raises(ClientError) as no_pool:
        cog.idp.list_resource_servers(UserPoolId="us-east-1_NoSuchPool", MaxResults=5)
    assert error_code(no_pool) == "ResourceNotFoundException"
    assert no_pool.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as no_client:
        cog.idp.update_user_pool_client(UserPoolId="us-east-1_NoSuchPool", ClientId="nosuchclient")
    assert error_code(no_client) == "ResourceNotFoundException"


def test_a_missing_required_parameter_moto_crashes_on_is_invalid(local: Cog) -> None:
    status, _, answer = _raw(local.server.url, "ListResourceServers", json.dumps({}).encode())
    assert (status, json.loads(answer)["__type"]) == (400, "InvalidParameterException")


PAGINATED = ["ListUsersInGroup", "ListGroups", "ListUserPools", "ListUserPoolClients"]


@pytest.mark.parametrize("operation", PAGINATED)
def test_a_bad_pagination_token_is_an_invalid_parameter(cog: Cog, operation: str) -> None:
    params: dict[str, Any] = {
        "ListUsersInGroup": {"UserPoolId": cog.pool_id, "GroupName": "portal-staff"},
        "ListGroups": {"UserPoolId": cog.pool_id},
        "ListUserPools": {"MaxResults": 10},
        "ListUserPoolClients": {"UserPoolId": cog.pool_id},
    }[operation]
    token = {"NextToken": "not-a-token"}
    with pytest.raises(ClientError) as exc:
        getattr(cog.idp, botocore.xform_name(operation))(**params, **token)
    assert error_code(exc) == "InvalidParameterException"


# ---- issue #12 follow-up, item 14 ------------------------------------------------------------------
def test_auth_session_validity_over_15_minutes_is_refused(local: Cog) -> None:
    minutes = 16  # botocore itself refuses fewer than 3
    pool_id, client_id = local_pool(local)
    with pytest.raises(ClientError) as created:
        local.idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c", AuthSessionValidity=minutes)
    assert error_code(created) == "InvalidParameterException"
    with pytest.raises(ClientError) as updated:
        local.idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, AuthSessionValidity=minutes)
    assert error_code(updated) == "InvalidParameterException"
    clients = local.idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=10)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [client_id]
    local.idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, AuthSessionValidity=15)


def test_mfa_cannot_be_required_without_a_factor(local: Cog) -> None:
    pool_id, _ = local_pool(local)
    for mode in ("ON", "OPTIONAL"):
        with pytest.raises(ClientError) as exc:
            local.idp.set_user_pool_mfa_config(
                UserPoolId=pool_id, MfaConfiguration=mode, SoftwareTokenMfaConfiguration={"Enabled": False}
            )
        assert error_code(exc) == "InvalidParameterException"
    assert local.idp.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"
    local.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    assert local.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "ON"


def test_a_pool_takes_aliases_or_email_as_username_not_both(local: Cog) -> None:
    before = len(local.idp.list_user_pools(MaxResults=60)["UserPools"])
    with pytest.raises(ClientError) as exc:
        local.idp.create_user_pool(
            PoolName="both-" + uuid.uuid4().hex[:8], AliasAttributes=["email"], UsernameAttributes=["email"]
        )
    assert error_code(exc) == "InvalidParameterException"
    assert len(local.idp.list_user_pools(MaxResults=60)["UserPools"]) == before
