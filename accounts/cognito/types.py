"""Typed results of Cognito calls: what the rest of the portal sees instead of raw boto3 dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class DeliveryDetails:
    """Where Cognito sent a code (the destination is masked, e.g. ``a***@e***``)."""

    destination: str
    medium: str
    attribute: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> DeliveryDetails | None:
        if not data:
            return None
        return cls(
            destination=data.get("Destination", ""),
            medium=data.get("DeliveryMedium", ""),
            attribute=data.get("AttributeName", ""),
        )


@dataclass(frozen=True)
class NewDevice:
    """``NewDeviceMetadata`` of a final AuthenticationResult: a device Cognito has just started tracking."""

    device_key: str
    device_group_key: str


@dataclass(frozen=True)
class AuthTokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105
    new_device: NewDevice | None = None

    @classmethod
    def from_api(cls, result: Mapping[str, Any]) -> AuthTokens:
        device = result.get("NewDeviceMetadata")
        return cls(
            access_token=result["AccessToken"],
            id_token=result["IdToken"],
            refresh_token=result.get("RefreshToken"),
            expires_in=int(result.get("ExpiresIn", 3600)),
            token_type=result.get("TokenType", "Bearer"),
            new_device=NewDevice(device["DeviceKey"], device["DeviceGroupKey"]) if device else None,
        )

    def __repr__(self) -> str:  # never show tokens in logs or tracebacks
        return f"AuthTokens(expires_in={self.expires_in}, new_device={self.new_device!r})"


@dataclass(frozen=True)
class Challenge:
    """A sign-in step Cognito asks for next; ``session`` must be passed back unchanged."""

    name: str
    session: str
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def username(self) -> str | None:
        """The username Cognito wants in the answer (after SRP this is USER_ID_FOR_SRP)."""
        return self.parameters.get("USERNAME") or self.parameters.get("USER_ID_FOR_SRP")

    @property
    def mfas_can_setup(self) -> list[str]:
        """MFAS_CAN_SETUP is a JSON list in Cognito; parse leniently (moto sends a Python repr)."""
        raw = self.parameters.get("MFAS_CAN_SETUP", "")
        try:
            value = json.loads(raw)
        except ValueError:
            value = [item.strip(" '\"") for item in raw.strip("[]").split(",") if item.strip(" '\"")]
        return [str(item) for item in value] if isinstance(value, list) else []

    def json_parameter(self, name: str) -> Any:
        """A challenge parameter that Cognito encodes as JSON text (requiredAttributes, userAttributes)."""
        try:
            return json.loads(self.parameters.get(name) or "null")
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"Challenge(name={self.name!r})"


AuthResult = AuthTokens | Challenge


def attributes_to_dict(attributes: list[Mapping[str, str]] | None) -> dict[str, str]:
    return {item["Name"]: item.get("Value", "") for item in attributes or []}


@dataclass(frozen=True)
class CognitoUser:
    username: str
    status: str
    enabled: bool
    attributes: dict[str, str]
    created: datetime | None = None
    modified: datetime | None = None
    mfa_settings: tuple[str, ...] = ()
    preferred_mfa: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CognitoUser:
        """Build from a ``UserType`` (ListUsers, AdminCreateUser) or an AdminGetUser/GetUser response."""
        return cls(
            username=data["Username"],
            status=data.get("UserStatus", ""),
            enabled=bool(data.get("Enabled", True)),
            attributes=attributes_to_dict(data.get("Attributes", data.get("UserAttributes"))),
            created=data.get("UserCreateDate"),
            modified=data.get("UserLastModifiedDate"),
            mfa_settings=tuple(data.get("UserMFASettingList") or ()),
            preferred_mfa=data.get("PreferredMfaSetting") or "",
        )

    @property
    def sub(self) -> str:
        return self.attributes.get("sub", "")

    @property
    def email(self) -> str:
        return self.attributes.get("email", "")

    @property
    def email_verified(self) -> bool:
        return self.attributes.get("email_verified", "").lower() == "true"

    @property
    def totp_enabled(self) -> bool:
        return "SOFTWARE_TOKEN_MFA" in self.mfa_settings


@dataclass(frozen=True)
class Device:
    key: str
    attributes: dict[str, str]
    created: datetime | None = None
    modified: datetime | None = None
    last_authenticated: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Device:
        return cls(
            key=data["DeviceKey"],
            attributes=attributes_to_dict(data.get("DeviceAttributes")),
            created=data.get("DeviceCreateDate"),
            modified=data.get("DeviceLastModifiedDate"),
            last_authenticated=data.get("DeviceLastAuthenticatedDate"),
        )

    @property
    def name(self) -> str:
        return self.attributes.get("device_name", "")

    @property
    def last_ip(self) -> str:
        return self.attributes.get("last_ip_used", "")

    @property
    def remembered(self) -> bool | None:
        """Remembered status; only the admin calls report it (None when unknown)."""
        status = self.attributes.get("dev:device_remembered_status")
        return None if status is None else status == "remembered"


@dataclass(frozen=True)
class Group:
    """A ``GroupType`` (ListGroups, GetGroup, CreateGroup …); dates are aware datetimes when sent."""

    name: str
    description: str = ""
    precedence: int | None = None
    role_arn: str = ""
    created: datetime | None = None
    modified: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Group:
        return cls(
            data["GroupName"],
            data.get("Description", ""),
            data.get("Precedence"),
            data.get("RoleArn", ""),
            data.get("CreationDate"),
            data.get("LastModifiedDate"),
        )


@dataclass(frozen=True)
class AuthEvent:
    """One ``AuthEventType`` of AdminListUserAuthEvents (pools with threat protection only).

    ``event_type`` is SignIn, SignUp, ForgotPassword, PasswordChange or ResendCode; ``response`` is Pass,
    Fail or InProgress; ``risk_decision`` NoRisk, AccountTakeover or Block and ``risk_level`` Low, Medium or
    High (empty when Cognito assessed none); ``challenges`` pairs a challenge (Password, Mfa) with its result
    (Success, Failure); ``context`` holds what Cognito knew of the client (IpAddress, DeviceName, City,
    Country, Timezone), each only where present. ``created`` is an aware datetime.
    """

    event_id: str
    event_type: str
    created: datetime | None
    response: str = ""
    risk_decision: str = ""
    risk_level: str = ""
    compromised_credentials: bool = False
    challenges: tuple[tuple[str, str], ...] = ()
    context: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> AuthEvent:
        risk = data.get("EventRisk") or {}
        return cls(
            event_id=data.get("EventId", ""),
            event_type=data.get("EventType", ""),
            created=data.get("CreationDate"),
            response=data.get("EventResponse", ""),
            risk_decision=risk.get("RiskDecision", ""),
            risk_level=risk.get("RiskLevel", ""),
            compromised_credentials=bool(risk.get("CompromisedCredentialsDetected", False)),
            challenges=tuple(
                (item.get("ChallengeName", ""), item.get("ChallengeResponse", ""))
                for item in data.get("ChallengeResponses") or ()
            ),
            context={k: str(v) for k, v in (data.get("EventContextData") or {}).items() if v},
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; ``next_token`` is None on the last page."""

    items: list[T]
    next_token: str | None = None


@dataclass(frozen=True)
class SignUpResult:
    user_sub: str
    confirmed: bool
    delivery: DeliveryDetails | None


@dataclass(frozen=True)
class SoftwareTokenSetup:
    secret_code: str
    session: str | None

    def __repr__(self) -> str:
        return "SoftwareTokenSetup(secret_code=***)"


@dataclass(frozen=True)
class VerifyResult:
    status: str
    session: str | None

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"
