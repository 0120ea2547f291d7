"""Tokens after sign-in: REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken and RevokeToken."""

from __future__ import annotations

from typing import Any

from . import moto_adapter as moto
from .core import Ext, Request
from .errors import CognitoError, invalid, not_authorized
from .tokens import fix_tokens


def refresh_tokens(
    ext: Ext, client: moto.ClientInfo, params: dict[str, Any], *, secret_checked: bool = False
) -> dict[str, Any]:
    """REFRESH_TOKEN_AUTH: new ID and access tokens for a live refresh token of this client.

    ``params`` are the AuthParameters (REFRESH_TOKEN, SECRET_HASH, USERNAME); ``secret_checked`` when the
    caller proved the client otherwise (GetTokensFromRefreshToken's ClientSecret). Raises
    NotAuthorizedException for a revoked, unknown or foreign token and for a disabled user.
    """
    token = params.get("REFRESH_TOKEN")
    if not isinstance(token, str) or not token:
        raise invalid("Missing required parameter REFRESH_TOKEN")
    owner = moto.refresh_token_owner(client.pool_id, token)
    if token in ext.state.revoked:
        raise not_authorized("Refresh Token has been revoked")
    if owner is None or owner[0] != client.client_id:
        raise not_authorized("Invalid Refresh Token")
    user = ext.user(client.pool_id, owner[1])
    if user is None:
        raise not_authorized("Invalid Refresh Token")
    if not secret_checked:
        names = [n for n in (params.get("USERNAME"), user.username, user.sub) if isinstance(n, str)]
        ext.check_secret_hash(client, names, params.get("SECRET_HASH"))
    if not user.enabled:
        raise not_authorized("User is disabled.")
    result = ext.call(
        "AdminInitiateAuth",
        client.pool_id,
        {
            "UserPoolId": client.pool_id,
            "ClientId": client.client_id,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": token},
        },
    )
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": fix_tokens(client, user, result["AuthenticationResult"]),
    }


def revoke_token(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    client = ext.client(b.get("ClientId"))
    if client.secret is not None and b.get("ClientSecret") != client.secret:
        raise CognitoError("UnauthorizedException", "Invalid client credentials.")
    if not client.token_revocation:
        raise CognitoError(
            "UnsupportedOperationException", "Token revocation is not enabled for this client."
        )
    token = b.get("Token")
    if not isinstance(token, str) or not token:
        raise invalid("Missing required parameter Token")
    if token.count(".") == 2:
        raise CognitoError(
            "UnsupportedTokenTypeException", "Unsupported token type: only refresh tokens can be revoked."
        )
    owner = moto.refresh_token_owner(client.pool_id, token)
    if owner is not None and owner[0] != client.client_id:
        raise CognitoError("UnauthorizedException", "The token was not issued to this client.")
    ext.state.revoked.add(token)
    moto.revoke_refresh_token(client.pool_id, token, None)
    return {}


def get_tokens_from_refresh_token(ext: Ext, req: Request) -> dict[str, Any]:
    """GetTokensFromRefreshToken: new ID and access tokens (no rotation: the refresh token stays valid).

    The client proves itself with ClientSecret (not a SECRET_HASH), as the API reference describes.
    """
    b = req.body
    client = ext.client(b.get("ClientId"))
    if client.secret is not None and b.get("ClientSecret") != client.secret:
        raise not_authorized(f"Unable to verify secret hash for client {client.client_id}")
    if "ALLOW_REFRESH_TOKEN_AUTH" not in client.auth_flows or "REFRESH_TOKEN_AUTH" in client.auth_flows:
        raise invalid("REFRESH_TOKEN_AUTH flow not enabled for this client")
    result = refresh_tokens(ext, client, {"REFRESH_TOKEN": b.get("RefreshToken")}, secret_checked=True)
    return {"AuthenticationResult": result["AuthenticationResult"]}


OPERATIONS = {
    "GetTokensFromRefreshToken": get_tokens_from_refresh_token,
    "RevokeToken": revoke_token,
}
