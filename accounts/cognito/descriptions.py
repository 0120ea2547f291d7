"""What DescribeUserPool and DescribeUserPoolClient say about the pool and the app client, typed.

The portal reads both once per ``POOL_CACHE_SECONDS`` (``accounts.cognito.pool_description()`` and
``client_description()``) and decides identity rules, forms and lifetimes from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PasswordPolicy:
    minimum_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> PasswordPolicy:
        data = data or {}
        return cls(
            minimum_length=int(data.get("MinimumLength", 8)),
            require_uppercase=bool(data.get("RequireUppercase", False)),
            require_lowercase=bool(data.get("RequireLowercase", False)),
            require_numbers=bool(data.get("RequireNumbers", False)),
            require_symbols=bool(data.get("RequireSymbols", False)),
        )


@dataclass(frozen=True)
class SchemaAttribute:
    """One attribute of the pool's schema (DescribeUserPool ``SchemaAttributes``).

    ``name`` is the full Cognito name (``email``, ``custom:team``); ``custom`` is True for ``custom:``
    attributes; ``developer_only`` ones (``dev:``) can be written by administrators only.
    """

    name: str
    data_type: str = "String"
    required: bool = False
    mutable: bool = True
    developer_only: bool = False
    min_length: int | None = None
    max_length: int | None = None

    @property
    def custom(self) -> bool:
        return self.name.startswith("custom:")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SchemaAttribute:
        constraints = data.get("StringAttributeConstraints") or {}

        def number(value: Any) -> int | None:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None

        return cls(
            name=data.get("Name", ""),
            data_type=data.get("AttributeDataType", "String"),
            required=bool(data.get("Required", False)),
            mutable=bool(data.get("Mutable", True)),
            developer_only=bool(data.get("DeveloperOnlyAttribute", False)),
            min_length=number(constraints.get("MinLength")),
            max_length=number(constraints.get("MaxLength")),
        )


# How people sign in to a pool, from its UsernameAttributes / AliasAttributes (DESIGN §8).
SIGN_IN_USERNAME = "username"  # the username only
SIGN_IN_ALIASES = "username+aliases"  # the username, or a verified email / preferred_username alias
SIGN_IN_EMAIL = "email"  # the email address is the sign-in name (the username is a generated id)
SIGN_IN_PHONE = "phone_number"  # the phone number is the sign-in name


@dataclass(frozen=True)
class PoolDescription:
    """The parts of DescribeUserPool the portal uses (cached per process, see ``pool_description()``).

    Identity (DESIGN §8): ``username_attributes`` (``email``/``phone_number`` used *as* the username; the
    real username is then a generated UUID), ``alias_attributes`` (``email``, ``phone_number``,
    ``preferred_username`` accepted *instead of* the username once verified) and ``case_sensitive``
    (``UsernameConfiguration.CaseSensitive``; pools created before that setting existed have no
    ``UsernameConfiguration`` and are case-sensitive).
    """

    pool_id: str
    name: str
    mfa_configuration: str
    estimated_users: int
    password_policy: PasswordPolicy
    device_tracking: bool
    device_remembered_on_prompt: bool
    auto_verified_attributes: tuple[str, ...] = ()
    username_attributes: tuple[str, ...] = ()
    alias_attributes: tuple[str, ...] = ()
    case_sensitive: bool = True
    schema: tuple[SchemaAttribute, ...] = ()
    recovery_mechanisms: tuple[str, ...] = ()
    admin_create_user_only: bool = False
    device_challenge_required: bool = False
    # UserAttributeUpdateSettings: email / phone_number whose new value waits for the user's code.
    attributes_require_verification_before_update: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, pool: Mapping[str, Any]) -> PoolDescription:
        devices = pool.get("DeviceConfiguration") or {}
        username_configuration = pool.get("UsernameConfiguration")
        recovery = (pool.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
        return cls(
            pool_id=pool.get("Id", ""),
            name=pool.get("Name", ""),
            mfa_configuration=pool.get("MfaConfiguration", "OFF"),
            estimated_users=int(pool.get("EstimatedNumberOfUsers", 0)),
            password_policy=PasswordPolicy.from_api((pool.get("Policies") or {}).get("PasswordPolicy")),
            device_tracking=bool(pool.get("DeviceConfiguration")),
            device_remembered_on_prompt=bool(devices.get("DeviceOnlyRememberedOnUserPrompt", False)),
            auto_verified_attributes=tuple(pool.get("AutoVerifiedAttributes") or ()),
            username_attributes=tuple(pool.get("UsernameAttributes") or ()),
            alias_attributes=tuple(pool.get("AliasAttributes") or ()),
            case_sensitive=bool((username_configuration or {}).get("CaseSensitive", True)),
            schema=tuple(SchemaAttribute.from_api(a) for a in pool.get("SchemaAttributes") or ()),
            recovery_mechanisms=tuple(
                item.get("Name", "")
                for item in sorted(recovery, key=lambda item: int(item.get("Priority") or 0))
            ),
            admin_create_user_only=bool(
                (pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly", False)
            ),
            device_challenge_required=bool(devices.get("ChallengeRequiredOnNewDevice", False)),
            attributes_require_verification_before_update=tuple(
                (pool.get("UserAttributeUpdateSettings") or {}).get(
                    "AttributesRequireVerificationBeforeUpdate"
                )
                or ()
            ),
        )

    @property
    def sign_in(self) -> str:
        """``SIGN_IN_EMAIL``, ``SIGN_IN_PHONE``, ``SIGN_IN_ALIASES`` or ``SIGN_IN_USERNAME``."""
        if "email" in self.username_attributes:
            return SIGN_IN_EMAIL
        if "phone_number" in self.username_attributes:
            return SIGN_IN_PHONE
        if self.alias_attributes:
            return SIGN_IN_ALIASES
        return SIGN_IN_USERNAME

    @property
    def sign_in_attributes(self) -> tuple[str, ...]:
        """The attributes besides the username that a person may type to sign in."""
        return self.username_attributes or self.alias_attributes

    @property
    def required_attributes(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.schema if a.required)

    def attribute(self, name: str) -> SchemaAttribute | None:
        return next((a for a in self.schema if a.name == name), None)


_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


@dataclass(frozen=True)
class ClientDescription:
    """The parts of DescribeUserPoolClient the portal uses (never the client secret).

    Durations are in seconds: ``auth_session_seconds`` (how long a challenge Session lives, 3-15
    minutes), ``access_token_seconds``, ``id_token_seconds``, ``refresh_token_seconds``.
    """

    client_id: str
    auth_session_seconds: int = 180
    access_token_seconds: int = 3600
    id_token_seconds: int = 3600
    refresh_token_seconds: int = 30 * 86400
    explicit_auth_flows: tuple[str, ...] = ()
    prevent_user_existence_errors: bool = False
    token_revocation: bool = True
    read_attributes: tuple[str, ...] = ()
    write_attributes: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, client: Mapping[str, Any]) -> ClientDescription:
        units = client.get("TokenValidityUnits") or {}

        def seconds(value: Any, unit: str, default: int) -> int:
            if value in (None, ""):
                return default
            return int(value) * _SECONDS.get(unit, 1)

        return cls(
            client_id=client.get("ClientId", ""),
            auth_session_seconds=int(client.get("AuthSessionValidity") or 3) * 60,
            access_token_seconds=seconds(
                client.get("AccessTokenValidity"), units.get("AccessToken", "hours"), 3600
            ),
            id_token_seconds=seconds(client.get("IdTokenValidity"), units.get("IdToken", "hours"), 3600),
            refresh_token_seconds=seconds(
                client.get("RefreshTokenValidity"), units.get("RefreshToken", "days"), 30 * 86400
            ),
            explicit_auth_flows=tuple(client.get("ExplicitAuthFlows") or ()),
            prevent_user_existence_errors=client.get("PreventUserExistenceErrors") == "ENABLED",
            token_revocation=bool(client.get("EnableTokenRevocation", True)),
            read_attributes=tuple(client.get("ReadAttributes") or ()),
            write_attributes=tuple(client.get("WriteAttributes") or ()),
        )
