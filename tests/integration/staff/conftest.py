"""Fixtures for the staff pages: mirror users with staff permissions, Cognito helpers for devices."""

from __future__ import annotations

import json
import urllib.request

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.conftest import STRONG_PASSWORD, LocalPool

PERMISSIONS = {
    "view": ["view_cognito_users"],
    "manage": ["view_cognito_users", "manage_cognito_users"],
    "delete": ["view_cognito_users", "manage_cognito_users", "delete_cognito_users"],
    "change": ["view_cognito_users", "manage_cognito_users", "delete_cognito_users", "change_cognito_users"],
}


def make_staff(
    username: str, level: str | None, *, is_staff: bool = True, is_superuser: bool = False, sub=None
):
    """A mirror user (as the sign-in would create) with the permissions of ``level`` (None: none)."""
    from accounts.models import User

    user = User.objects.create_user(
        username=username, is_staff=is_staff, is_superuser=is_superuser, cognito_sub=sub
    )
    if level:
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="accounts", codename__in=PERMISSIONS[level])
        )
    return user


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty Django cache: pools restored from a snapshot share their ids, so a
    cached answer about "the" pool (its groups, no sign-in events) must not outlive its test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(db) -> Client:
    """Signed in as a staff member who may view, act on and delete Cognito users."""
    return client_for(make_staff("staff-admin", "delete"))


@pytest.fixture
def admin_client(db) -> Client:
    """Signed in as a staff member who may also edit users and set passwords (change_cognito_users)."""
    return client_for(make_staff("staff-root", "change"))


@pytest.fixture
def viewer_client(db) -> Client:
    return client_for(make_staff("staff-viewer", "view"))


def sub_of(pool: LocalPool, username: str) -> str:
    """The user's sub, read with the test's own admin client (not counted as a portal call)."""
    response = pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in response["UserAttributes"]}["sub"]


def detail_url(pool: LocalPool, username: str) -> str:
    """The staff page of the user named ``username`` (staff pages are keyed by sub)."""
    return f"/admin/cognito/users/{sub_of(pool, username)}/"


def action_url(pool: LocalPool, username: str, action: str) -> str:
    return f"/admin/cognito/users/{sub_of(pool, username)}/actions/{action}/"


# A well-formed sub that belongs to nobody (routes, permission checks, vanished users).
NOBODY = "00000000-0000-4000-8000-000000000000"


def inject_fault(pool: LocalPool, **fault) -> None:
    """POST /_local/faults, e.g. operation="ListUsers", error="TooManyRequestsException", count=1."""
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        pool.server.url + "/_local/faults",
        data=json.dumps(fault).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback only)
        assert response.status in (200, 201, 204)


def create_users(pool: LocalPool, count: int, *, prefix: str = "user", **attributes: str) -> list[str]:
    """Many users quickly, as AdminCreateUser without an invitation leaves them (FORCE_CHANGE_PASSWORD).

    Beyond a handful they are written straight into localcognito's store (the API's checks are the
    conformance tests' business): 1000 users take ~0.1 s instead of ~10 s of HTTP calls.
    """
    names = [f"{prefix}{index:04d}" for index in range(count)]
    if count > 20:
        from localcognito import moto_adapter

        rows = [
            (name, None, [{"Name": "email", "Value": f"{name}@example.com"}, *_attributes(attributes)])
            for name in names
        ]
        with pool.server.ext.lock:
            moto_adapter.bulk_create_users(pool.pool_id, rows, status="FORCE_CHANGE_PASSWORD")
        return names
    for name in names:
        pool.admin.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=name,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}]
            + [{"Name": k, "Value": v} for k, v in attributes.items()],
            MessageAction="SUPPRESS",
        )
    return names


def _attributes(attributes: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in attributes.items()]


def local_idp(pool: LocalPool):
    from accounts.cognito.idp import CognitoIdentityProvider

    return CognitoIdentityProvider(
        user_pool_id=pool.pool_id,
        client_id=pool.settings.client_id,
        client_secret=pool.settings.client_secret,
    )


def sign_in_with_totp(pool: LocalPool, username: str):
    """Password + TOTP sign-in (enrolling TOTP first if needed); returns the AuthTokens."""
    idp = local_idp(pool)
    if username not in pool.totp_secrets:
        _enrol_with_previous_code(idp, pool, username)
    challenge = idp.admin_initiate_auth(username, STRONG_PASSWORD)
    assert challenge.name == "SOFTWARE_TOKEN_MFA", challenge
    # Each code is accepted once and never an older one: enrolment used the previous window's code, so
    # the sign-ins use this window's and the next.
    steps = pool.unused_totp_steps.setdefault(username, [0, 1])
    assert steps, "only two TOTP sign-ins per user fit in one test"
    return idp.admin_respond_to_auth_challenge(
        "SOFTWARE_TOKEN_MFA",
        challenge.session,
        username,
        {"SOFTWARE_TOKEN_MFA_CODE": pool.totp_code(username, step=steps.pop(0))},
    )


def remember_device(pool: LocalPool, username: str, *, name: str = "Test browser") -> str:
    """Sign the user in with TOTP and remember the new device, as the portal does; returns its key."""
    from accounts.cognito import srp

    tokens = sign_in_with_totp(pool, username)
    device = tokens.new_device
    assert device is not None, "localcognito gave no NewDeviceMetadata"
    verifier = srp.new_device_verifier(device.device_group_key, device.device_key)
    idp = local_idp(pool)
    if idp.confirm_device(
        tokens.access_token,
        device.device_key,
        verifier=verifier.verifier_b64,
        salt=verifier.salt_b64,
        device_name=name,
    ):
        idp.update_device_status(tokens.access_token, device.device_key, remembered=True)
    return device.device_key


def _enrol_with_previous_code(idp, pool: LocalPool, username: str) -> None:
    challenge = idp.admin_initiate_auth(username, STRONG_PASSWORD)
    assert challenge.name == "MFA_SETUP", challenge
    setup = idp.associate_software_token(session=challenge.session)
    pool.totp_secrets[username] = setup.secret_code
    verified = idp.verify_software_token(pool.totp_code(username, step=-1), session=setup.session)
    idp.admin_respond_to_auth_challenge("MFA_SETUP", verified.session, username)
