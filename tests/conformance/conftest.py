"""Fixtures for the conformance suite: one localcognito per session, a fresh bootstrapped pool per test.

Every test runs against ``local`` and, when COGNITO_TEST_USER_POOL_ID and COGNITO_TEST_CLIENT_ID are set,
against that real pool too (``aws``; tests that read the outbox or use /_local/ are local-only).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyotp
import pytest
from botocore.config import Config
from pycognito.aws_srp import generate_hash_device

from accounts.cognito.bootstrap import PoolSettings, described_shape
from localcognito.core import Settings
from localcognito.server import LocalCognitoServer
from tests.boto import session as boto_session
from tests.pools import SHAPE_MATRIX

PASSWORD = "Correct-Horse-42!"
AWS_POOL = os.environ.get("COGNITO_TEST_USER_POOL_ID", "")
AWS_CLIENT = os.environ.get("COGNITO_TEST_CLIENT_ID", "")


def boto(endpoint_url: str | None, region: str = "us-east-1") -> Any:
    kwargs: dict[str, Any] = {
        "region_name": region,
        "config": Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    }
    if endpoint_url:
        kwargs.update(endpoint_url=endpoint_url, aws_access_key_id="local", aws_secret_access_key="local")
    return boto_session().client("cognito-idp", **kwargs)


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.standard_b64encode(digest).decode()


@dataclass
class Cog:
    """One test's Cognito: a boto3 client, the pool settings and helpers that work on both targets."""

    target: str
    idp: Any
    pool: PoolSettings
    server: LocalCognitoServer | None = None
    created: list[str] = field(default_factory=list)

    @property
    def pool_id(self) -> str:
        return self.pool.pool_id

    @property
    def client_id(self) -> str:
        return self.pool.client_id

    def sh(self, username: str) -> str | None:
        return (
            secret_hash(self.pool.client_secret, username, self.client_id)
            if self.pool.client_secret
            else None
        )

    def secret_kw(self, username: str) -> dict[str, str]:
        """SecretHash= for the unauthenticated calls, when the client has a secret."""
        value = self.sh(username)
        return {"SecretHash": value} if value else {}

    def auth(self, username: str, **params: str) -> dict[str, str]:
        """AuthParameters / ChallengeResponses with USERNAME and SECRET_HASH when needed."""
        value = self.sh(username)
        return {"USERNAME": username, **({"SECRET_HASH": value} if value else {}), **params}

    def outbox(self) -> list[dict[str, Any]]:
        if self.server is None:
            pytest.skip("needs the local outbox")
        return self.server.outbox()

    def last_code(self, username: str, kind: str = "signup") -> str:
        for message in reversed(self.outbox()):
            if message["username"] == username and message["kind"] == kind:
                return message["code"]
        raise AssertionError(f"no {kind} message for {username}")

    def name(self) -> str:
        return "u" + uuid.uuid4().hex[:12]

    def make_user(
        self, username: str | None = None, password: str = PASSWORD, email: str | None = None
    ) -> str:
        """A CONFIRMED user with a permanent password and a verified email, no MFA yet."""
        username = username or self.name()
        self.idp.admin_create_user(
            UserPoolId=self.pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": email or f"{username}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        )
        self.created.append(username)
        self.idp.admin_set_user_password(
            UserPoolId=self.pool_id, Username=username, Password=password, Permanent=True
        )
        return username

    def sign_up(self, username: str | None = None, password: str = PASSWORD) -> str:
        username = username or self.name()
        self.idp.sign_up(
            ClientId=self.client_id,
            Username=username,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
            **self.secret_kw(username),
        )
        self.created.append(username)
        return username

    def admin_auth(self, username: str, password: str = PASSWORD, **extra: str) -> dict[str, Any]:
        return self.idp.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=self.auth(username, PASSWORD=password, **extra),
        )

    def user_auth(self, username: str, password: str = PASSWORD, **extra: str) -> dict[str, Any]:
        return self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters=self.auth(username, PASSWORD=password, **extra),
        )

    def respond(
        self, name: str, session: str, username: str, admin: bool = True, **answers: str
    ) -> dict[str, Any]:
        kwargs = {
            "ClientId": self.client_id,
            "ChallengeName": name,
            "Session": session,
            "ChallengeResponses": self.auth(username, **answers),
        }
        if admin:
            return self.idp.admin_respond_to_auth_challenge(UserPoolId=self.pool_id, **kwargs)
        return self.idp.respond_to_auth_challenge(**kwargs)

    def enrol(self, username: str, password: str = PASSWORD) -> tuple[str, dict[str, Any]]:
        """Sign in through MFA_SETUP; returns the TOTP secret and the final AuthenticationResult."""
        first = self.admin_auth(username, password)
        assert first["ChallengeName"] == "MFA_SETUP"
        assoc = self.idp.associate_software_token(Session=first["Session"])
        verified = self.idp.verify_software_token(
            Session=assoc["Session"], UserCode=totp(assoc["SecretCode"])
        )
        done = self.respond("MFA_SETUP", verified["Session"], username)
        return assoc["SecretCode"], done["AuthenticationResult"]

    def mfa_sign_in(self, username: str, secret: str, step: int = 1, **extra: str) -> dict[str, Any]:
        first = self.admin_auth(username, **extra)
        assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        return self.respond(
            "SOFTWARE_TOKEN_MFA", first["Session"], username, SOFTWARE_TOKEN_MFA_CODE=totp(secret, step)
        )

    def remember(self, result: dict[str, Any], remembered: bool = True) -> tuple[str, str, str]:
        """ConfirmDevice (+ UpdateDeviceStatus) for NewDeviceMetadata; returns key, group key, password."""
        meta = result["NewDeviceMetadata"]
        device_password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
        confirmed = self.idp.confirm_device(
            AccessToken=result["AccessToken"],
            DeviceKey=meta["DeviceKey"],
            DeviceSecretVerifierConfig=config,
            DeviceName="conformance",
        )
        assert confirmed["UserConfirmationNecessary"] is True
        if remembered:
            self.idp.update_device_status(
                AccessToken=result["AccessToken"],
                DeviceKey=meta["DeviceKey"],
                DeviceRememberedStatus="remembered",
            )
        return meta["DeviceKey"], meta["DeviceGroupKey"], device_password


def totp(secret: str, step: int = 0) -> str:
    """The code for this 30 s window (step=1: the next one, which the ±1 window also accepts)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * step)


@pytest.fixture(scope="session")
def lc_server(localcognito_server) -> LocalCognitoServer:
    """The session's localcognito (shared with the integration tests)."""
    return localcognito_server


@pytest.fixture(params=["local", "aws"])
def target(request: pytest.FixtureRequest) -> str:
    if request.param == "aws" and not (AWS_POOL and AWS_CLIENT):
        pytest.skip("real-pool run not configured: set COGNITO_TEST_USER_POOL_ID and COGNITO_TEST_CLIENT_ID")
    return request.param


def aws_pool(shape: str) -> tuple[str, str, str]:
    """(pool id, client id, client secret) of the real pool configured for ``shape``; skips when unset.

    "default" (username + email/preferred_username aliases, case-insensitive, secret client) is
    COGNITO_TEST_USER_POOL_ID / _CLIENT_ID / _CLIENT_SECRET; "public" is the same pool with
    COGNITO_TEST_PUBLIC_CLIENT_ID; the other shapes of tests.pools.POOL_SHAPES read
    COGNITO_TEST_<SHAPE>_POOL_ID / _CLIENT_ID / _CLIENT_SECRET (SHAPE upper-cased, "-" as "_"),
    e.g. COGNITO_TEST_EMAIL_POOL_ID for "email" and COGNITO_TEST_USERNAME_CS_POOL_ID for "username-cs".
    """
    if shape == "default":
        return AWS_POOL, AWS_CLIENT, os.environ.get("COGNITO_TEST_CLIENT_SECRET", "")
    if shape == "public":
        if not os.environ.get("COGNITO_TEST_PUBLIC_CLIENT_ID"):
            pytest.skip("set COGNITO_TEST_PUBLIC_CLIENT_ID for the public-client variant on a real pool")
        return AWS_POOL, os.environ["COGNITO_TEST_PUBLIC_CLIENT_ID"], ""
    prefix = "COGNITO_TEST_" + shape.upper().replace("-", "_")
    pool_id, client_id = os.environ.get(prefix + "_POOL_ID", ""), os.environ.get(prefix + "_CLIENT_ID", "")
    if not (pool_id and client_id):
        pytest.skip(f"real-pool run of the {shape!r} shape not configured: set {prefix}_POOL_ID, _CLIENT_ID")
    return pool_id, client_id, os.environ.get(prefix + "_CLIENT_SECRET", "")


@pytest.fixture
def cog(
    request: pytest.FixtureRequest, target: str, lc_server: LocalCognitoServer, pool_factory: Any
) -> Iterator[Cog]:
    """A fresh pool (local) or the real pool (aws).

    Indirect param: a pool shape of tests.pools.POOL_SHAPES ("default", "username-cs", "email",
    "public"); "secret" is another name for "default".
    """
    shape = getattr(request, "param", "default")
    shape = "default" if shape == "secret" else shape
    if target == "aws":
        pool_id, client_id, secret = aws_pool(shape)
        region = pool_id.split("_", 1)[0]
        idp = boto(None, region)
        sign_in, case_sensitive = described_shape(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])
        ctx = Cog("aws", idp, PoolSettings(pool_id, client_id, secret, region, sign_in, case_sensitive))
        yield ctx
        for username in ctx.created:
            with contextlib.suppress(ctx.idp.exceptions.UserNotFoundException):
                ctx.idp.admin_delete_user(UserPoolId=pool_id, Username=username)
        return
    lc_server.settings = Settings()
    lc_server.clock = time.time
    pool = pool_factory.fresh(shape)
    yield Cog("local", pool_factory.admin, pool, lc_server)
    lc_server.settings = Settings()
    lc_server.clock = time.time


@pytest.fixture
def local(cog: Cog) -> Cog:
    """The same fixture, for tests that need the outbox, control endpoints or a fake clock."""
    if cog.server is None:
        pytest.skip("local-only: uses the localcognito outbox or control endpoints")
    return cog


def error_code(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return excinfo.value.response["Error"]["Code"]


BOTH = pytest.mark.parametrize("cog", ["secret", "public"], indirect=True)
# Every common pool shape (tests.pools.SHAPE_MATRIX): default, username-cs, email, public.
SHAPES = pytest.mark.parametrize("cog", SHAPE_MATRIX, indirect=True)
