"""The sign-up → MFA → remembered-device walk-through as steps, without any terminal I/O.

``MfaSignUpScenario`` follows AWS's "sign up a user with a user pool that requires MFA" example through the
portal's gateway. Each method is one step: it announces every Cognito call it is about to make (through the
``announce`` callback), makes it, and returns what happened. ``cognito_scenario`` drives the steps and does
the talking; tests drive them directly. Codes come from the caller: typed by a person, or read from the
local outbox and computed with pyotp (``LocalCodes``) when the scenario runs unattended.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.cognito import errors, filters
from accounts.cognito.descriptions import PoolDescription
from accounts.cognito.idp import CognitoIdentityProvider
from accounts.cognito.outbox import read_local_outbox
from accounts.cognito.srp import DeviceSrpClient, new_device_verifier
from accounts.cognito.types import AuthTokens, Challenge, CognitoUser, DeliveryDetails, NewDevice
from accounts.totp import TOTP_PERIOD, otpauth_uri

Announce = Callable[[str, str], None]  # (Cognito call, why) just before the call is made


class ScenarioError(Exception):
    """Cognito answered in a way the walk-through cannot continue from; the message says why."""


@dataclass(frozen=True)
class SignUpOutcome:
    username: str
    user_sub: str
    confirmed: bool
    delivery: DeliveryDetails | None


@dataclass(frozen=True)
class MfaSetup:
    """The authenticator key and its ``otpauth://`` URI (both secret: show them only to the person)."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)


@dataclass(frozen=True)
class SignInOutcome:
    """A finished sign-in: the challenges Cognito asked on the way and whether it offered a new device."""

    challenges: tuple[str, ...]
    new_device: NewDevice | None
    used_totp: bool
    calls: tuple[str, ...]


@dataclass(frozen=True)
class RememberedDeviceOutcome:
    device_key: str
    device_name: str
    confirmation_needed: bool
    remembered: bool


@dataclass
class _Device:
    key: str
    group_key: str
    password: str = field(repr=False)


class MfaSignUpScenario:
    """The walk-through's state (username, password, TOTP key, device) and its steps."""

    def __init__(
        self, idp: CognitoIdentityProvider, *, announce: Announce | None = None, issuer: str
    ) -> None:
        self.idp = idp
        self.announce: Announce = announce or (lambda call, why: None)
        self.issuer = issuer
        self.username = ""
        self._password = ""
        self.email = ""
        self._challenge: Challenge | None = None
        self._setup_session: str | None = None
        self.tokens: AuthTokens | None = None
        self._device: _Device | None = None

    def _call(self, name: str, why: str, calls: list[str] | None = None) -> None:
        self.announce(name, why)
        if calls is not None:
            calls.append(name)

    def describe_pool(self) -> PoolDescription:
        self._call("DescribeUserPool", _("read the pool's MFA, device tracking and password rules"))
        return self.idp.describe_user_pool()

    # -- 1. sign up ---------------------------------------------------------------------------------------
    def sign_up(self, username: str, password: str, email: str) -> SignUpOutcome:
        self._call("SignUp", _("create the user %(username)r with an email address") % {"username": username})
        result = self.idp.sign_up(username, password, {"email": email})
        self.username, self._password, self.email = username, password, email
        return SignUpOutcome(username, result.user_sub, result.confirmed, result.delivery)

    # -- 2. confirm ----------------------------------------------------------------------------------------
    def confirm(self, code: str) -> None:
        """ConfirmSignUp; raises ``errors.CodeMismatch`` / ``errors.ExpiredCode`` for a bad code."""
        self._call("ConfirmSignUp", _("check the emailed code; the user becomes CONFIRMED"))
        self.idp.confirm_sign_up(self.username, code)

    def resend_code(self) -> DeliveryDetails | None:
        self._call("ResendConfirmationCode", _("send a fresh code (the old one stops working)"))
        return self.idp.resend_confirmation_code(self.username)

    # -- 3. list users -------------------------------------------------------------------------------------
    def list_users(self, limit: int = 10) -> list[CognitoUser]:
        self._call("ListUsers", _("show up to %(limit)d users of the pool") % {"limit": limit})
        return self.idp.list_users(limit=limit).items

    def find_user(self) -> list[CognitoUser]:
        """ListUsers filtered by the username (escaped like the staff search), for pools too big to scan."""
        self._call("ListUsers", _("look up %(username)r by name") % {"username": self.username})
        return self.idp.list_users(filter=filters.search_filter("username", self.username), limit=10).items

    def get_user(self) -> CognitoUser:
        self._call("AdminGetUser", _("read the user's status and MFA settings"))
        return self.idp.admin_get_user(self.username)

    # -- 4. first sign-in: MFA setup -----------------------------------------------------------------------
    def start_sign_in(
        self, *, device_key: str | None = None, calls: list[str] | None = None
    ) -> Challenge | None:
        """AdminInitiateAuth with the password; returns Cognito's challenge (None when it sent tokens)."""
        why = (
            _("sign in with the username, the password and the remembered device's key")
            if device_key
            else _("sign in with the username and password")
        )
        self._call("AdminInitiateAuth", why, calls)
        result = self.idp.admin_initiate_auth(self.username, self._password, device_key=device_key)
        if isinstance(result, AuthTokens):
            self.tokens, self._challenge = result, None
            return None
        self._challenge = result
        return result

    def begin_mfa_setup(self) -> MfaSetup:
        challenge = self._expect("MFA_SETUP")
        if "SOFTWARE_TOKEN_MFA" not in challenge.mfas_can_setup and challenge.mfas_can_setup:
            raise ScenarioError(
                _(
                    "The pool offers %(factors)s but not an authenticator app (SOFTWARE_TOKEN_MFA); "
                    "turn TOTP on for the pool."
                )
                % {"factors": ", ".join(challenge.mfas_can_setup)}
            )
        self._call("AssociateSoftwareToken", _("get a new authenticator key for this user"))
        setup = self.idp.associate_software_token(session=challenge.session)
        self._setup_session = setup.session
        return MfaSetup(setup.secret_code, otpauth_uri(setup.secret_code, self.username, self.issuer))

    def verify_totp(self, code: str) -> None:
        """VerifySoftwareToken; a wrong code raises ``errors.CodeMismatch`` and may be retried."""
        if not self._setup_session:
            raise ScenarioError(_("There is no authenticator set-up in progress."))
        self._call("VerifySoftwareToken", _("check a code from the authenticator: it becomes the user's MFA"))
        result = self.idp.verify_software_token(
            code, session=self._setup_session, friendly_name="cognito_scenario"
        )
        if not result.ok:
            raise errors.CodeMismatch("Cognito did not accept the code.", code="VerifySoftwareTokenError")
        self._setup_session = result.session

    def finish_mfa_setup(self) -> SignInOutcome:
        """Answer MFA_SETUP with the verify session: signed in after that single code."""
        if not self._setup_session:
            raise ScenarioError(_("Verify a code first."))
        calls: list[str] = []
        self._call("AdminRespondToAuthChallenge", _("answer MFA_SETUP with the verified session"), calls)
        result = self.idp.admin_respond_to_auth_challenge("MFA_SETUP", self._setup_session, self.username)
        self._setup_session = None
        return self._finished(result, ("MFA_SETUP",), used_totp=True, calls=calls)

    # -- 5. sign in with a TOTP code -----------------------------------------------------------------------
    def answer_totp(self, code: str, *, calls: list[str] | None = None) -> SignInOutcome:
        challenge = self._expect("SOFTWARE_TOKEN_MFA")
        calls = [] if calls is None else calls
        self._call("AdminRespondToAuthChallenge", _("answer SOFTWARE_TOKEN_MFA with the current code"), calls)
        result = self.idp.admin_respond_to_auth_challenge(
            "SOFTWARE_TOKEN_MFA",
            challenge.session,
            self._answer_username(challenge),
            {"SOFTWARE_TOKEN_MFA_CODE": code},
        )
        return self._finished(result, ("SOFTWARE_TOKEN_MFA",), used_totp=True, calls=calls)

    # -- 6. remember the device ----------------------------------------------------------------------------
    def remember_device(self, new_device: NewDevice, device_name: str) -> RememberedDeviceOutcome:
        if self.tokens is None:
            raise ScenarioError(_("Sign in first: ConfirmDevice needs the user's access token."))
        verifier = new_device_verifier(new_device.device_group_key, new_device.device_key)
        self._call(
            "ConfirmDevice", _("register the device with its SRP verifier (the device password stays here)")
        )
        needs_confirmation = self.idp.confirm_device(
            self.tokens.access_token,
            new_device.device_key,
            verifier=verifier.verifier_b64,
            salt=verifier.salt_b64,
            device_name=device_name,
        )
        if needs_confirmation:
            self._call("UpdateDeviceStatus", _("mark the device remembered (the pool asks users to opt in)"))
            self.idp.update_device_status(self.tokens.access_token, new_device.device_key, remembered=True)
        self._device = _Device(new_device.device_key, new_device.device_group_key, verifier.password)
        return RememberedDeviceOutcome(
            new_device.device_key, device_name, needs_confirmation, remembered=True
        )

    # -- 7. sign in from the remembered device -------------------------------------------------------------
    def sign_in_with_device(self) -> SignInOutcome:
        """Password + DEVICE_KEY, then device SRP: no authenticator code."""
        device = self._device
        if device is None:
            raise ScenarioError(_("Remember a device first."))
        calls: list[str] = []
        challenge = self.start_sign_in(device_key=device.key, calls=calls)
        seen: list[str] = []
        srp = DeviceSrpClient(device.key, device.group_key, device.password)
        while challenge is not None:
            seen.append(challenge.name)
            if challenge.name == "DEVICE_SRP_AUTH":
                self._call(
                    "AdminRespondToAuthChallenge",
                    _("answer DEVICE_SRP_AUTH with the device key and SRP_A"),
                    calls,
                )
                result = self.idp.admin_respond_to_auth_challenge(
                    "DEVICE_SRP_AUTH",
                    challenge.session,
                    self._answer_username(challenge),
                    {"DEVICE_KEY": device.key, "SRP_A": srp.srp_a},
                )
            elif challenge.name == "DEVICE_PASSWORD_VERIFIER":
                self._call(
                    "AdminRespondToAuthChallenge",
                    _("answer DEVICE_PASSWORD_VERIFIER with the proof of the device password"),
                    calls,
                )
                result = self.idp.admin_respond_to_auth_challenge(
                    "DEVICE_PASSWORD_VERIFIER",
                    challenge.session,
                    self._answer_username(challenge),
                    srp.password_verifier_responses(challenge.parameters),
                )
            else:
                raise ScenarioError(
                    _(
                        "Cognito asked for %(challenge)s instead of the device challenge: the device is not "
                        "remembered, or the pool does not let remembered devices skip MFA."
                    )
                    % {"challenge": challenge.name}
                )
            if isinstance(result, AuthTokens):
                self.tokens = result
                self._challenge = None
                break
            challenge = result
        else:
            raise ScenarioError(_("Cognito signed in without asking for the device: is device tracking on?"))
        return SignInOutcome(tuple(seen), self.tokens.new_device, used_totp=False, calls=tuple(calls))

    # -- helpers ------------------------------------------------------------------------------------------
    @property
    def password(self) -> str:
        return self._password

    def _expect(self, name: str) -> Challenge:
        challenge = self._challenge
        if challenge is None:
            raise ScenarioError(
                _(
                    "Cognito signed in straight away, without the %(challenge)s challenge this step needs: "
                    "the pool does not require MFA (its MfaConfiguration is not ON)."
                )
                % {"challenge": name}
            )
        if challenge.name != name:
            raise ScenarioError(
                _("Cognito asked for %(asked)s, not %(expected)s.")
                % {"asked": challenge.name, "expected": name}
            )
        return challenge

    def _answer_username(self, challenge: Challenge) -> str:
        # The answer (and its SECRET_HASH) must use the name Cognito put in the challenge when it gave one.
        return challenge.parameters.get("USERNAME") or self.username

    def _finished(
        self, result, challenges: tuple[str, ...], *, used_totp: bool, calls: list[str]
    ) -> SignInOutcome:
        if not isinstance(result, AuthTokens):
            self._challenge = result
            raise ScenarioError(
                _("Cognito asked for another step, %(next)s, after %(last)s.")
                % {"next": result.name, "last": challenges[-1]}
            )
        self.tokens, self._challenge = result, None
        return SignInOutcome(challenges, result.new_device, used_totp=used_totp, calls=tuple(calls))


# -- unattended runs against a local Cognito ---------------------------------------------------------------
def generated_identity() -> tuple[str, str, str]:
    """A fresh username, email and a password that meets any reasonable policy (for unattended runs)."""
    username = f"scenario-{secrets.token_hex(4)}"
    password = f"Sc3n-{secrets.token_urlsafe(12)}!x"
    return username, f"{username}@example.com", password


class LocalCodes:
    """Codes without a person: the emailed code from localcognito's outbox, TOTP codes from pyotp."""

    def __init__(self, endpoint_url: str, pool_id: str) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.pool_id = pool_id
        self._totp_secret = ""

    def outbox(self) -> list[dict]:
        try:
            return read_local_outbox(self.endpoint_url)
        except OSError as exc:
            raise errors.CognitoUnavailable(
                f"Could not read the local outbox at {self.endpoint_url}/_local/outbox: {exc}",
                code="LocalOutboxUnavailable",
            ) from exc

    def emailed_code(self, username: str, kind: str = "signup") -> str:
        for message in reversed(self.outbox()):
            if (
                message.get("username") == username
                and message.get("kind") == kind
                and message.get("pool_id", self.pool_id) == self.pool_id
                and message.get("code")
            ):
                return str(message["code"])
        raise ScenarioError(
            _("No %(kind)s code for %(username)r in the local outbox.") % {"kind": kind, "username": username}
        )

    def use_totp_secret(self, secret: str) -> None:
        self._totp_secret = secret

    def totp_code(self, *, step: int = 0) -> str:
        """The code for this window (``step=1``: the next one, which Cognito also accepts)."""
        import pyotp

        if not self._totp_secret:
            raise ScenarioError(_("No authenticator key yet."))
        return pyotp.TOTP(self._totp_secret).at(time.time() + TOTP_PERIOD * step)
