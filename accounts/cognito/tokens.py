"""Verification of Cognito ID and access tokens (RS256 JWTs) against the pool's cached JWKS.

Checks, per cognito-api-notes §6.2: the RS256 signature with the key named by ``kid``, ``exp`` (small
leeway), ``iss`` (this pool), ``token_use``, and the app client (``aud`` for ID tokens, the ``client_id``
claim for access tokens, which have no ``aud``). Keys are fetched once per process and kept by ``kid``;
an unknown ``kid`` triggers one re-fetch (key rotation), rate-limited so junk tokens cannot hammer Cognito.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import jwt
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.cognito import errors

logger = logging.getLogger(__name__)

ALGORITHMS = ["RS256"]
LEEWAY_SECONDS = 30
JWKS_TIMEOUT_SECONDS = 5.0
JWKS_MAX_BYTES = 1_000_000
# An unknown kid re-fetches the JWKS at most this often (Cognito publishes new keys before using them).
REFETCH_INTERVAL_SECONDS = 10.0


class InvalidToken(errors.CognitoError):
    """The token is not a valid, current token of this pool and app client (any reason)."""

    default_message = _("Your sign-in could not be verified. Please sign in again.")


_lock = threading.Lock()
_keys: dict[str, Any] = {}
_keys_url = ""
_last_fetch: float | None = None


def issuer() -> str:
    return f"https://cognito-idp.{settings.COGNITO_REGION}.amazonaws.com/{settings.COGNITO_USER_POOL_ID}"


def jwks_url() -> str:
    if settings.COGNITO_JWKS_URL:
        return settings.COGNITO_JWKS_URL
    if settings.COGNITO_ENDPOINT_URL:
        endpoint = settings.COGNITO_ENDPOINT_URL.rstrip("/")
        return f"{endpoint}/{settings.COGNITO_USER_POOL_ID}/.well-known/jwks.json"
    return f"{issuer()}/.well-known/jwks.json"


def reset_jwks_cache() -> None:
    """Forget every cached key (tests, settings changes)."""
    global _keys_url, _last_fetch
    with _lock:
        _keys.clear()
        _keys_url = ""
        _last_fetch = None


def _fetch_jwks(url: str) -> dict[str, Any]:
    """GET the JWKS document; any failure is ``CognitoUnavailable``."""
    headers = {"Accept": "application/json"}
    if settings.COGNITO_ENDPOINT_URL and not settings.COGNITO_JWKS_URL:
        # A moto-based local Cognito routes requests by the SigV4 service name; any signature is accepted.
        headers["Authorization"] = (
            "AWS4-HMAC-SHA256 Credential=local/20240101/"
            f"{settings.COGNITO_REGION}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0"
        )
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (URL comes from settings)
    try:
        with urllib.request.urlopen(request, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310
            document = json.loads(response.read(JWKS_MAX_BYTES))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning("Fetching the Cognito JWKS from %s failed: %s", url, exc.__class__.__name__)
        raise errors.CognitoUnavailable(str(exc), code="JwksUnavailable") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise errors.CognitoUnavailable("The JWKS document has no key list.", code="JwksUnavailable")
    return document


def _parse_keys(document: dict[str, Any]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("alg", "RS256") != "RS256":
            continue
        if not isinstance(entry.get("kid"), str):
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256").key
        except jwt.PyJWTError:
            logger.warning("Ignoring an unusable key in the Cognito JWKS (kid %s).", entry["kid"])
    return keys


def _signing_key(kid: str) -> Any:
    global _keys_url, _last_fetch
    url = jwks_url()
    with _lock:
        if url != _keys_url:
            _keys.clear()
            _keys_url = url
            _last_fetch = None
        key = _keys.get(kid)
        if key is not None:
            return key
        now = time.monotonic()
        if _last_fetch is not None and now - _last_fetch < REFETCH_INTERVAL_SECONDS:
            raise InvalidToken("The token's signing key is not one of the pool's keys.", code="UnknownKid")
        document = _fetch_jwks(url)
        _last_fetch = now
        _keys.update(_parse_keys(document))
        key = _keys.get(kid)
    if key is None:
        raise InvalidToken("The token's signing key is not one of the pool's keys.", code="UnknownKid")
    return key


def _verify(token: str, token_use: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token:
        raise InvalidToken("No token.", code="MissingToken")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("The token is not a JWT.", code="MalformedToken") from exc
    if header.get("alg") not in ALGORITHMS:
        raise InvalidToken("The token is not signed with RS256.", code="WrongAlgorithm")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("The token names no signing key.", code="UnknownKid")
    key = _signing_key(kid)
    id_token = token_use == "id"  # noqa: S105 (a claim value, not a secret)
    required = ["exp", "iss", "token_use"] + (["aud"] if id_token else [])
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            issuer=issuer(),
            audience=settings.COGNITO_CLIENT_ID if id_token else None,
            leeway=LEEWAY_SECONDS,
            options={"require": required, "verify_aud": id_token},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The token has expired.", code="ExpiredToken") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"The token was rejected: {exc}", code=exc.__class__.__name__) from exc
    if claims.get("token_use") != token_use:
        raise InvalidToken(f"Expected an {token_use} token.", code="WrongTokenUse")
    if not id_token and claims.get("client_id") != settings.COGNITO_CLIENT_ID:
        raise InvalidToken("The access token belongs to another app client.", code="WrongClient")
    return claims


def verify_id_token(token: str) -> dict[str, Any]:
    """The claims of a valid ID token of this pool and app client; ``InvalidToken`` otherwise."""
    return _verify(token, "id")


def verify_access_token(token: str) -> dict[str, Any]:
    """The claims of a valid access token of this pool and app client; ``InvalidToken`` otherwise."""
    return _verify(token, "access")
