"""Cognito JWT verification: valid tokens pass, every forged, stale or misdirected one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.cognito import errors, tokens

REGION = "eu-west-1"
POOL_ID = "eu-west-1_TestPool1"
CLIENT_ID = "client-abc123"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


ID_KEY = _new_key()
ACCESS_KEY = _new_key()
OTHER_KEY = _new_key()


def jwk(private_key, kid: str) -> dict:
    data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


class FakeJwks:
    """Stands in for the HTTP fetch; counts requests."""

    def __init__(self, keys: list[dict]) -> None:
        self.keys = keys
        self.fetches: list[str] = []

    def __call__(self, url: str) -> dict:
        self.fetches.append(url)
        return {"keys": list(self.keys)}


@pytest.fixture
def jwks(settings, monkeypatch):
    settings.COGNITO_REGION = REGION
    settings.COGNITO_USER_POOL_ID = POOL_ID
    settings.COGNITO_CLIENT_ID = CLIENT_ID
    settings.COGNITO_ENDPOINT_URL = ""
    settings.COGNITO_JWKS_URL = ""
    tokens.reset_jwks_cache()
    fake = FakeJwks([jwk(ID_KEY, "id-kid"), jwk(ACCESS_KEY, "access-kid")])
    monkeypatch.setattr(tokens, "_fetch_jwks", fake)
    yield fake
    tokens.reset_jwks_cache()


def id_claims(**overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": "1111-2222",
        "aud": CLIENT_ID,
        "iss": ISSUER,
        "token_use": "id",
        "cognito:username": "alice",
        "email": "alice@example.com",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def access_claims(**overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": "1111-2222",
        "client_id": CLIENT_ID,
        "iss": ISSUER,
        "token_use": "access",
        "username": "alice",
        "scope": "aws.cognito.signin.user.admin",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def sign(claims: dict, key=ID_KEY, kid: str = "id-kid", algorithm: str = "RS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def test_valid_id_token_is_accepted(jwks):
    claims = tokens.verify_id_token(sign(id_claims()))
    assert claims["sub"] == "1111-2222"
    assert claims["cognito:username"] == "alice"


def test_valid_access_token_is_accepted(jwks):
    claims = tokens.verify_access_token(sign(access_claims(), ACCESS_KEY, "access-kid"))
    assert claims["username"] == "alice"


def test_token_just_past_expiry_is_accepted_within_leeway(jwks):
    token = sign(id_claims(exp=int(time.time()) - tokens.LEEWAY_SECONDS // 2))
    assert tokens.verify_id_token(token)["sub"] == "1111-2222"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def alg_none_token(claims: dict) -> str:
    return f"{_b64({'alg': 'none', 'kid': 'id-kid', 'typ': 'JWT'})}.{_b64(claims)}."


def hs256_with_public_key(claims: dict) -> str:
    """The classic confusion attack: HMAC keyed with the RSA public key's PEM."""
    pem = ID_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64({"alg": "HS256", "kid": "id-kid", "typ": "JWT"})
    body = _b64(claims)
    signature = hmac.new(pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


REJECTED_ID_TOKENS = {
    "wrong key, right kid": lambda: sign(id_claims(), OTHER_KEY, "id-kid"),
    "alg none": lambda: alg_none_token(id_claims()),
    "HS256 with the public key": lambda: hs256_with_public_key(id_claims()),
    "expired": lambda: sign(id_claims(exp=int(time.time()) - 120)),
    "missing exp": lambda: sign(id_claims(exp=None)),
    "missing iss": lambda: sign(id_claims(iss=None)),
    "missing token_use": lambda: sign(id_claims(token_use=None)),
    "missing aud": lambda: sign(id_claims(aud=None)),
    "wrong audience": lambda: sign(id_claims(aud="another-client")),
    "wrong issuer (other pool)": lambda: sign(
        id_claims(iss=f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_OtherPool")
    ),
    "wrong issuer (other region)": lambda: sign(
        id_claims(iss=f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}")
    ),
    "access token offered as id": lambda: sign(access_claims(aud=CLIENT_ID), ACCESS_KEY, "access-kid"),
    "not yet valid": lambda: sign(id_claims(iat=int(time.time()) + 3600, nbf=int(time.time()) + 3600)),
    "garbage": lambda: "not-a-jwt",
    "empty": lambda: "",
    "no kid": lambda: jwt.encode(id_claims(), ID_KEY, algorithm="RS256"),
}


# Why each token is refused: the reason must be the one the case is about, not an accident of the fixture.
REASONS = {
    "wrong key, right kid": "InvalidSignatureError",
    "alg none": "WrongAlgorithm",
    "HS256 with the public key": "WrongAlgorithm",
    "expired": "ExpiredToken",
    "missing exp": "MissingRequiredClaimError",
    "missing iss": "MissingRequiredClaimError",
    "missing token_use": "MissingRequiredClaimError",
    "missing aud": "MissingRequiredClaimError",
    "wrong audience": "InvalidAudienceError",
    "wrong issuer (other pool)": "InvalidIssuerError",
    "wrong issuer (other region)": "InvalidIssuerError",
    "access token offered as id": "WrongTokenUse",
    "id token offered as access": "WrongTokenUse",
    "not yet valid": "ImmatureSignatureError",
    "garbage": "MalformedToken",
    "empty": "MissingToken",
    "no kid": "UnknownKid",
    "wrong client_id": "WrongClient",
    "missing client_id": "WrongClient",
}


@pytest.mark.parametrize("case", REJECTED_ID_TOKENS)
def test_bad_id_tokens_are_rejected(jwks, case):
    with pytest.raises(tokens.InvalidToken) as caught:
        tokens.verify_id_token(REJECTED_ID_TOKENS[case]())
    assert caught.value.code == REASONS[case]
    assert isinstance(caught.value, errors.CognitoError)
    assert caught.value.user_message


REJECTED_ACCESS_TOKENS = {
    "wrong key, right kid": lambda: sign(access_claims(), OTHER_KEY, "access-kid"),
    "alg none": lambda: alg_none_token(access_claims()),
    "HS256 with the public key": lambda: hs256_with_public_key(access_claims()),
    "expired": lambda: sign(access_claims(exp=int(time.time()) - 120), ACCESS_KEY, "access-kid"),
    "missing exp": lambda: sign(access_claims(exp=None), ACCESS_KEY, "access-kid"),
    "wrong client_id": lambda: sign(access_claims(client_id="another-client"), ACCESS_KEY, "access-kid"),
    "missing client_id": lambda: sign(access_claims(client_id=None), ACCESS_KEY, "access-kid"),
    "wrong issuer (other pool)": lambda: sign(
        access_claims(iss=f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_OtherPool"),
        ACCESS_KEY,
        "access-kid",
    ),
    "id token offered as access": lambda: sign(id_claims(client_id=CLIENT_ID)),
}


@pytest.mark.parametrize("case", REJECTED_ACCESS_TOKENS)
def test_bad_access_tokens_are_rejected(jwks, case):
    with pytest.raises(tokens.InvalidToken) as caught:
        tokens.verify_access_token(REJECTED_ACCESS_TOKENS[case]())
    assert caught.value.code == REASONS[case]


def test_keys_are_fetched_once_per_process(jwks):
    for _ in range(3):
        tokens.verify_id_token(sign(id_claims()))
        tokens.verify_access_token(sign(access_claims(), ACCESS_KEY, "access-kid"))
    assert jwks.fetches == [f"{ISSUER}/.well-known/jwks.json"]


def test_unknown_kid_refetches_once_then_rejects(jwks, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(tokens.time, "monotonic", lambda: clock[0])
    tokens.verify_id_token(sign(id_claims()))
    assert len(jwks.fetches) == 1

    clock[0] += tokens.REFETCH_INTERVAL_SECONDS + 1
    with pytest.raises(tokens.InvalidToken):
        tokens.verify_id_token(sign(id_claims(), OTHER_KEY, "rotated-kid"))
    assert len(jwks.fetches) == 2

    # More junk kids right away do not hammer the JWKS endpoint.
    for kid in ("junk-1", "junk-2", "junk-3"):
        with pytest.raises(tokens.InvalidToken):
            tokens.verify_id_token(sign(id_claims(), OTHER_KEY, kid))
    assert len(jwks.fetches) == 2


def test_rotated_key_is_picked_up_by_one_refetch(jwks, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(tokens.time, "monotonic", lambda: clock[0])
    tokens.verify_id_token(sign(id_claims()))
    jwks.keys.append(jwk(OTHER_KEY, "rotated-kid"))
    clock[0] += tokens.REFETCH_INTERVAL_SECONDS + 1

    assert tokens.verify_id_token(sign(id_claims(), OTHER_KEY, "rotated-kid"))["sub"] == "1111-2222"
    assert tokens.verify_id_token(sign(id_claims(), OTHER_KEY, "rotated-kid"))["sub"] == "1111-2222"
    assert len(jwks.fetches) == 2


def test_reset_forgets_the_keys(jwks):
    tokens.verify_id_token(sign(id_claims()))
    tokens.reset_jwks_cache()
    tokens.verify_id_token(sign(id_claims()))
    assert len(jwks.fetches) == 2


def test_jwks_with_unusable_keys_keeps_the_usable_ones(jwks):
    jwks.keys = [
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "RSA", "kid": "hs", "alg": "HS256", "n": "AA", "e": "AQAB"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "!!"},
        {"kty": "RSA", "n": "AA", "e": "AQAB"},
        "not a dict",
        jwk(ID_KEY, "id-kid"),
    ]
    assert tokens.verify_id_token(sign(id_claims()))["sub"] == "1111-2222"


def test_jwks_url_from_settings(jwks, settings):
    assert tokens.jwks_url() == f"{ISSUER}/.well-known/jwks.json"
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9229/"
    assert tokens.jwks_url() == f"http://127.0.0.1:9229/{POOL_ID}/.well-known/jwks.json"
    settings.COGNITO_JWKS_URL = "http://127.0.0.1:9/keys.json"
    assert tokens.jwks_url() == "http://127.0.0.1:9/keys.json"


def test_changing_the_jwks_url_drops_the_cached_keys(jwks, settings):
    tokens.verify_id_token(sign(id_claims()))
    settings.COGNITO_JWKS_URL = "http://127.0.0.1:9/keys.json"
    tokens.verify_id_token(sign(id_claims()))
    assert jwks.fetches == [f"{ISSUER}/.well-known/jwks.json", "http://127.0.0.1:9/keys.json"]


def test_jwks_fetch_failure_is_cognito_unavailable(settings, monkeypatch):
    settings.COGNITO_JWKS_URL = "http://127.0.0.1:9/keys.json"
    tokens.reset_jwks_cache()

    def refuse(request, timeout):
        assert timeout == tokens.JWKS_TIMEOUT_SECONDS
        raise urllib.error.URLError("connection refused")

    monkeypatch.setattr(tokens.urllib.request, "urlopen", refuse)
    with pytest.raises(errors.CognitoUnavailable):
        tokens.verify_id_token(sign(id_claims()))
    tokens.reset_jwks_cache()


class _Response:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, limit: int) -> bytes:
        return self.body[:limit]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("body", [b"<html>", b'{"nokeys": []}', b"[]"])
def test_jwks_garbage_is_cognito_unavailable(settings, monkeypatch, body):
    settings.COGNITO_JWKS_URL = "http://127.0.0.1:9/keys.json"
    tokens.reset_jwks_cache()
    monkeypatch.setattr(tokens.urllib.request, "urlopen", lambda request, timeout: _Response(body))
    with pytest.raises(errors.CognitoUnavailable):
        tokens.verify_id_token(sign(id_claims()))
    tokens.reset_jwks_cache()


def test_fetch_sends_a_sigv4_style_header_to_a_local_endpoint(settings, monkeypatch):
    settings.COGNITO_REGION = REGION
    settings.COGNITO_USER_POOL_ID = POOL_ID
    settings.COGNITO_CLIENT_ID = CLIENT_ID
    settings.COGNITO_JWKS_URL = ""
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9229"
    tokens.reset_jwks_cache()
    seen = []

    def urlopen(request, timeout):
        seen.append(request)
        return _Response(json.dumps({"keys": [jwk(ID_KEY, "id-kid")]}).encode())

    monkeypatch.setattr(tokens.urllib.request, "urlopen", urlopen)
    assert tokens.verify_id_token(sign(id_claims()))["sub"] == "1111-2222"
    assert seen[0].full_url == f"http://127.0.0.1:9229/{POOL_ID}/.well-known/jwks.json"
    assert "/cognito-idp/aws4_request" in seen[0].get_header("Authorization")
    tokens.reset_jwks_cache()


def test_reset_caches_also_resets_jwks(jwks):
    from accounts.cognito import reset_caches

    tokens.verify_id_token(sign(id_claims()))
    reset_caches()
    tokens.verify_id_token(sign(id_claims()))
    assert len(jwks.fetches) == 2
