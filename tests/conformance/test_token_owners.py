"""Tokens belong to a user's sub and live as long as their validity (issue #12 follow-up, items 1 and 13).

A deleted user's access and refresh tokens never work again, not even for a new user given the same
username; expired tokens are refused, and pruned from the state so that it does not grow with every
sign-in.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcognito import persistence

from .conftest import PASSWORD, Cog, error_code

NAME_SHAPES = pytest.mark.parametrize("cog", ["default", "username-cs"], indirect=True)


def _old_tokens_fail(cog: Cog, username: str, tokens: dict[str, Any]) -> None:
    """Every use of ``tokens`` (issued to an earlier ``username``) is refused with NotAuthorizedException."""
    with pytest.raises(ClientError) as got:
        cog.idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_code(got) == "NotAuthorizedException"
    with pytest.raises(ClientError) as updated:
        cog.idp.update_user_attributes(
            AccessToken=tokens["AccessToken"], UserAttributes=[{"Name": "name", "Value": "hijacked"}]
        )
    assert error_code(updated) == "NotAuthorizedException"
    with pytest.raises(ClientError) as refreshed:
        cog.idp.initiate_auth(
            ClientId=cog.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters=cog.auth(username, REFRESH_TOKEN=tokens["RefreshToken"]),
        )
    assert error_code(refreshed) == "NotAuthorizedException"
    secret = {"ClientSecret": cog.pool.client_secret} if cog.pool.client_secret else {}
    with pytest.raises(ClientError) as fetched:
        cog.idp.get_tokens_from_refresh_token(
            RefreshToken=tokens["RefreshToken"], ClientId=cog.client_id, **secret
        )
    assert error_code(fetched) == "NotAuthorizedException"


@NAME_SHAPES
@pytest.mark.parametrize("how", ["AdminDeleteUser", "DeleteUser"])
def test_a_deleted_users_tokens_never_work_for_a_new_user_of_the_same_name(cog: Cog, how: str) -> None:
    username = cog.make_user()
    _, tokens = cog.enrol(username)
    if how == "DeleteUser":
        cog.idp.delete_user(AccessToken=tokens["AccessToken"])
    else:
        cog.idp.admin_delete_user(UserPoolId=cog.pool_id, Username=username)
    _old_tokens_fail(cog, username, tokens)
    cog.make_user(username)  # the same username, a new sub
    _old_tokens_fail(cog, username, tokens)
    attributes = cog.idp.admin_get_user(UserPoolId=cog.pool_id, Username=username)["UserAttributes"]
    assert "name" not in {a["Name"] for a in attributes}  # nothing was written to the new user


def _password_pool(local: Cog) -> tuple[str, str]:
    """A pool without MFA on the local server (so a sign-in is one call) with a public client."""
    pool_id = local.idp.create_user_pool(PoolName="tokens-" + uuid.uuid4().hex[:8], MfaConfiguration="OFF")
    pool_id = pool_id["UserPool"]["Id"]
    client_id = local.idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="tokens",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenValidity=1,
        TokenValidityUnits={"RefreshToken": "days"},
    )["UserPoolClient"]["ClientId"]
    local.idp.admin_create_user(UserPoolId=pool_id, Username="gr", MessageAction="SUPPRESS")
    local.idp.admin_set_user_password(UserPoolId=pool_id, Username="gr", Password=PASSWORD, Permanent=True)
    return pool_id, client_id


def _sign_in(local: Cog, client_id: str) -> dict[str, Any]:
    return local.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "gr", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]


def test_expired_access_and_refresh_tokens_are_refused(local: Cog) -> None:
    _, client_id = _password_pool(local)
    tokens = _sign_in(local, client_id)
    start = local.server.clock()
    local.server.clock = lambda: start + 3601  # access tokens live an hour
    with pytest.raises(ClientError) as expired:
        local.idp.get_user(AccessToken=tokens["AccessToken"])
    assert error_code(expired) == "NotAuthorizedException"
    assert "expired" in expired.value.response["Error"]["Message"]
    refreshed = local.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
    )
    assert refreshed["AuthenticationResult"]["AccessToken"]
    local.server.clock = lambda: start + 86400 + 1  # this client's refresh tokens live one day
    with pytest.raises(ClientError) as gone:
        local.idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
    assert error_code(gone) == "NotAuthorizedException"


def _state_size(local: Cog) -> int:
    """The state file's size as saving would write it, less the sign-in events (kept on purpose, at most
    ``events.KEEP`` per user, like AWS's own history): what is left is what tokens and codes cost."""
    import copy

    with local.server.ext.lock:
        local.server.prune_expired()  # what StateFile.save does before it writes
        payload = copy.deepcopy(local.server.state_payload())
    state = payload["state"] if isinstance(payload, dict) and "state" in payload else None
    if state is not None and hasattr(state, "sign_in_events"):
        state.sign_in_events.clear()
    return len(persistence.dumps(payload))


def test_the_state_does_not_keep_expired_tokens(local: Cog) -> None:
    _, client_id = _password_pool(local)
    baseline = _state_size(local)
    first = _sign_in(local, client_id)
    for _ in range(19):
        _sign_in(local, client_id)
    grown = _state_size(local)
    assert grown > baseline + 20 * 700  # an access token per sign-in, while it is valid
    assert grown < baseline + 20 * 1500  # but no record of its ID token (nothing reads those)
    start = local.server.clock()
    local.server.clock = lambda: start + 1800
    assert _state_size(local) == grown  # nothing has expired yet: nothing goes
    assert local.idp.get_user(AccessToken=first["AccessToken"])["Username"] == "gr"
    local.server.clock = lambda: start + 3601
    assert _state_size(local) < baseline + 20 * 200  # the access tokens are gone, refresh tokens stay
    refreshed = local.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )
    assert refreshed["AuthenticationResult"]["IdToken"]
    local.server.clock = lambda: start + 86400 + 1
    assert _state_size(local) <= baseline + 200  # a day later, every refresh token too
