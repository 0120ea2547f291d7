"""moto's token records, read and written: whose a token is, pruning, revocation, re-signed ID tokens.

moto keeps every access, ID and refresh token it issued in dicts of each pool (token -> client id,
username, ...). These functions are the only ones that touch those records; ``moto_adapter`` reads and
writes single pools, clients and users, ``moto_store`` the whole store.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import jwt
from joserfc import jwt as joserfc_jwt

from .moto_adapter import UserInfo, moto_pool, moto_pools, user_info_from


def token_claims(token: str) -> dict[str, Any]:
    """The claims of one of moto's JWTs, unverified (only for tokens found in moto's own records); {} if
    it is not a JWT. Just the payload segment decoded: pruning reads thousands of them under the lock."""
    try:
        segment = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def access_token_owner(token: str) -> UserInfo | None:
    """The user an access token was issued to, or None when moto does not know it (or signed it out).

    A token belongs to the user's ``sub``: a later user given the same username is not its owner.
    """
    for pool in moto_pools():
        entry = pool.access_tokens.get(token)
        if entry is not None:
            user = pool._get_user(entry[1])
            if user is None or token_claims(token).get("sub") != user.id:
                return None
            return user_info_from(pool, user)
    return None


def access_token_client(token: str) -> str | None:
    """The app client id an access token was issued to (None when moto does not know the token)."""
    for pool in moto_pools():
        entry = pool.access_tokens.get(token)
        if entry is not None:
            return entry[0]
    return None


def refresh_token_owner(pool_id: str, token: str) -> tuple[str, str] | None:
    """(client_id, username) of a live refresh token; None when unknown or signed out."""
    pool = moto_pool(pool_id)
    entry = pool.refresh_tokens.get(token) if pool is not None else None
    return (entry[0], entry[1]) if entry else None


def forget_tokens(pool_id: str, username: str) -> None:
    """Write: drop every access, ID and refresh token issued to ``username`` (a user being deleted), so
    that none of them works for a later user given the same username."""
    pool = moto_pool(pool_id)
    if pool is None:
        return
    for store in (pool.access_tokens, pool.id_tokens, pool.refresh_tokens):
        for token, entry in list(store.items()):
            if entry is not None and entry[1] == username:
                del store[token]


def refresh_tokens() -> Iterator[tuple[str, str, str | None, str | None]]:
    """Read: (pool id, refresh token, client id, username) of every refresh token moto keeps; the last two
    are None for a token signed out or revoked."""
    for pool in moto_pools():
        for token, entry in list(pool.refresh_tokens.items()):
            yield pool.id, token, entry[0] if entry else None, entry[1] if entry else None


# access token -> its ``exp``, so that pruning decodes each token once, not at every save.
_EXPIRY: dict[str, float] = {}


def prune_tokens(now: float, refresh_expired: Callable[[str], bool]) -> int:
    """Write: drop access tokens whose ``exp`` (epoch seconds) is past at ``now``, every ID-token record
    (moto never reads them: see ``reissue_id_token``) and the refresh tokens ``refresh_expired(token)``
    says have expired; returns how many went."""
    global _EXPIRY
    dropped = 0
    live: dict[str, float] = {}
    for pool in moto_pools():
        dropped += len(pool.id_tokens)
        pool.id_tokens.clear()
        for token in list(pool.access_tokens):
            expiry = _EXPIRY.get(token)
            if expiry is None:
                expiry = float(token_claims(token).get("exp") or 0)
            if expiry <= now:
                del pool.access_tokens[token]
                dropped += 1
            else:
                live[token] = expiry
        for token in [t for t in list(pool.refresh_tokens) if refresh_expired(t)]:
            del pool.refresh_tokens[token]
            dropped += 1
    _EXPIRY = live
    return dropped


def revoke_refresh_token(pool_id: str, token: str, origin_jti: str | None) -> None:
    """Write: moto lacks RevokeToken, so kill the refresh token and its access tokens as sign-out does."""
    pool = moto_pool(pool_id)
    if pool is None or token not in pool.refresh_tokens:
        return
    entry = pool.refresh_tokens[token]
    pool.refresh_tokens[token] = None
    if entry is None:
        return
    jti = entry[2]

    for access_token in list(pool.access_tokens):
        try:
            claims = jwt.decode(access_token, options={"verify_signature": False})
        except jwt.PyJWTError:
            continue
        if claims.get("origin_jti") in (jti, origin_jti):
            pool.access_tokens.pop(access_token, None)


def reissue_id_token(pool_id: str, token: str, claims: dict[str, Any], remove: Iterable[str]) -> str:
    """Write: re-sign a moto ID token with ``claims`` set and ``remove`` dropped.

    Same key (the pool's, as served by its JWKS) and header. moto's ``id_tokens`` record of the token is
    dropped, not moved: moto only ever writes that dict (an ID token is checked against the JWKS, never
    looked up), and keeping a record of every ID token would grow the state by a kilobyte a sign-in.
    """
    pool = moto_pool(pool_id)
    if pool is None:
        return token
    payload = jwt.decode(token, options={"verify_signature": False})
    for name in remove:
        payload.pop(name, None)
    payload.update(claims)
    new = joserfc_jwt.encode({"kid": "dummy", "alg": "RS256"}, payload, pool.json_web_key)
    pool.id_tokens.pop(token, None)
    return new
