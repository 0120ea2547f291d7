"""The sign-in operations: (Admin)InitiateAuth and (Admin)RespondToAuthChallenge.

Which auth flows an app client may use, the checks of a first factor (password or SRP), and the check of
each challenge answer; the pending sessions and the choice of each next step are ``auth_steps``'.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from . import moto_adapter as moto
from . import srp
from .attributes import set_at_new_password
from .auth_steps import INCORRECT, SignInSteps
from .core import AuthSession
from .errors import CognitoError, device_not_found, invalid, not_authorized, user_not_found
from .mfa import check_code
from .refresh import refresh_tokens

FLOW_PERMISSION = {
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
}
LEGACY_PERMISSION = {"ALLOW_ADMIN_USER_PASSWORD_AUTH": "ADMIN_NO_SRP_AUTH"}
ADMIN_FLOWS = {
    "ADMIN_USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "USER_SRP_AUTH",
    "REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN",
}
USER_FLOWS = {"USER_PASSWORD_AUTH", "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}


def _flow_allowed(client: moto.ClientInfo, flow: str) -> bool:
    permission = FLOW_PERMISSION[flow]
    legacy = LEGACY_PERMISSION.get(permission, permission.removeprefix("ALLOW_"))
    return permission in client.auth_flows or legacy in client.auth_flows


def _login_checks(client: moto.ClientInfo, user: moto.UserInfo | None, password_ok: bool) -> moto.UserInfo:
    if user is None:
        if client.prevent_user_existence_errors:
            raise not_authorized(INCORRECT)
        raise user_not_found()
    if not user.enabled:
        raise not_authorized("User is disabled.")
    if not password_ok:
        raise not_authorized(INCORRECT)
    if user.status == "UNCONFIRMED":
        raise CognitoError("UserNotConfirmedException", "User is not confirmed.")
    if user.status == "RESET_REQUIRED":
        raise CognitoError("PasswordResetRequiredException", "Password reset required for the user")
    return user


class SignIn(SignInSteps):
    """The sign-in operations of one request: their entry points and the check of each challenge answer."""

    # ---- entry points --------------------------------------------------------------------------
    def initiate(self, admin: bool) -> dict[str, Any]:
        b = self.req.body
        client = self.ext.admin_client(b) if admin else self.ext.client(b.get("ClientId"))
        flow = b.get("AuthFlow")
        params = b.get("AuthParameters") or {}
        if flow not in (ADMIN_FLOWS if admin else USER_FLOWS):
            raise invalid(f"Initiate Auth method not supported: {flow}")
        if not _flow_allowed(client, flow):
            raise invalid(f"{flow} flow not enabled for this client")
        self.ext.purge_sessions()
        if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            return refresh_tokens(self.ext, client, params)
        username = params.get("USERNAME")
        if not isinstance(username, str) or not username:
            raise invalid("Missing required parameter USERNAME")
        self.ext.check_secret_hash(client, [username], params.get("SECRET_HASH"))
        user = self.ext.user(client.pool_id, username)
        if flow == "USER_SRP_AUTH":
            return self.srp_start(client, user, params)
        password = params.get("PASSWORD")
        if not isinstance(password, str) or not password:
            raise invalid("Missing required parameter PASSWORD")
        user = _login_checks(client, user, user is not None and user.password == password)
        session = self.new_session(client, user, params.get("DEVICE_KEY"))
        return self.first_factor_done(session, user)

    def respond(self, admin: bool) -> dict[str, Any]:
        b = self.req.body
        client = self.ext.admin_client(b) if admin else self.ext.client(b.get("ClientId"))
        name = b.get("ChallengeName")
        answers = b.get("ChallengeResponses") or {}
        session = self.find_session(client, b.get("Session"), name, answers)
        if session.client_id != client.client_id:
            raise not_authorized("Invalid session for the user.")
        username = answers.get("USERNAME")
        if not isinstance(username, str) or not username:
            raise invalid("Missing required parameter USERNAME")
        self.ext.check_secret_hash(client, [username], answers.get("SECRET_HASH"))
        if name != session.challenge:
            raise invalid(f"Invalid challenge name {name}: this session expects {session.challenge}.")
        if session.fake:
            self.drop(session)
            raise not_authorized(INCORRECT)
        if not self.answers_as_user(session, username):
            raise not_authorized(INCORRECT)
        handler = {
            "PASSWORD_VERIFIER": self.password_verifier,
            "NEW_PASSWORD_REQUIRED": self.new_password_required,
            "SOFTWARE_TOKEN_MFA": self.software_token_mfa,
            "MFA_SETUP": self.mfa_setup,
            "DEVICE_SRP_AUTH": self.device_srp_auth,
            "DEVICE_PASSWORD_VERIFIER": self.device_password_verifier,
        }[name]
        return handler(client, session, answers)

    # ---- flows and challenges ------------------------------------------------------------------
    def srp_start(
        self, client: moto.ClientInfo, user: moto.UserInfo | None, params: dict[str, Any]
    ) -> dict[str, Any]:
        srp_a = params.get("SRP_A")
        if not isinstance(srp_a, str) or not srp_a:
            raise invalid("Missing required parameter SRP_A")
        pool_part = client.pool_id.split("_", 1)[1]
        salt = srp.new_salt()
        if user is None:
            if not client.prevent_user_existence_errors:
                raise user_not_found()
            # Hide non-existence: a plausible challenge whose answer can never be right.
            user = moto.UserInfo(client.pool_id, str(uuid.uuid4()), "", "CONFIRMED", True, None, {})
            user_part, v, fake = user.username, secrets.randbelow(srp.N - 2) + 2, True
        else:
            if not user.enabled:
                raise not_authorized("User is disabled.")
            user_part, fake = user.username, False
            v = srp.verifier(salt, pool_part, user_part, user.password or "")
        session = self.new_session(client, user, params.get("DEVICE_KEY"))
        session.fake = fake
        try:
            session.srp = srp.ServerChallenge.start(pool_part, user_part, v, srp_a)
        except ValueError as exc:
            raise invalid("SRP_A is not a valid SRP value.") from exc
        return self.challenge(
            session,
            "PASSWORD_VERIFIER",
            {
                "SALT": salt.hex(),
                "SRP_B": session.srp.srp_b_hex,
                "SECRET_BLOCK": session.srp.secret_block_b64,
                "USER_ID_FOR_SRP": user_part,
                "USERNAME": user_part,
            },
        )

    def password_verifier(
        self, client: moto.ClientInfo, session: AuthSession, answers: dict[str, Any]
    ) -> dict[str, Any]:
        ok = session.srp is not None and session.srp.check(
            answers.get("PASSWORD_CLAIM_SECRET_BLOCK"),
            answers.get("TIMESTAMP"),
            answers.get("PASSWORD_CLAIM_SIGNATURE"),
        )
        user = self.ext.user(session.pool_id, session.username)
        if not ok:
            self.drop(session)
        user = _login_checks(client, user, ok)
        key = answers.get("DEVICE_KEY") or session.device_key
        device = self.ext.state.devices.get(key) if isinstance(key, str) and key else None
        if key and (device is None or device.sub != session.sub or not device.confirmed):
            # The password was right but the device is gone: AWS SDKs then answer again with the same
            # Session and no DEVICE_KEY (amplify-js retryOnResourceNotFoundException), so keep it open.
            session.device_key = None
            raise device_not_found()
        self.drop(session)  # a verifier session is single-use once answered
        session.srp = None
        session.device_key = key or None
        return self.first_factor_done(session, user)

    def new_password_required(
        self, client: moto.ClientInfo, session: AuthSession, answers: dict[str, Any]
    ) -> dict[str, Any]:
        pool = self.ext.pool(session.pool_id)
        user = self.ext.user(session.pool_id, session.username)
        if user is None:
            raise not_authorized(INCORRECT)
        password = answers.get("NEW_PASSWORD")
        if not isinstance(password, str) or not password:
            raise invalid("Missing required parameter NEW_PASSWORD")
        self.ext.check_password_policy(session.pool_id, password)
        given = {k.split(".", 1)[1]: v for k, v in answers.items() if k.startswith("userAttributes.")}
        missing = [a for a in pool.required_attributes if not user.attributes.get(a) and not given.get(a)]
        if missing:
            raise invalid(f"Missing required attribute userAttributes.{missing[0]}")
        # Checked (and written) before the password changes, so a refused attribute changes nothing.
        set_at_new_password(self.ext, client, user, answers)
        base = {"UserPoolId": session.pool_id, "Username": user.username}
        self.ext.call(
            "AdminSetUserPassword", session.pool_id, {**base, "Password": password, "Permanent": True}
        )
        return self.advance(session)

    def software_token_mfa(
        self, client: moto.ClientInfo, session: AuthSession, answers: dict[str, Any]
    ) -> dict[str, Any]:
        totp = self.ext.state.totp.get(session.sub)
        if totp is None or not totp.secret:
            raise CognitoError(
                "SoftwareTokenMFANotFoundException", "Software Token MFA does not exist for the user."
            )
        problem = check_code(totp, totp.secret, answers.get("SOFTWARE_TOKEN_MFA_CODE"))
        if problem == "reused":
            raise CognitoError("ExpiredCodeException", "Your software token has already been used once.")
        if problem:
            session.mfa_failures += 1
            if session.mfa_failures >= self.ext.settings.max_mfa_attempts:
                self.drop(session)
            raise CognitoError("CodeMismatchException", "Invalid code received for user")
        session.mfa_done = True
        return self.advance(session)

    def mfa_setup(
        self, client: moto.ClientInfo, session: AuthSession, answers: dict[str, Any]
    ) -> dict[str, Any]:
        if not session.verified:
            raise invalid(
                "The software token has not been verified: call VerifySoftwareToken with this session first."
            )
        session.mfa_done = True
        return self.advance(session)

    def device_srp_auth(
        self, client: moto.ClientInfo, session: AuthSession, answers: dict[str, Any]
    ) -> dict[str, Any]:
        key = answers.get("DEVICE_KEY")
        device = self.ext.state.devices.get(key) if isinstance(key, str) else None
        if device is None or device.sub != session.sub or not device.confirmed or device.verifier is None:
            self.drop(session)
            raise device_not_found()
        if session.device_key not in (None, key):
            raise device_not_found()
        session.device_key = key
        try:
            session.srp = srp.ServerChallenge.start(
                device.group_key, device.key, device.verifier, answers.get("SRP_A")
            )
        except ValueError as exc:
            raise invalid("SRP_A is not a valid SRP value.") from exc
        return self.challenge(
            session,
            "DEVICE_PASSWORD_VERIFIER",
            {
                "SRP_B": session.srp.srp_b_hex,
                "SALT": (device.salt or b"").hex(),
                "SECRET_BLOCK": session.srp.secret_block_b64,
                "USERNAME": session.username,
                "USER_ID_FOR_SRP": session.username,
            },
        )

    def device_password_verifier(
        self, client: moto.ClientInfo, session: AuthSession, answers: dict[str, Any]
    ) -> dict[str, Any]:
        device = self.ext.state.devices.get(session.device_key or "")
        if device is None or answers.get("DEVICE_KEY", device.key) != device.key:
            self.drop(session)
            raise device_not_found()
        ok = session.srp is not None and session.srp.check(
            answers.get("PASSWORD_CLAIM_SECRET_BLOCK"),
            answers.get("TIMESTAMP"),
            answers.get("PASSWORD_CLAIM_SIGNATURE"),
        )
        if not ok:
            self.drop(session)
            raise not_authorized(INCORRECT)
        device.last_auth = self.ext.now()
        device.last_ip = self.req.ip
        session.device_done = True
        session.srp = None
        return self.advance(session)


OPERATIONS = {
    "InitiateAuth": lambda ext, req: SignIn(ext, req).initiate(admin=False),
    "AdminInitiateAuth": lambda ext, req: SignIn(ext, req).initiate(admin=True),
    "RespondToAuthChallenge": lambda ext, req: SignIn(ext, req).respond(admin=False),
    "AdminRespondToAuthChallenge": lambda ext, req: SignIn(ext, req).respond(admin=True),
}
