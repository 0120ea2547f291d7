"""Sign-up shapes and uniqueness: username formats, case folding, alias conflicts, DescribeUserPool.

Developer guide, "User pool attributes" → Aliases: "If email is selected as an alias, a username can't
match a valid email format"; a verified email or phone "can be in a verified state in only one account"
(AliasExistsException, ForceAliasCreation moves it and "marks the attribute unverified in the previous
account"); preferred_username "cannot be provided during registration". Option 2 (email as username):
non-email input is refused and the email is unique, verified or not.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import PASSWORD, SHAPES, Cog, error_code
from .identity_helpers import attribute, get, person

DEFAULT = pytest.mark.parametrize("cog", ["default"], indirect=True)
EMAIL = pytest.mark.parametrize("cog", ["email"], indirect=True)


def sign_up(cog: Cog, username: str, email: str, **attributes: str) -> dict:
    attrs = [{"Name": "email", "Value": email}] + [{"Name": k, "Value": v} for k, v in attributes.items()]
    result = cog.idp.sign_up(
        ClientId=cog.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=attrs,
        **cog.secret_kw(username),
    )
    cog.created.append(result["UserSub"] if cog.pool.sign_in == "email" else username)
    return result


@DEFAULT
def test_alias_pool_refuses_a_username_in_email_format(cog: Cog) -> None:
    email = f"{cog.name()}@example.com"
    with pytest.raises(ClientError) as signed_up:
        sign_up(cog, email, email)
    assert error_code(signed_up) == "InvalidParameterException"
    assert "email format" in signed_up.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as created:
        cog.idp.admin_create_user(UserPoolId=cog.pool_id, Username=email, MessageAction="SUPPRESS")
    assert error_code(created) == "InvalidParameterException"


@pytest.mark.parametrize("cog", ["username-cs"], indirect=True)
def test_a_pool_without_aliases_takes_any_username(cog: Cog) -> None:
    email = f"{cog.name()}@example.com"
    assert sign_up(cog, email, email)["UserConfirmed"] is False
    assert get(cog, email)["Username"] == email


@DEFAULT
def test_preferred_username_alias_cannot_be_given_at_sign_up(cog: Cog) -> None:
    username = cog.name()
    with pytest.raises(ClientError) as exc:
        sign_up(cog, username, f"{username}@example.com", preferred_username="nick" + username)
    assert error_code(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as missing:
        get(cog, username)
    assert error_code(missing) == "UserNotFoundException"


@EMAIL
def test_email_pool_sign_up_stores_a_uuid_username_and_refuses_other_input(cog: Cog) -> None:
    email = f"{cog.name()}@Example.com"
    result = sign_up(cog, email, email)
    user = get(cog, email)
    assert user["Username"] == result["UserSub"]
    assert attribute(user["UserAttributes"], "email") == email
    with pytest.raises(ClientError) as plain:
        sign_up(cog, cog.name(), "x@example.com")
    assert error_code(plain) == "InvalidParameterException"
    assert plain.value.response["Error"]["Message"] == "Username should be either an email or a phone number."


@EMAIL
def test_email_pool_email_is_unique_in_any_case_verified_or_not(cog: Cog) -> None:
    email = f"{cog.name()}@example.com"
    sign_up(cog, email, email)  # UNCONFIRMED, email unverified
    with pytest.raises(ClientError) as exc:
        sign_up(cog, email.upper(), email.upper())
    assert error_code(exc) == "UsernameExistsException"
    with pytest.raises(ClientError) as created:
        cog.idp.admin_create_user(UserPoolId=cog.pool_id, Username=email.upper(), MessageAction="SUPPRESS")
    assert error_code(created) == "UsernameExistsException"


@EMAIL
def test_email_pool_update_to_another_users_email_is_refused(cog: Cog) -> None:
    first, second = person(cog), person(cog)
    with pytest.raises(ClientError) as exc:
        cog.idp.admin_update_user_attributes(
            UserPoolId=cog.pool_id,
            Username=second.username,
            UserAttributes=[{"Name": "email", "Value": first.email.upper()}],
        )
    assert error_code(exc) == "AliasExistsException"
    assert attribute(get(cog, second.username)["UserAttributes"], "email") == second.email


@SHAPES
def test_sign_up_uniqueness_follows_the_case_rule(cog: Cog) -> None:
    if cog.pool.sign_in == "email":
        first = f"Case{cog.name()}@example.com"
        second = first.lower()
    else:
        first = "Case" + cog.name()
        second = first.lower()
    sign_up(cog, first, f"{cog.name()}@example.com")
    if cog.pool.case_sensitive:
        sign_up(cog, second, f"{cog.name()}@example.com")
        assert get(cog, second)["Username"] == second
    else:
        with pytest.raises(ClientError) as exc:
            sign_up(cog, second, f"{cog.name()}@example.com")
        assert error_code(exc) == "UsernameExistsException"


@SHAPES
def test_list_users_username_filter_follows_the_case_rule(cog: Cog) -> None:
    who = person(cog, "Case" + cog.name())
    for op in ("=", "^="):
        found = cog.idp.list_users(
            UserPoolId=cog.pool_id, Filter=f'username {op} "{who.username.swapcase()}"'
        )
        expected = (
            [] if cog.pool.case_sensitive or who.username.swapcase() == who.username else [who.username]
        )
        assert [u["Username"] for u in found["Users"]] == expected
        exact = cog.idp.list_users(UserPoolId=cog.pool_id, Filter=f'username {op} "{who.username}"')
        assert [u["Username"] for u in exact["Users"]] == [who.username]


@DEFAULT
def test_verified_email_alias_is_unique_at_admin_create_user(cog: Cog) -> None:
    holder = person(cog)
    with pytest.raises(ClientError) as exc:
        person(cog, email=holder.email.upper())
    assert error_code(exc) == "AliasExistsException"
    mover = person(cog, email=holder.email, force_alias=True)
    assert get(cog, holder.email)["Username"] == mover.username
    assert attribute(get(cog, holder.username)["UserAttributes"], "email_verified") == "false"
    person(cog, email=mover.email, verified=False)  # an unverified copy is no alias: allowed


@DEFAULT
def test_verified_alias_is_unique_at_admin_update_user_attributes(cog: Cog) -> None:
    nick = "Nick" + cog.name()
    holder = person(cog, preferred=nick)
    other = person(cog)
    for attributes in (
        [{"Name": "email", "Value": holder.email}, {"Name": "email_verified", "Value": "true"}],
        [{"Name": "preferred_username", "Value": nick.lower()}],
    ):
        with pytest.raises(ClientError) as exc:
            cog.idp.admin_update_user_attributes(
                UserPoolId=cog.pool_id, Username=other.username, UserAttributes=attributes
            )
        assert error_code(exc) == "AliasExistsException"
    # Without email_verified the new email is stored unverified, so it takes no alias.
    cog.idp.admin_update_user_attributes(
        UserPoolId=cog.pool_id,
        Username=other.username,
        UserAttributes=[{"Name": "email", "Value": holder.email}],
    )
    attrs = get(cog, other.username)["UserAttributes"]
    assert attribute(attrs, "email") == holder.email
    assert attribute(attrs, "email_verified") == "false"
    assert get(cog, holder.email)["Username"] == holder.username


@DEFAULT
def test_confirm_sign_up_with_a_taken_email_needs_force_alias_creation(local: Cog) -> None:
    holder = person(local)
    newcomer = local.name()
    sign_up(local, newcomer, holder.email)  # registration succeeds
    code = local.last_code(newcomer)
    confirm = {
        "ClientId": local.client_id,
        "Username": newcomer,
        "ConfirmationCode": code,
        **local.secret_kw(newcomer),
    }
    with pytest.raises(ClientError) as exc:
        local.idp.confirm_sign_up(**confirm)
    assert error_code(exc) == "AliasExistsException"
    assert get(local, newcomer)["UserStatus"] == "UNCONFIRMED"
    local.idp.confirm_sign_up(**confirm, ForceAliasCreation=True)  # the same code still works
    assert get(local, newcomer)["UserStatus"] == "CONFIRMED"
    assert get(local, holder.email)["Username"] == newcomer
    assert attribute(get(local, holder.username)["UserAttributes"], "email_verified") == "false"


@SHAPES
def test_describe_user_pool_reports_the_sign_in_shape(cog: Cog) -> None:
    pool = cog.idp.describe_user_pool(UserPoolId=cog.pool_id)["UserPool"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": cog.pool.case_sensitive}
    if cog.pool.sign_in == "email":
        assert pool["UsernameAttributes"] == ["email"]
        assert "AliasAttributes" not in pool
    elif cog.pool.sign_in == "username+aliases":
        assert sorted(pool["AliasAttributes"]) == ["email", "preferred_username"]
        assert "UsernameAttributes" not in pool
    else:
        assert not pool.get("AliasAttributes") and not pool.get("UsernameAttributes")


def test_describe_user_pool_reports_the_current_mfa_configuration(local: Cog) -> None:
    """Issue #12 row 8: a pool created with MFA OFF, then SetUserPoolMfaConfig ON, describes as ON."""
    pool_id = local.idp.create_user_pool(PoolName="mfa-later", MfaConfiguration="OFF")["UserPool"]["Id"]
    local.idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    assert local.idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "ON"
