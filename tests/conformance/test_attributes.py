"""Issue #12, rows 4-6: attribute updates, verification codes, deletions and schema checks."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, Cog, error_code
from .identity_helpers import attribute, get


def signed_in(cog: Cog) -> tuple[str, str]:
    """(username, access token) of a fresh user who finished MFA set-up."""
    username = cog.make_user()
    _, result = cog.enrol(username)
    return username, result["AccessToken"]


def attributes_of(cog: Cog, username: str) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in get(cog, username)["UserAttributes"]}


# ---- row 4 -----------------------------------------------------------------------------------------
def test_changing_email_sends_a_code_and_leaves_it_unverified_until_verified(local: Cog) -> None:
    username, access = signed_in(local)
    new = f"new-{username}@example.com"
    answer = local.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}]
    )
    assert answer["CodeDeliveryDetailsList"] == [
        {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    attrs = attributes_of(local, username)
    assert (attrs["email"], attrs["email_verified"]) == (new, "false")
    message = local.outbox()[-1]
    assert (message["kind"], message["destination"]) == ("verify_attribute", new)
    bad = "000000" if message["code"] != "000000" else "111111"
    with pytest.raises(ClientError) as wrong:
        local.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=bad)
    assert error_code(wrong) == "CodeMismatchException"
    local.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=message["code"])
    assert attributes_of(local, username)["email_verified"] == "true"


def test_with_verification_before_update_the_old_email_stays_until_verified(local: Cog) -> None:
    described = local.idp.describe_user_pool(UserPoolId=local.pool_id)["UserPool"]
    keep = (
        "Policies",
        "AutoVerifiedAttributes",
        "DeviceConfiguration",
        "AccountRecoverySetting",
        "MfaConfiguration",
    )
    local.idp.update_user_pool(
        UserPoolId=local.pool_id,
        **{k: described[k] for k in keep if k in described},
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    username, access = signed_in(local)
    old, new = f"{username}@example.com", f"new-{username}@example.com"
    local.idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": new}])
    attrs = attributes_of(local, username)
    assert (attrs["email"], attrs["email_verified"]) == (old, "true")  # still in force
    code = local.outbox()[-1]["code"]
    local.idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    attrs = attributes_of(local, username)
    assert (attrs["email"], attrs["email_verified"]) == (new, "true")
    pool = local.idp.describe_user_pool(UserPoolId=local.pool_id)["UserPool"]
    assert sorted(pool["AliasAttributes"]) == ["email", "preferred_username"]  # UpdateUserPool kept them


# ---- row 5 -----------------------------------------------------------------------------------------
def test_get_user_attribute_verification_code_then_verify(local: Cog) -> None:
    username, access = signed_in(local)
    local.idp.admin_update_user_attributes(
        UserPoolId=local.pool_id,
        Username=username,
        UserAttributes=[{"Name": "email_verified", "Value": "false"}],
    )
    sent = local.idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert sent["CodeDeliveryDetails"]["AttributeName"] == "email"
    local.idp.verify_user_attribute(
        AccessToken=access, AttributeName="email", Code=local.outbox()[-1]["code"]
    )
    assert attributes_of(local, username)["email_verified"] == "true"


def test_verifying_an_email_another_user_holds_is_refused(local: Cog) -> None:
    holder = local.make_user()
    _, access = signed_in(local)
    local.idp.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": f"{holder}@example.com"}]
    )
    with pytest.raises(ClientError) as exc:
        local.idp.verify_user_attribute(
            AccessToken=access, AttributeName="email", Code=local.outbox()[-1]["code"]
        )
    assert error_code(exc) == "AliasExistsException"


def test_delete_user_attributes_and_admin_delete_user_attributes(cog: Cog) -> None:
    username, access = signed_in(cog)
    cog.idp.update_user_attributes(
        AccessToken=access,
        UserAttributes=[{"Name": "given_name", "Value": "Kate"}, {"Name": "family_name", "Value": "Doe"}],
    )
    cog.idp.delete_user_attributes(AccessToken=access, UserAttributeNames=["given_name"])
    cog.idp.admin_delete_user_attributes(
        UserPoolId=cog.pool_id, Username=username, UserAttributeNames=["family_name"]
    )
    attrs = attributes_of(cog, username)
    assert "given_name" not in attrs and "family_name" not in attrs
    with pytest.raises(ClientError) as required:
        cog.idp.delete_user_attributes(AccessToken=access, UserAttributeNames=["email"])
    assert error_code(required) == "InvalidParameterException"


def test_delete_user_deletes_the_signed_in_user(cog: Cog) -> None:
    username, access = signed_in(cog)
    cog.idp.delete_user(AccessToken=access)
    with pytest.raises(ClientError) as exc:
        get(cog, username)
    assert error_code(exc) == "UserNotFoundException"
    with pytest.raises(ClientError) as token:
        cog.idp.get_user(AccessToken=access)
    assert error_code(token) == "NotAuthorizedException"


# ---- row 6 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "attributes",
    [
        [],  # the required email is missing
        [{"Name": "email", "Value": "a@example.com"}, {"Name": "custom:undefined", "Value": "x"}],
        [{"Name": "email", "Value": "a@example.com"}, {"Name": "bogus_attr", "Value": "x"}],
    ],
    ids=["missing-required", "undefined-custom", "unknown"],
)
def test_sign_up_and_admin_create_user_check_the_schema(cog: Cog, attributes: list) -> None:
    username = cog.name()
    with pytest.raises(ClientError) as signed_up:
        cog.idp.sign_up(
            ClientId=cog.client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=attributes,
            **cog.secret_kw(username),
        )
    assert error_code(signed_up) == "InvalidParameterException"
    with pytest.raises(ClientError) as created:
        cog.idp.admin_create_user(
            UserPoolId=cog.pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS"
        )
    assert error_code(created) == "InvalidParameterException"
    with pytest.raises(ClientError) as missing:
        get(cog, username)
    assert error_code(missing) == "UserNotFoundException"


def test_an_immutable_attribute_cannot_be_changed(cog: Cog) -> None:
    username = cog.make_user()
    sub = attribute(get(cog, username)["UserAttributes"], "sub")
    with pytest.raises(ClientError) as exc:
        cog.idp.admin_update_user_attributes(
            UserPoolId=cog.pool_id, Username=username, UserAttributes=[{"Name": "sub", "Value": "another"}]
        )
    assert error_code(exc) == "InvalidParameterException"
    assert attribute(get(cog, username)["UserAttributes"], "sub") == sub


def test_an_immutable_custom_attribute_cannot_be_changed(local: Cog) -> None:
    local.idp.add_custom_attributes(
        UserPoolId=local.pool_id,
        CustomAttributes=[{"Name": "tier", "AttributeDataType": "String", "Mutable": False}],
    )
    username = local.name()
    local.idp.admin_create_user(
        UserPoolId=local.pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "t@example.com"},
            {"Name": "custom:tier", "Value": "gold"},
        ],
    )
    with pytest.raises(ClientError) as exc:
        local.idp.admin_update_user_attributes(
            UserPoolId=local.pool_id,
            Username=username,
            UserAttributes=[{"Name": "custom:tier", "Value": "lead"}],
        )
    assert error_code(exc) == "InvalidParameterException"
    assert attributes_of(local, username)["custom:tier"] == "gold"
