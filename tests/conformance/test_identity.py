"""Who a name refers to, in every common pool shape: lookups, sign-in by alias, challenges and tokens.

Rules from the Cognito developer guide ("User pool attributes": Aliases; Option 2, email or phone as the
username) and the API reference (AdminGetUser.Username accepts an alias or the sub;
UsernameConfigurationType.CaseSensitive=false folds the username, email and preferred_username).
"""

from __future__ import annotations

import jwt
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from .conftest import PASSWORD, SHAPES, Cog, error_code, totp
from .identity_helpers import get, person, sign_in_names

ALIAS_POOLS = pytest.mark.parametrize("cog", ["default", "public"], indirect=True)


@SHAPES
def test_admin_get_user_accepts_the_username_the_sub_and_every_sign_in_name(cog: Cog) -> None:
    who = person(cog, "Case" + cog.name())
    for name in [who.username, who.sub, *sign_in_names(cog, who)]:
        assert get(cog, name)["Username"] == who.username, name


@SHAPES
def test_case_rule_of_the_pool_applies_to_lookups(cog: Cog) -> None:
    who = person(cog, "Case" + cog.name())
    other_case = who.name.swapcase()
    if cog.pool.case_sensitive:
        with pytest.raises(ClientError) as exc:
            get(cog, other_case)
        assert error_code(exc) == "UserNotFoundException"
    else:
        found = get(cog, other_case)
        assert found["Username"] == who.username  # the stored name keeps its case
        assert found["Username"] != other_case


@pytest.mark.parametrize("cog", ["email"], indirect=True)
def test_email_pool_username_is_a_uuid_equal_to_the_sub(cog: Cog) -> None:
    who = person(cog, email=f"{cog.name()}@example.com")
    assert who.username == who.sub
    assert who.username != who.email
    assert get(cog, who.email)["Username"] == who.sub


@ALIAS_POOLS
def test_an_unverified_email_is_not_an_alias(cog: Cog) -> None:
    who = person(cog, verified=False)
    with pytest.raises(ClientError) as exc:
        get(cog, who.email)
    assert error_code(exc) == "UserNotFoundException"
    cog.idp.admin_update_user_attributes(
        UserPoolId=cog.pool_id,
        Username=who.username,
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    assert get(cog, who.email)["Username"] == who.username


@ALIAS_POOLS
def test_preferred_username_is_an_alias_in_any_case(cog: Cog) -> None:
    nick = "Nick" + cog.name()
    who = person(cog, preferred=nick)
    found = get(cog, nick.lower())
    assert found["Username"] == who.username


@pytest.mark.parametrize("cog", ["default"], indirect=True)
def test_every_admin_operation_takes_an_alias_or_the_sub(cog: Cog) -> None:
    who = person(cog)
    pool = {"UserPoolId": cog.pool_id}
    for name in (who.email, who.sub):
        cog.idp.admin_add_user_to_group(**pool, Username=name, GroupName="portal-staff")
        groups = cog.idp.admin_list_groups_for_user(**pool, Username=name)["Groups"]
        assert [g["GroupName"] for g in groups] == ["portal-staff"]
        members = cog.idp.list_users_in_group(**pool, GroupName="portal-staff")["Users"]
        assert [m["Username"] for m in members] == [who.username]
        cog.idp.admin_remove_user_from_group(**pool, Username=name, GroupName="portal-staff")
        cog.idp.admin_disable_user(**pool, Username=name)
        assert get(cog, who.username)["Enabled"] is False
        cog.idp.admin_enable_user(**pool, Username=name)
        cog.idp.admin_update_user_attributes(
            **pool, Username=name, UserAttributes=[{"Name": "given_name", "Value": "Kate"}]
        )
        cog.idp.admin_delete_user_attributes(**pool, Username=name, UserAttributeNames=["given_name"])
        cog.idp.admin_set_user_password(**pool, Username=name, Password=PASSWORD + "2", Permanent=True)
        cog.idp.admin_user_global_sign_out(**pool, Username=name)
        assert cog.idp.admin_list_devices(**pool, Username=name)["Devices"] == []
    cog.idp.admin_delete_user(**pool, Username=who.email)
    with pytest.raises(ClientError) as exc:
        get(cog, who.username)
    assert error_code(exc) == "UserNotFoundException"


@SHAPES
def test_password_sign_in_by_any_name_answers_with_the_canonical_username(cog: Cog) -> None:
    who = person(cog, "Case" + cog.name())
    for name in sign_in_names(cog, who) or [who.username]:
        first = cog.user_auth(name)  # SECRET_HASH over the name typed, as sent
        assert first["ChallengeName"] == "MFA_SETUP", name
        assert first["ChallengeParameters"]["USER_ID_FOR_SRP"] == who.username
    if cog.pool.client_secret and sign_in_names(cog, who):
        # The hash must be over the USERNAME actually sent: one over another of the user's names fails.
        alias = sign_in_names(cog, who)[0]
        with pytest.raises(ClientError) as exc:
            cog.idp.initiate_auth(
                ClientId=cog.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": alias, "PASSWORD": PASSWORD, "SECRET_HASH": cog.sh(who.username)},
            )
        assert error_code(exc) == "NotAuthorizedException"


@SHAPES
def test_srp_sign_in_by_any_name_proves_the_password_for_user_id_for_srp(cog: Cog) -> None:
    who = person(cog)
    name = (sign_in_names(cog, who) or [who.username])[0]
    secret = cog.pool.client_secret or None
    helper = AWSSRP(name, PASSWORD, cog.pool_id, cog.client_id, client=cog.idp, client_secret=secret)
    params = helper.get_auth_params()
    start = cog.idp.initiate_auth(ClientId=cog.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=params)
    assert start["ChallengeParameters"]["USER_ID_FOR_SRP"] == who.username
    assert start["ChallengeParameters"]["USERNAME"] == who.username
    answers = helper.process_challenge(start["ChallengeParameters"], params)
    result = cog.idp.respond_to_auth_challenge(
        ClientId=cog.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=start["Session"],
        ChallengeResponses=answers,
    )
    assert result["ChallengeName"] == "MFA_SETUP"
    assert result["ChallengeParameters"]["USER_ID_FOR_SRP"] == who.username


@SHAPES
def test_every_challenge_carries_user_id_for_srp_and_tokens_the_canonical_claims(cog: Cog) -> None:
    handle = cog.name()
    email = f"{handle}@example.com"
    name = email if cog.pool.sign_in == "email" else handle
    created = cog.idp.admin_create_user(
        UserPoolId=cog.pool_id,
        Username=name,
        TemporaryPassword="Temp-Passw0rd!x",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "preferred_username", "Value": "pref" + handle},
        ],
    )["User"]
    username = created["Username"]
    cog.created.append(username)
    typed = email if cog.pool.sign_in != "username" else handle
    step = cog.user_auth(typed, "Temp-Passw0rd!x")
    assert step["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert step["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    step = cog.respond("NEW_PASSWORD_REQUIRED", step["Session"], username, admin=False, NEW_PASSWORD=PASSWORD)
    assert step["ChallengeName"] == "MFA_SETUP"
    assert step["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    assoc = cog.idp.associate_software_token(Session=step["Session"])
    verified = cog.idp.verify_software_token(Session=assoc["Session"], UserCode=totp(assoc["SecretCode"]))
    done = cog.respond("MFA_SETUP", verified["Session"], username, admin=False)["AuthenticationResult"]
    claims = jwt.decode(done["IdToken"], options={"verify_signature": False})
    assert claims["cognito:username"] == username
    assert claims["sub"] == (username if cog.pool.sign_in == "email" else claims["sub"])
    assert claims["email"] == email
    assert claims["email_verified"] is True
    assert claims["preferred_username"] == "pref" + handle
    access = jwt.decode(done["AccessToken"], options={"verify_signature": False})
    assert access["username"] == username
    step = cog.user_auth(typed)
    assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert step["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    code = totp(assoc["SecretCode"], 1)
    result = cog.respond(
        "SOFTWARE_TOKEN_MFA", step["Session"], username, admin=False, SOFTWARE_TOKEN_MFA_CODE=code
    )
    assert "AuthenticationResult" in result
    key, _, _ = cog.remember(done)
    step = cog.user_auth(typed, DEVICE_KEY=key)
    assert step["ChallengeName"] == "DEVICE_SRP_AUTH"
    assert step["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    assert step["ChallengeParameters"]["USERNAME"] == username


@ALIAS_POOLS
def test_codes_and_devices_by_alias(local: Cog) -> None:
    """ForgotPassword / ConfirmForgotPassword and the device calls resolve a verified alias too."""
    who = person(local)
    local.idp.forgot_password(ClientId=local.client_id, Username=who.email, **local.secret_kw(who.email))
    code = local.last_code(who.username, "forgot_password")
    local.idp.confirm_forgot_password(
        ClientId=local.client_id,
        Username=who.email.upper(),
        ConfirmationCode=code,
        Password=PASSWORD + "9",
        **local.secret_kw(who.email.upper()),
    )
    assert local.user_auth(who.email, PASSWORD + "9")["ChallengeName"] == "MFA_SETUP"
