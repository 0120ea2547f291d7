"""Transport-independent state and helpers shared by every localcognito operation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import identity, moto_tokens
from . import moto_adapter as moto
from .errors import CognitoError, invalid, not_authorized, not_found, user_not_found
from .outbox import Outbox
from .wire import MotoWire

SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "
PASSWORD_PATTERN = re.compile(r"[\S]+.*[\S]+")


@dataclass
class Settings:
    """Durations and limits; tests shrink them instead of sleeping."""

    # Seconds a challenge Session lives; None: the app client's AuthSessionValidity (3-15 minutes).
    session_ttl: float | None = None
    signup_code_ttl: float = 24 * 3600.0
    reset_code_ttl: float = 3600.0
    max_code_attempts: int = 5
    max_mfa_attempts: int = 5
    code_sends_per_hour: int = 5


@dataclass
class Code:
    value: str
    expires: float
    attempts: int = 0


@dataclass
class Totp:
    secret: str | None = None  # verified secret
    pending: str | None = None  # associated, not yet verified
    enabled: bool = False
    last_counter: int = -1


@dataclass
class Device:
    key: str
    group_key: str
    pool_id: str
    sub: str
    created: float
    name: str = ""
    verifier: int | None = None
    salt: bytes | None = None
    confirmed: bool = False
    remembered: bool = False
    modified: float = 0.0
    last_auth: float = 0.0
    last_ip: str = ""


@dataclass
class AuthSession:
    id: str
    pool_id: str
    client_id: str
    username: str
    sub: str
    challenge: str
    expires: float
    ip: str = ""
    device_key: str | None = None
    device_resolved: bool = False
    device_done: bool = False
    mfa_done: bool = False
    verified: bool = False
    pending_secret: str | None = None
    srp: Any = None
    fake: bool = False
    mfa_failures: int = 0


@dataclass
class Request:
    operation: str
    body: dict[str, Any]
    region: str
    ip: str


@dataclass
class State:
    """localcognito's own state beside moto's store: codes, TOTP, devices, sessions, pending values."""

    signup_codes: dict[str, Code] = field(default_factory=dict)
    reset_codes: dict[str, Code] = field(default_factory=dict)
    sends: dict[str, list[float]] = field(default_factory=dict)
    totp: dict[str, Totp] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    sessions: dict[str, AuthSession] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    # "<sub>:<attribute>" -> the code sent by (Get)UserAttributeVerificationCode / UpdateUserAttributes.
    attribute_codes: dict[str, Code] = field(default_factory=dict)
    # sub -> {attribute: new value} held back until verified (AttributesRequireVerificationBeforeUpdate).
    pending_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    # sub -> AuthEventType dicts, oldest first (events.py: logged per sign-in, AdminListUserAuthEvents)
    sign_in_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # refresh token -> (sub, app client id, when: epoch seconds); a token works for that sub only.
    refresh_issued: dict[str, tuple[str, str, float]] = field(default_factory=dict)

    def forget_user(self, sub: str) -> None:
        """Drop everything kept about a deleted user (codes, TOTP, devices, pending values, tokens)."""
        for store in (self.signup_codes, self.reset_codes, self.totp, self.pending_attributes):
            store.pop(sub, None)
        for token in [t for t, record in self.refresh_issued.items() if record[0] == sub]:
            del self.refresh_issued[token]
            self.revoked.discard(token)
        for key in [k for k in self.attribute_codes if k.startswith(sub + ":")]:
            del self.attribute_codes[key]
        for key in [k for k, d in self.devices.items() if d.sub == sub]:
            del self.devices[key]
        self.sign_in_events.pop(sub, None)


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.standard_b64encode(digest).decode()


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***"


def password_problems(policy: dict[str, Any], password: str) -> list[str]:
    """The rules of a Cognito password policy this password breaks (empty when it is fine)."""
    problems = []
    if len(password) < int(policy.get("MinimumLength", 8)):
        problems.append("Password not long enough")
    if policy.get("RequireUppercase", True) and not re.search(r"[A-Z]", password):
        problems.append("Password must have uppercase characters")
    if policy.get("RequireLowercase", True) and not re.search(r"[a-z]", password):
        problems.append("Password must have lowercase characters")
    if policy.get("RequireNumbers", True) and not re.search(r"\d", password):
        problems.append("Password must have numeric characters")
    if policy.get("RequireSymbols", True) and not any(c in SYMBOLS for c in password):
        problems.append("Password must have symbol characters")
    return problems


def temporary_password(policy: dict[str, Any]) -> str:
    """A random password that satisfies any Cognito policy."""
    length = max(int(policy.get("MinimumLength", 8)), 12)
    core = secrets.token_urlsafe(length)[: length - 4]
    return (
        core
        + secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
        + secrets.choice("abcdefghijkmnopqrstuvwxyz")
        + (secrets.choice("23456789") + secrets.choice("!#%&*+=?@^"))
    )


class Ext:
    """Extension state next to moto's store, plus the helpers every operation needs."""

    def __init__(self, wire: MotoWire, settings: Settings | None = None) -> None:
        self.wire = wire
        self.settings = settings or Settings()
        self.clock: Callable[[], float] = time.time
        self.outbox = Outbox()
        self.lock = threading.RLock()
        self.state = State()

    def reset(self) -> None:
        with self.lock:
            self.state = State()
            self.outbox.clear()

    def now(self) -> float:
        return self.clock()

    # ---- moto lookups --------------------------------------------------------------------------
    def client(self, client_id: Any) -> moto.ClientInfo:
        info = moto.client_info(client_id) if isinstance(client_id, str) and client_id else None
        if info is None:
            raise not_found(f"User pool client {client_id} does not exist.")
        return info

    def pool(self, pool_id: Any) -> moto.PoolInfo:
        info = moto.pool_info(pool_id) if isinstance(pool_id, str) and pool_id else None
        if info is None:
            raise not_found(f"User pool {pool_id} does not exist.")
        return info

    def admin_client(self, body: dict[str, Any]) -> moto.ClientInfo:
        pool = self.pool(body.get("UserPoolId"))
        client = self.client(body.get("ClientId"))
        if client.pool_id != pool.pool_id:
            raise not_found(f"User pool client {client.client_id} does not exist.")
        return client

    def user(self, pool_id: str, username: Any) -> moto.UserInfo | None:
        """The user a Username parameter names: username, email/phone, verified alias or sub (identity)."""
        if not isinstance(username, str) or not username:
            return None
        exact = moto.user_info(pool_id, username)  # the common case: the canonical username
        if exact is not None:
            return exact
        pool = moto.pool_info(pool_id)
        return identity.resolve(pool, username) if pool is not None else None

    def admin_user(self, body: dict[str, Any]) -> moto.UserInfo:
        pool = self.pool(body.get("UserPoolId"))
        user = self.user(pool.pool_id, body.get("Username"))
        if user is None:
            raise user_not_found()
        return user

    def token_user(self, access_token: Any) -> moto.UserInfo:
        """The live user an AccessToken parameter belongs to (its ``sub``): NotAuthorizedException for an
        unknown, signed-out, expired or deleted user's token, or a disabled user."""
        user = moto_tokens.access_token_owner(access_token) if isinstance(access_token, str) else None
        if user is None:
            raise not_authorized("Invalid Access Token")
        if float(moto_tokens.token_claims(access_token).get("exp") or 0) <= self.now():
            raise not_authorized("Access Token has expired")
        if not user.enabled:
            raise not_authorized("User is disabled.")
        return user

    def call(self, operation: str, pool_id: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.wire.call(operation, pool_id.split("_", 1)[0], params)

    # ---- checks --------------------------------------------------------------------------------
    @staticmethod
    def check_secret_hash(client: moto.ClientInfo, usernames: list[str], given: Any) -> None:
        """Cognito's SECRET_HASH rule for clients with a secret; any of the user's names may be hashed."""
        if client.secret is None:
            return
        if not given:
            raise not_authorized(
                f"Client {client.client_id} is configured for secret but secret was not received"
            )
        for name in usernames:
            if name and hmac.compare_digest(secret_hash(client.secret, name, client.client_id), str(given)):
                return
        raise not_authorized(f"Unable to verify secret hash for client {client.client_id}")

    def rate_limit(self, key: str) -> None:
        """Cognito's per-user limit on code e-mails (ResendConfirmationCode, ForgotPassword)."""
        now = self.now()
        recent = [t for t in self.state.sends.get(key, []) if now - t < 3600]
        if len(recent) >= self.settings.code_sends_per_hour:
            self.state.sends[key] = recent
            raise CognitoError(
                "LimitExceededException", "Attempt limit exceeded, please try after some time."
            )
        recent.append(now)
        self.state.sends[key] = recent

    def new_code(self, store: dict[str, Code], key: str, ttl: float) -> str:
        value = f"{secrets.randbelow(1_000_000):06d}"
        store[key] = Code(value, self.now() + ttl)
        return value

    def check_code(self, store: dict[str, Code], key: str, given: Any, *, consume: bool = True) -> None:
        """Raise the Cognito error for a wrong, expired or over-tried code; consume it when right.

        ``consume=False`` leaves a right code in place (for a step that may still fail, such as an
        AliasExistsException that the caller answers by retrying with ForceAliasCreation).
        """
        code = store.get(key)
        if code is None or code.expires <= self.now():
            store.pop(key, None)
            raise CognitoError("ExpiredCodeException", "Invalid code provided, please request a code again.")
        if code.attempts >= self.settings.max_code_attempts:
            raise CognitoError(
                "TooManyFailedAttemptsException", "Too many failed attempts, request a new code."
            )
        if not isinstance(given, str) or not hmac.compare_digest(code.value, given.strip()):
            code.attempts += 1
            if code.attempts >= self.settings.max_code_attempts:
                raise CognitoError(
                    "TooManyFailedAttemptsException", "Too many failed attempts, request a new code."
                )
            raise CognitoError(
                "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        if consume:
            del store[key]

    def check_password_policy(self, pool_id: str, password: Any, field: str = "password") -> None:
        """The password pattern of the API model, then the pool's policy (InvalidPasswordException)."""
        if not isinstance(password, str) or not password:
            raise invalid(f"Missing required parameter {field[:1].upper() + field[1:]}")
        if not PASSWORD_PATTERN.fullmatch(password):
            # The API reference gives every password member the pattern ^[\S]+.*[\S]+$: blanks may sit
            # inside a password (the policy counts a space as a symbol), never at either end.
            raise invalid(
                f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
            )
        problems = password_problems(self.pool(pool_id).password_policy, password)
        if problems:
            raise CognitoError(
                "InvalidPasswordException", "Password does not conform to policy: " + problems[0]
            )

    def totp(self, sub: str) -> Totp:
        return self.state.totp.setdefault(sub, Totp())

    def new_session_id(self) -> str:
        # Real sessions are long opaque strings; length only matters to clients that validate it (20-4096).
        return secrets.token_urlsafe(192)

    def put_session(self, session: AuthSession, challenge: str) -> str:
        self.state.sessions.pop(session.id, None)
        session.id = self.new_session_id()
        session.challenge = challenge
        session.expires = self.now() + self.session_ttl(session.client_id)
        self.state.sessions[session.id] = session
        return session.id

    def session_ttl(self, client_id: str) -> float:
        """Seconds a challenge Session of this app client lives (its AuthSessionValidity, in minutes)."""
        if self.settings.session_ttl is not None:
            return self.settings.session_ttl
        info = moto.client_info(client_id)
        return 60.0 * (info.auth_session_minutes if info else 3)

    def purge_sessions(self) -> None:
        now = self.now()
        for key in [k for k, s in self.state.sessions.items() if s.expires <= now - 3600]:
            del self.state.sessions[key]

    def get_session(self, session_id: Any) -> AuthSession:
        session = self.state.sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None:
            raise not_authorized("Invalid session for the user.")
        if session.expires <= self.now():
            del self.state.sessions[session.id]
            raise not_authorized("Invalid session for the user, session is expired.")
        return session
