"""What an app client may write at sign-up and in a NEW_PASSWORD_REQUIRED answer (issue #12 follow-up,
items 4 and 6): the same rules as UpdateUserAttributes (schema, formats, WriteAttributes, aliases)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, Cog, error_code

TEMPORARY = "Temp-Passw0rd!x"
WRITABLE = ["given_name", "email"]


def alias_pool(local: Cog) -> tuple[str, str, str]:
    """(pool, client writing given_name and email, client also writing email_verified): the tester's pool,
    with an email alias and an immutable custom:frozen; a verified vic@example.com already holds the alias."""
    idp = local.idp
    pool_id = idp.create_user_pool(
        PoolName="writes-" + uuid.uuid4().hex[:8],
        MfaConfiguration="OFF",
        AliasAttributes=["email"],
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {"Name": "frozen", "AttributeDataType": "String", "Mutable": False},
        ],
    )["UserPool"]["Id"]

    def client(write: list[str]) -> str:
        return idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="writes",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            WriteAttributes=write,
        )["UserPoolClient"]["ClientId"]

    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="vic",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "vic@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    return pool_id, client(WRITABLE), client([*WRITABLE, "email_verified"])


def invited(local: Cog, pool_id: str, client_id: str) -> tuple[str, str]:
    """(username, NEW_PASSWORD_REQUIRED session) of a newly invited user holding custom:frozen=a."""
    username = "n" + uuid.uuid4().hex[:8]
    local.idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "custom:frozen", "Value": "a"},
        ],
    )
    started = local.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": TEMPORARY},
    )
    assert started["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    return username, started["Session"]


def answer(local: Cog, client_id: str, username: str, session: str, **attributes: str) -> dict[str, Any]:
    responses = {"USERNAME": username, "NEW_PASSWORD": PASSWORD}
    responses.update({f"userAttributes.{name}": value for name, value in attributes.items()})
    return local.idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=session,
        ChallengeResponses=responses,
    )


def attributes_of(local: Cog, pool_id: str, username: str) -> dict[str, str]:
    user = local.idp.admin_get_user(UserPoolId=pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"] if a["Name"] != "sub"}


@pytest.mark.parametrize(
    ("attributes", "code"),
    [
        ({"bogus": "x"}, "InvalidParameterException"),
        ({"custom:frozen": "b"}, "InvalidParameterException"),
        ({"email": "not-an-email"}, "InvalidParameterException"),
        ({"given_name": ""}, "InvalidParameterException"),
        ({"name": "Nora"}, "NotAuthorizedException"),
        ({"email": "vic@example.com", "email_verified": "true"}, "NotAuthorizedException"),
    ],
)
def test_new_password_answers_refuse_what_update_user_attributes_refuses(
    local: Cog, attributes: dict[str, str], code: str
) -> None:
    pool_id, client_id, _ = alias_pool(local)
    username, session = invited(local, pool_id, client_id)
    before = attributes_of(local, pool_id, username)
    with pytest.raises(ClientError) as exc:
        answer(local, client_id, username, session, **attributes)
    assert error_code(exc) == code
    assert attributes_of(local, pool_id, username) == before  # nothing written
    again = local.idp.initiate_auth(  # and the temporary password is still the one
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": TEMPORARY},
    )
    assert again["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    owner = local.idp.admin_get_user(UserPoolId=pool_id, Username="vic@example.com")
    assert owner["Username"] == "vic"  # the verified alias stays with its holder


def test_new_password_answers_cannot_take_another_users_verified_alias(local: Cog) -> None:
    pool_id, _, trusted = alias_pool(local)  # this client may write email_verified
    username, session = invited(local, pool_id, trusted)
    with pytest.raises(ClientError) as exc:
        answer(local, trusted, username, session, email="vic@example.com", email_verified="true")
    assert error_code(exc) == "AliasExistsException"


def test_new_password_answers_set_writable_attributes(local: Cog) -> None:
    pool_id, client_id, _ = alias_pool(local)
    username, session = invited(local, pool_id, client_id)
    done = answer(local, client_id, username, session, given_name="Nina")
    assert done["AuthenticationResult"]["AccessToken"]
    assert attributes_of(local, pool_id, username)["given_name"] == "Nina"


def test_sign_up_refuses_email_verified_from_the_client(cog: Cog) -> None:
    """No client may set email_verified unless its WriteAttributes name it (the portal's does not)."""
    username = cog.name()
    with pytest.raises(ClientError) as exc:
        cog.idp.sign_up(
            ClientId=cog.client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[
                {"Name": "email", "Value": f"{username}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
            **cog.secret_kw(username),
        )
    assert error_code(exc) == "NotAuthorizedException"
    assert cog.sign_up(username) == username  # nothing was created


def test_sign_up_refuses_an_attribute_the_client_cannot_write(local: Cog) -> None:
    pool_id, client_id, _ = alias_pool(local)
    with pytest.raises(ClientError) as exc:
        local.idp.sign_up(
            ClientId=client_id,
            Username="sx1",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "sx1@example.com"}, {"Name": "name", "Value": "N"}],
        )
    assert error_code(exc) == "NotAuthorizedException"
    local.idp.sign_up(
        ClientId=client_id,
        Username="sx1",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "sx1@example.com"}, {"Name": "given_name", "Value": "S"}],
    )
    assert attributes_of(local, pool_id, "sx1")["given_name"] == "S"
