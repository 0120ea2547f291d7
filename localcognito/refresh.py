"""Tokens after sign-in: REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken and RevokeToken."""

from __future__ import annotations

from typing import Any

from . import moto_adapter as moto
from . import moto_tokens
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
    owner = moto_tokens.refresh_token_owner(client.pool_id, token)
    if token in ext.state.revoked:
        raise not_authorized("Refresh Token has been revoked")
    record = ext.state.refresh_issued.get(token)
    if owner is None or owner[0] != client.client_id or record is None:
        raise not_authorized("Invalid Refresh Token")
    user = moto.user_info(client.pool_id, owner[1])
    if user is None or user.sub != record[0]:  # the token belongs to the sub, not to the username
        raise not_authorized("Invalid Refresh Token")
    if record[2] + client.refresh_token_seconds <= ext.now():
        raise not_authorized("Refresh Token has expired")
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


def record_refresh_token(ext: Ext, token: Any, sub: str, client_id: str) -> None:
    """Note a refresh token moto just issued to ``sub`` through ``client_id`` (sign-in's last step), with
    the time, for the owner and validity checks of ``refresh_tokens`` and for pruning."""
    if isinstance(token, str) and token:
        ext.state.refresh_issued[token] = (sub, client_id, ext.now())


def adopt_unrecorded_tokens(ext: Ext) -> None:
    """Record the live refresh tokens of a state saved before tokens were recorded: issued now, to the
    sub of the user holding that username now."""
    for pool_id, token, client_id, username in list(moto_tokens.refresh_tokens()):
        if token in ext.state.refresh_issued or client_id is None or username is None:
            continue
        user = moto.user_info(pool_id, username)
        if user is not None:
            record_refresh_token(ext, token, user.sub, client_id)


def prune_expired_tokens(ext: Ext) -> int:
    """Drop what can never be used again, so the state (and its file) stays small; the count dropped.

    Access and ID tokens past their ``exp``; refresh tokens past their client's RefreshTokenValidity (or
    never recorded, or of a deleted client), with their records and revocations; rate-limit times over
    an hour old and expired codes. Each of them is refused already, so no answer changes.
    """
    now, state = ext.now(), ext.state
    validity: dict[str, float | None] = {}

    def expired(token: str) -> bool:
        record = state.refresh_issued.get(token)
        if record is None:
            return True
        _sub, client_id, issued = record
        if client_id not in validity:
            info = moto.client_info(client_id)
            validity[client_id] = info.refresh_token_seconds if info is not None else None
        seconds = validity[client_id]
        return seconds is None or issued + seconds <= now

    dropped = moto_tokens.prune_tokens(now, expired)
    live = {token for _pool_id, token, _client_id, _username in moto_tokens.refresh_tokens()}
    for token in [t for t in state.refresh_issued if t not in live]:
        del state.refresh_issued[token]
    state.revoked &= live
    for key, times in list(state.sends.items()):
        recent = [t for t in times if now - t < 3600]
        if recent:
            state.sends[key] = recent
        else:
            del state.sends[key]
    for store in (state.signup_codes, state.reset_codes, state.attribute_codes):
        for key in [k for k, code in store.items() if code.expires <= now]:
            del store[key]
    return dropped


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
    owner = moto_tokens.refresh_token_owner(client.pool_id, token)
    if owner is not None and owner[0] != client.client_id:
        raise CognitoError("UnauthorizedException", "The token was not issued to this client.")
    ext.state.revoked.add(token)
    moto_tokens.revoke_refresh_token(client.pool_id, token, None)
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
