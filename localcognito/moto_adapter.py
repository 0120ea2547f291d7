"""Reads (and, in documented places, writes) of moto's Cognito internals: single pools, app clients and users.

With ``moto_tokens`` (moto's token records) and ``moto_store`` (the whole store at once, for snapshots and
the state file), the only modules that touch moto's internals.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from botocore import xform_name
from moto.cognitoidp.models import (
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolAttribute,
    UserStatus,
    cognitoidp_backends,
)
from moto.core import DEFAULT_ACCOUNT_ID

# Cognito's default ExplicitAuthFlows when a client is created without any.
DEFAULT_AUTH_FLOWS = ("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH")


@dataclass(frozen=True)
class ClientInfo:
    """An app client as localcognito needs it (read from moto's store at each call)."""

    client_id: str
    pool_id: str
    region: str
    name: str
    secret: str | None
    auth_flows: tuple[str, ...]
    prevent_user_existence_errors: bool
    token_revocation: bool
    read_attributes: tuple[str, ...] | None  # None: the client may read every attribute (Cognito's default)
    write_attributes: tuple[str, ...] | None
    auth_session_minutes: int  # AuthSessionValidity, 3-15 (Cognito's default 3)
    refresh_token_seconds: float = 30 * 86400.0  # RefreshTokenValidity in TokenValidityUnits (30 days)


@dataclass(frozen=True)
class PoolInfo:
    """A user pool's settings as localcognito needs them (read from moto's store at each call)."""

    pool_id: str
    region: str
    name: str
    mfa: str
    software_token_mfa: bool
    device_config: dict[str, Any] | None
    auto_verified: tuple[str, ...]
    password_policy: dict[str, Any]
    required_attributes: tuple[str, ...]
    client_ids: tuple[str, ...]
    username_attributes: tuple[str, ...] = ()  # UsernameAttributes: email / phone_number *as* the username
    alias_attributes: tuple[str, ...] = ()  # AliasAttributes: email / phone_number / preferred_username
    case_sensitive: bool = True  # UsernameConfiguration.CaseSensitive (Cognito's default when unset)
    # attribute name -> (required, mutable): every standard attribute plus the pool's custom ones.
    schema: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    # UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate (email / phone_number).
    verify_before_update: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserInfo:
    pool_id: str
    username: str
    sub: str
    status: str
    enabled: bool
    password: str | None
    attributes: dict[str, str]


def moto_pools() -> Iterator[CognitoIdpUserPool]:
    """moto's own user pool objects, of every account and region (for the ``moto_*`` modules only)."""
    # Only iterate backends that already exist: indexing would create one per region.
    for account in list(cognitoidp_backends.values()):
        for backend in list(account.values()):
            yield from list(backend.user_pools.values())


def moto_pool(pool_id: str) -> CognitoIdpUserPool | None:
    """moto's own user pool object for ``pool_id``, or None (for the ``moto_*`` modules only)."""
    region = pool_id.split("_", 1)[0]
    for account in list(cognitoidp_backends.values()):
        backend = account.get(region) if region in account else None
        if backend is not None and pool_id in backend.user_pools:
            return backend.user_pools[pool_id]
    return None


def _optional_tuple(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if value else None


# TokenValidityUnits values (CreateUserPoolClient API reference), in seconds.
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _validity_seconds(cfg: dict[str, Any], token: str, default: float, default_unit: str) -> float:
    """Seconds a ``token`` ("RefreshToken", "AccessToken" ...) of this app client is valid for."""
    try:
        amount = float(cfg.get(f"{token}Validity") or default)
    except (TypeError, ValueError):
        amount = default
    unit = (cfg.get("TokenValidityUnits") or {}).get(token) or default_unit
    return amount * _UNIT_SECONDS.get(unit, _UNIT_SECONDS[default_unit])


@functools.cache
def _moto_operations() -> frozenset[str]:
    from moto.cognitoidp.responses import CognitoIdpResponse

    return frozenset(name for name in dir(CognitoIdpResponse) if not name.startswith("_"))


def implements(operation: str) -> bool:
    """True when moto's Cognito has a handler for ``operation`` (an API name such as "ListGroups")."""
    return xform_name(operation) in _moto_operations()


def client_info(client_id: str) -> ClientInfo | None:
    for pool in moto_pools():
        client = pool.clients.get(client_id)
        if client is not None:
            cfg = client.extended_config
            return ClientInfo(
                client_id=client.id,
                pool_id=pool.id,
                region=pool.region,
                name=cfg.get("ClientName") or "",
                secret=client.secret if client.generate_secret else None,
                auth_flows=tuple(cfg.get("ExplicitAuthFlows") or DEFAULT_AUTH_FLOWS),
                prevent_user_existence_errors=cfg.get("PreventUserExistenceErrors") == "ENABLED",
                token_revocation=bool(cfg.get("EnableTokenRevocation", True)),
                read_attributes=_optional_tuple(cfg.get("ReadAttributes")),
                write_attributes=_optional_tuple(cfg.get("WriteAttributes")),
                auth_session_minutes=int(cfg.get("AuthSessionValidity") or 3),
                refresh_token_seconds=_validity_seconds(cfg, "RefreshToken", 30, "days"),
            )
    return None


def pool_info(pool_id: str) -> PoolInfo | None:
    pool = moto_pool(pool_id)
    if pool is None:
        return None
    cfg = pool.extended_config
    required = tuple(name for name, attr in pool.schema_attributes.items() if attr.required)
    return PoolInfo(
        pool_id=pool.id,
        region=pool.region,
        name=pool.name,
        mfa=pool.mfa_config or "OFF",
        software_token_mfa=bool((pool.token_mfa_config or {}).get("Enabled")),
        device_config=cfg.get("DeviceConfiguration") or None,
        auto_verified=tuple(cfg.get("AutoVerifiedAttributes") or ()),
        password_policy=dict((cfg.get("Policies") or {}).get("PasswordPolicy") or {}),
        required_attributes=required,
        client_ids=tuple(pool.clients),
        username_attributes=tuple(cfg.get("UsernameAttributes") or ()),
        alias_attributes=tuple(cfg.get("AliasAttributes") or ()),
        case_sensitive=bool((cfg.get("UsernameConfiguration") or {}).get("CaseSensitive", True)),
        schema=_schema(pool),
        verify_before_update=tuple(
            (cfg.get("UserAttributeUpdateSettings") or {}).get("AttributesRequireVerificationBeforeUpdate")
            or ()
        ),
    )


def _schema(pool: CognitoIdpUserPool) -> dict[str, tuple[bool, bool]]:
    # moto keeps only the attributes named at creation when a Schema was given; Cognito has them all.
    standard = CognitoIdpUserPoolAttribute.STANDARD_SCHEMA
    schema = {name: (bool(spec["Required"]), bool(spec["Mutable"])) for name, spec in standard.items()}
    for name, attribute in pool.schema_attributes.items():
        schema[name] = (bool(attribute.required), bool(attribute.mutable))
    return schema


def list_pools() -> list[PoolInfo]:
    return [info for pool in moto_pools() if (info := pool_info(pool.id)) is not None]


def user_info_from(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> UserInfo:
    """The ``UserInfo`` of one of moto's own user objects in ``pool``."""
    status = user.status.value if isinstance(user.status, UserStatus) else str(user.status)
    return UserInfo(
        pool_id=pool.id,
        username=user.username,
        sub=user.id,
        status=status,
        enabled=bool(user.enabled),
        password=user.password,
        attributes=dict(user.attribute_lookup),
    )


def user_info(pool_id: str, username: str) -> UserInfo | None:
    """The user whose stored username is exactly ``username`` (no alias, case or sub rule: see identity)."""
    pool = moto_pool(pool_id)
    user = pool.users.get(username) if pool is not None and username else None
    return user_info_from(pool, user) if user is not None else None


class UserRow(NamedTuple):
    """One user as ListUsers needs it; ``attributes`` is moto's own dict (read it only)."""

    username: str
    sub: str
    status: str
    enabled: bool
    attributes: dict[str, str]
    created: datetime  # see ``epoch``
    modified: datetime


def epoch(value: datetime) -> float:
    """Epoch seconds of a moto timestamp (moto keeps naive UTC datetimes)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def user_rows(pool_id: str) -> list[UserRow]:
    """Every user of the pool in moto's (creation) order, for ListUsers; [] for an unknown pool."""
    pool = moto_pool(pool_id)
    if pool is None:
        return []
    return [
        UserRow(
            user.username,
            user.id,
            user.status.value if isinstance(user.status, UserStatus) else str(user.status),
            bool(user.enabled),
            user.attribute_lookup,
            user.create_date,
            user.last_modified_date,
        )
        for user in list(pool.users.values())
    ]


def user_records(pool_id: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Every user of the pool as (username, sub, attributes); the dicts are moto's own: read them only."""
    pool = moto_pool(pool_id)
    if pool is None:
        return
    for user in list(pool.users.values()):
        yield user.username, user.id, user.attribute_lookup


def set_mfa_configuration(pool_id: str, value: str) -> None:
    """Write: the pool's MfaConfiguration (moto only changes it through SetUserPoolMfaConfig)."""
    pool = moto_pool(pool_id)
    if pool is not None:
        pool.mfa_config = value


# UpdateGroup's fields: the attribute of moto's group and its value when unset (moto's CreateGroup defaults).
_GROUP_DEFAULTS = {
    "Description": ("description", ""),
    "Precedence": ("precedence", None),
    "RoleArn": ("role_arn", None),
}


def reset_group_fields(pool_id: str, group_name: str, fields: Iterable[str]) -> None:
    """Write: reset the named UpdateGroup fields of a group (moto's update keeps fields left out)."""
    pool = moto_pool(pool_id)
    group = pool.groups.get(group_name) if pool is not None else None
    if group is None:
        return
    for name in fields:
        setattr(group, *_GROUP_DEFAULTS[name])


def standard_attributes() -> tuple[str, ...]:
    """The standard attribute names of a Cognito user pool schema (sub, email, preferred_username ...)."""
    return tuple(CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)


def bulk_create_users(
    pool_id: str, users: list[tuple[str, str, list[dict[str, str]]]], status: str = "CONFIRMED"
) -> None:
    """Write (seeding for benches and tests): insert users straight into the pool, 100x faster than the
    API and without its checks, so also users Cognito could no longer create (a required attribute
    missing, say). ``status`` is a UserStatus value such as CONFIRMED or FORCE_CHANGE_PASSWORD.
    """
    pool = moto_pool(pool_id)
    if pool is None:
        raise KeyError(pool_id)
    for username, password, attributes in users:
        user = CognitoIdpUser(pool_id, username, password, UserStatus(status), attributes)
        pool.users[user.username] = user


def account_id() -> str:
    return DEFAULT_ACCOUNT_ID
