"""Sign-in rules: allowed flows, SECRET_HASH, real user SRP checks, statuses, refresh, ListUsers fixes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from .conftest import BOTH, PASSWORD, Cog, error_code


@BOTH
def test_pycognito_user_srp_right_and_wrong_password(cog: Cog) -> None:
    username = cog.make_user()
    secret = cog.pool.client_secret or None
    right = AWSSRP(username, PASSWORD, cog.pool_id, cog.client_id, client=cog.idp, client_secret=secret)
    result = right.authenticate_user()
    # MFA is required in this pool: the password was accepted, so the next step is MFA_SETUP.
    assert result["ChallengeName"] == "MFA_SETUP"
    wrong = AWSSRP(username, PASSWORD + "x", cog.pool_id, cog.client_id, client=cog.idp, client_secret=secret)
    with pytest.raises(ClientError) as exc:
        wrong.authenticate_user()
    assert error_code(exc) == "NotAuthorizedException"


def test_user_srp_for_an_unknown_user_looks_normal_then_fails(cog: Cog) -> None:
    helper = AWSSRP(
        "ghost-user",
        PASSWORD,
        cog.pool_id,
        cog.client_id,
        client=cog.idp,
        client_secret=cog.pool.client_secret or None,
    )
    with pytest.raises(ClientError) as exc:
        helper.authenticate_user()
    assert error_code(exc) == "NotAuthorizedException"


def test_admin_user_srp_chain(cog: Cog) -> None:
    username = cog.make_user()
    helper = AWSSRP(
        username,
        PASSWORD,
        cog.pool_id,
        cog.client_id,
        client=cog.idp,
        client_secret=cog.pool.client_secret or None,
    )
    params = helper.get_auth_params()
    start = cog.idp.admin_initiate_auth(
        UserPoolId=cog.pool_id, ClientId=cog.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params
    )
    assert start["ChallengeName"] == "PASSWORD_VERIFIER"
    answers = helper.process_challenge(start["ChallengeParameters"], params)
    result = cog.idp.admin_respond_to_auth_challenge(
        UserPoolId=cog.pool_id,
        ClientId=cog.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=start["Session"],
        ChallengeResponses=answers,
    )
    assert result["ChallengeName"] == "MFA_SETUP"


@BOTH
def test_wrong_password_and_unknown_user(cog: Cog) -> None:
    username = cog.make_user()
    with pytest.raises(ClientError) as wrong:
        cog.admin_auth(username, "Wrong-Password-1!")
    assert error_code(wrong) == "NotAuthorizedException"
    with pytest.raises(ClientError) as unknown:
        cog.user_auth("nobody-" + username)
    # PreventUserExistenceErrors=ENABLED: no UserNotFoundException.
    assert error_code(unknown) == "NotAuthorizedException"


def test_secret_hash_is_required_and_checked_on_sign_in(cog: Cog) -> None:
    username = cog.make_user()
    for params in (
        {"USERNAME": username, "PASSWORD": PASSWORD},
        {"USERNAME": username, "PASSWORD": PASSWORD, "SECRET_HASH": "d3Jvbmc="},
    ):
        with pytest.raises(ClientError) as admin:
            cog.idp.admin_initiate_auth(
                UserPoolId=cog.pool_id,
                ClientId=cog.client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters=params,
            )
        assert error_code(admin) == "NotAuthorizedException"
        with pytest.raises(ClientError) as user:
            cog.idp.initiate_auth(
                ClientId=cog.client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
            )
        assert error_code(user) == "NotAuthorizedException"


def test_challenge_answers_check_secret_hash(cog: Cog) -> None:
    username = cog.make_user()
    first = cog.admin_auth(username)
    assoc = cog.idp.associate_software_token(Session=first["Session"])
    from .conftest import totp

    verified = cog.idp.verify_software_token(Session=assoc["Session"], UserCode=totp(assoc["SecretCode"]))
    with pytest.raises(ClientError) as exc:
        cog.idp.respond_to_auth_challenge(
            ClientId=cog.client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": username},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_explicit_auth_flows_are_enforced(local: Cog) -> None:
    restricted = local.idp.create_user_pool_client(
        UserPoolId=local.pool_id, ClientName="refresh-only", ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    username = local.make_user()
    with pytest.raises(ClientError) as admin:
        local.idp.admin_initiate_auth(
            UserPoolId=local.pool_id,
            ClientId=restricted,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
    assert error_code(admin) == "InvalidParameterException"
    with pytest.raises(ClientError) as user:
        local.idp.initiate_auth(
            ClientId=restricted,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
    assert error_code(user) == "InvalidParameterException"
    with pytest.raises(ClientError) as wrong_api:
        local.idp.initiate_auth(
            ClientId=local.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=local.auth(username, PASSWORD=PASSWORD),
        )
    assert error_code(wrong_api) == "InvalidParameterException"


def test_disabled_user_cannot_sign_in_or_refresh(cog: Cog) -> None:
    username = cog.make_user()
    _, tokens = cog.enrol(username)
    refresh = {"REFRESH_TOKEN": tokens["RefreshToken"], **cog.auth(username)}
    refreshed = cog.idp.initiate_auth(
        ClientId=cog.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]
    cog.idp.admin_disable_user(UserPoolId=cog.pool_id, Username=username)
    with pytest.raises(ClientError) as sign_in:
        cog.admin_auth(username)
    assert error_code(sign_in) == "NotAuthorizedException"
    for call in (
        lambda: cog.idp.initiate_auth(
            ClientId=cog.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh
        ),
        lambda: cog.idp.admin_initiate_auth(
            UserPoolId=cog.pool_id,
            ClientId=cog.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters=refresh,
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "NotAuthorizedException"


def test_refresh_checks_secret_hash(cog: Cog) -> None:
    username = cog.make_user()
    _, tokens = cog.enrol(username)
    with pytest.raises(ClientError) as exc:
        cog.idp.initiate_auth(
            ClientId=cog.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_revoked_refresh_token_is_refused(cog: Cog) -> None:
    username = cog.make_user()
    _, tokens = cog.enrol(username)
    revoke = {"ClientSecret": cog.pool.client_secret} if cog.pool.client_secret else {}
    cog.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=cog.client_id, **revoke)
    with pytest.raises(ClientError) as exc:
        cog.idp.initiate_auth(
            ClientId=cog.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], **cog.auth(username)},
        )
    assert error_code(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as access:
        cog.idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_code(access) == "NotAuthorizedException"


def test_revoke_token_errors(cog: Cog) -> None:
    username = cog.make_user()
    _, tokens = cog.enrol(username)
    with pytest.raises(ClientError) as wrong_secret:
        cog.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=cog.client_id, ClientSecret="n" * 40)
    assert error_code(wrong_secret) in ("UnauthorizedException", "NotAuthorizedException")
    revoke = {"ClientSecret": cog.pool.client_secret} if cog.pool.client_secret else {}
    with pytest.raises(ClientError) as access:
        cog.idp.revoke_token(Token=tokens["AccessToken"], ClientId=cog.client_id, **revoke)
    assert error_code(access) == "UnsupportedTokenTypeException"


def test_global_sign_out_kills_refresh(cog: Cog) -> None:
    username = cog.make_user()
    _, tokens = cog.enrol(username)
    cog.idp.admin_user_global_sign_out(UserPoolId=cog.pool_id, Username=username)
    with pytest.raises(ClientError) as exc:
        cog.idp.initiate_auth(
            ClientId=cog.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], **cog.auth(username)},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_list_users_limit_and_status_filter(cog: Cog) -> None:
    username = cog.make_user()
    with pytest.raises(ClientError) as exc:
        cog.idp.list_users(UserPoolId=cog.pool_id, Limit=61)
    assert error_code(exc) == "InvalidParameterException"
    assert len(cog.idp.list_users(UserPoolId=cog.pool_id, Limit=60)["Users"]) >= 1
    for value in ("CONFIRMED", "confirmed", "Confirmed"):
        users = cog.idp.list_users(UserPoolId=cog.pool_id, Filter=f'cognito:user_status = "{value}"')["Users"]
        assert username in [u["Username"] for u in users], value
    prefix = cog.idp.list_users(UserPoolId=cog.pool_id, Filter='cognito:user_status ^= "confirm"')["Users"]
    assert username in [u["Username"] for u in prefix]
    with pytest.raises(ClientError) as custom:
        cog.idp.list_users(UserPoolId=cog.pool_id, Filter='custom:x = "1"')
    assert error_code(custom) == "InvalidParameterException"


def test_bogus_session_is_refused(cog: Cog) -> None:
    username = cog.make_user()
    with pytest.raises(ClientError) as exc:
        cog.respond("MFA_SETUP", "x" * 64, username)
    assert error_code(exc) == "NotAuthorizedException"


@pytest.mark.parametrize("name", ['O"Brien', "back\\slash", 'x" or name ^= "'])
def test_list_users_filter_literal_is_unescaped(cog: Cog, name: str) -> None:
    username = cog.make_user()
    other = cog.make_user()
    for user, value in ((username, name), (other, "plain")):
        cog.idp.admin_update_user_attributes(
            UserPoolId=cog.pool_id, Username=user, UserAttributes=[{"Name": "name", "Value": value}]
        )
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    exact = cog.idp.list_users(UserPoolId=cog.pool_id, Filter=f'name = "{escaped}"')["Users"]
    assert [u["Username"] for u in exact] == [username]
    prefix = cog.idp.list_users(UserPoolId=cog.pool_id, Filter=f'name ^= "{escaped[:4]}"')["Users"]
    assert username in [u["Username"] for u in prefix]
