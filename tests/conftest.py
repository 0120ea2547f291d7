"""Shared fixtures: a real localcognito server per test session (per xdist worker), a fresh pool per test.

``cognito`` (function scope) gives a freshly bootstrapped pool, by default shaped as ``make run`` creates
it; parametrize it indirectly with a name from ``tests.pools.POOL_SHAPES`` for another shape
(``@pytest.mark.parametrize("cognito", SHAPE_MATRIX, indirect=True)``). It points the portal's settings at
the pool. ``cognito_calls`` counts the Cognito calls the portal makes.
"""

from __future__ import annotations

import collections
import json
import signal
import time
import urllib.request
from dataclasses import dataclass, field

import pyotp
import pytest

from tests.pools import POOL_SHAPES, SHAPE_MATRIX, PoolFactory, boto_client


def pytest_configure(config) -> None:
    """Ctrl-C means Ctrl-C in the processes the tests start, even when the suite itself runs as a background
    job of a shell (which ignores SIGINT, and an ignored signal is inherited): several tests press Ctrl-C
    on `make run` or localcognito as a person in a terminal would."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


__all__ = ["POOL_SHAPES", "SHAPE_MATRIX", "STRONG_PASSWORD", "LocalPool", "boto_client"]

STRONG_PASSWORD = "Correct-Horse-42!"


@pytest.fixture(scope="session")
def localcognito_server():
    from localcognito.server import LocalCognitoServer

    server = LocalCognitoServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pool_factory(localcognito_server) -> PoolFactory:
    return PoolFactory(localcognito_server)


@dataclass
class LocalPool:
    """The bootstrapped local pool plus shortcuts tests need (outbox, users, TOTP)."""

    server: object  # localcognito.server.LocalCognitoServer
    settings: object  # accounts.cognito.bootstrap.PoolSettings
    admin: object  # a boto3 cognito-idp client with admin rights on the local pool
    totp_secrets: dict[str, str] = field(default_factory=dict)
    shape: str = "default"  # a key of tests.pools.POOL_SHAPES
    # TOTP time steps not yet used per username (Cognito accepts each code once); helpers pop from it.
    unused_totp_steps: dict[str, list[int]] = field(default_factory=dict)

    @property
    def pool_id(self) -> str:
        return self.settings.pool_id

    def outbox(self) -> list[dict]:
        with urllib.request.urlopen(self.server.url + "/_local/outbox", timeout=5) as response:  # noqa: S310
            return json.load(response)

    def last_message(self, username: str, kind: str | None = None) -> dict:
        for message in reversed(self.outbox()):
            if message["username"] == username and (kind is None or message["kind"] == kind):
                return message
        raise AssertionError(f"no {kind or 'message'} for {username} in the outbox")

    def last_code(self, username: str, kind: str | None = None) -> str:
        return self.last_message(username, kind)["code"]

    def last_code_to(self, destination: str, kind: str | None = None) -> str:
        """The newest code sent to ``destination`` (an email address), whatever the username is."""
        for message in reversed(self.outbox()):
            if message["destination"].lower() == destination.lower() and kind in (None, message["kind"]):
                return message["code"]
        raise AssertionError(f"no {kind or 'message'} to {destination} in the outbox")

    @property
    def email_is_username(self) -> bool:
        return self.settings.sign_in == "email"

    def create_user(
        self,
        username: str,
        password: str = STRONG_PASSWORD,
        *,
        email: str | None = None,
        groups: tuple[str, ...] = (),
        attributes: dict[str, str] | None = None,
        enabled: bool = True,
    ) -> str:
        """A CONFIRMED user with a permanent password and a verified email (no TOTP yet).

        In an email-as-username pool the user is created with the email as its sign-in name, and
        ``username`` is returned mapped to the canonical (generated) username; returns that username.
        """
        attrs = {"email": email or f"{username}@example.com", "email_verified": "true", **(attributes or {})}
        created = self.admin.admin_create_user(
            UserPoolId=self.pool_id,
            Username=attrs["email"] if self.email_is_username else username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
            MessageAction="SUPPRESS",
        )["User"]
        username = created["Username"]
        self.admin.admin_set_user_password(
            UserPoolId=self.pool_id, Username=username, Password=password, Permanent=True
        )
        for group in groups:
            self.admin.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)
        if not enabled:
            self.admin.admin_disable_user(UserPoolId=self.pool_id, Username=username)
        return username

    def enrol_totp(self, username: str, password: str = STRONG_PASSWORD) -> str:
        """Run MFA_SETUP for the user through the API; returns the TOTP secret."""
        from accounts.cognito.idp import CognitoIdentityProvider

        idp = CognitoIdentityProvider(
            user_pool_id=self.pool_id,
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
        )
        challenge = idp.admin_initiate_auth(username, password)
        assert challenge.name == "MFA_SETUP", challenge
        setup = idp.associate_software_token(session=challenge.session)
        verified = idp.verify_software_token(pyotp.TOTP(setup.secret_code).now(), session=setup.session)
        idp.admin_respond_to_auth_challenge("MFA_SETUP", verified.session, username)
        self.totp_secrets[username] = setup.secret_code
        return setup.secret_code

    def totp_code(self, username: str, *, step: int = 0) -> str:
        """A TOTP code for the user (``step=1`` gives the next window's, which Cognito also accepts)."""
        return pyotp.TOTP(self.totp_secrets[username]).at(time.time() + 30 * step)


@pytest.fixture
def cognito(request, pool_factory, settings) -> LocalPool:
    """A fresh local pool for this test (shape: the indirect param, else "default"), portal pointed at it."""
    from localcognito.core import Settings

    shape = getattr(request, "param", "default")
    localcognito_server = pool_factory.server
    localcognito_server.settings = Settings()
    localcognito_server.clock = time.time
    pool = pool_factory.fresh(shape)
    admin = pool_factory.admin
    settings.COGNITO_ENDPOINT_URL = localcognito_server.url
    settings.COGNITO_USER_POOL_ID = pool.pool_id
    settings.COGNITO_CLIENT_ID = pool.client_id
    settings.COGNITO_CLIENT_SECRET = pool.client_secret
    settings.COGNITO_REGION = pool.region
    settings.COGNITO_MAX_ATTEMPTS = 1
    settings.LOCAL_COGNITO = True
    return LocalPool(server=localcognito_server, settings=pool, admin=admin, shape=shape)


class CallCounter(collections.Counter):
    """Cognito operations the portal called, by API name (e.g. ``calls["AdminInitiateAuth"]``)."""

    @property
    def total(self) -> int:
        return sum(self.values())


@pytest.fixture
def cognito_calls(cognito):
    """Counts the portal's Cognito calls with botocore's before-call event (counts, never times)."""
    from accounts.cognito.client import get_client

    counter = CallCounter()

    def count(model, **kwargs):
        counter[model.name] += 1

    clients = [get_client(retry=retry) for retry in (True, False)]
    for client in clients:
        client.meta.events.register("before-call.cognito-idp", count)
    yield counter
    for client in clients:  # the clients outlive the test: leave no counter behind
        client.meta.events.unregister("before-call.cognito-idp", count)
