"""The sign-in state machine's bookkeeping: pending sign-in sessions, and the choice of each next step.

``SignInSteps`` keeps a pending sign-in (``AuthSession``, in ``ext.state.sessions``), finds it again from a
challenge answer, issues challenges, and once a factor is proven picks the next step: NEW_PASSWORD_REQUIRED,
device SRP, SOFTWARE_TOKEN_MFA, MFA_SETUP, or moto's tokens with NewDeviceMetadata. ``auth.SignIn`` adds the
operations and the check of each challenge answer.
"""

from __future__ import annotations

import json
from typing import Any

from . import devices
from . import moto_adapter as moto
from .core import AuthSession, Ext, Request
from .errors import CognitoError, device_not_found, invalid, not_authorized
from .identity import fold
from .refresh import record_refresh_token
from .tokens import fix_tokens

MFAS_CAN_SETUP = json.dumps(["SOFTWARE_TOKEN_MFA"])
INCORRECT = "Incorrect username or password."


class SignInSteps:
    """One request's view of the sign-in machinery; the pending state lives in ext.state.sessions."""

    def __init__(self, ext: Ext, req: Request) -> None:
        self.ext = ext
        self.req = req

    # ---- sessions ------------------------------------------------------------------------------
    def new_session(self, client: moto.ClientInfo, user: moto.UserInfo, device_key: Any) -> AuthSession:
        return AuthSession(
            id="",
            pool_id=client.pool_id,
            client_id=client.client_id,
            username=user.username,
            sub=user.sub,
            challenge="",
            expires=0.0,
            ip=self.req.ip,
            device_key=device_key if isinstance(device_key, str) and device_key else None,
        )

    def find_session(
        self, client: moto.ClientInfo, session_id: Any, name: Any, answers: dict[str, Any]
    ) -> AuthSession:
        if session_id:
            return self.ext.get_session(session_id)
        # Some clients (pycognito) answer the verifier steps without a Session: find it by its SECRET_BLOCK.
        now = self.ext.now()
        for session in reversed(list(self.ext.state.sessions.values())):
            if session.challenge != name or session.client_id != client.client_id or session.expires <= now:
                continue
            block = answers.get("PASSWORD_CLAIM_SECRET_BLOCK")
            if session.srp is not None and session.srp.secret_block_b64 == block:
                return session
            same_device = session.device_key == answers.get("DEVICE_KEY")
            if name == "DEVICE_SRP_AUTH" and same_device and self.same_user(session, answers.get("USERNAME")):
                return session
        raise invalid("Missing required parameter Session")

    def answers_as_user(self, session: AuthSession, username: str) -> bool:
        """A challenge answer's USERNAME must be the user's real username (USER_ID_FOR_SRP, compared under
        the pool's case rule) or sub, never an alias: the API reference's ChallengeResponses rule that the
        portal's gateway relies on (issue #9 item 4), so a regression fails here and not on a real pool."""
        pool = self.ext.pool(session.pool_id)
        return username == session.sub or fold(pool, username) == fold(pool, session.username)

    def same_user(self, session: AuthSession, username: Any) -> bool:
        if username in (session.username, session.sub):
            return True
        user = self.ext.user(session.pool_id, username)
        return user is not None and user.sub == session.sub

    def drop(self, session: AuthSession) -> None:
        self.ext.state.sessions.pop(session.id, None)

    def challenge(self, session: AuthSession, name: str, params: dict[str, str]) -> dict[str, Any]:
        return {
            "ChallengeName": name,
            "Session": self.ext.put_session(session, name),
            "ChallengeParameters": params,
        }

    # ---- the state machine ---------------------------------------------------------------------
    def first_factor_done(self, session: AuthSession, user: moto.UserInfo) -> dict[str, Any]:
        if user.status == "FORCE_CHANGE_PASSWORD":
            pool = self.ext.pool(user.pool_id)
            attributes = {k: v for k, v in user.attributes.items() if k != "sub"}
            required = [f"userAttributes.{a}" for a in pool.required_attributes if not user.attributes.get(a)]
            return self.challenge(
                session,
                "NEW_PASSWORD_REQUIRED",
                {
                    "USER_ID_FOR_SRP": user.username,
                    "requiredAttributes": json.dumps(required),
                    "userAttributes": json.dumps(attributes),
                },
            )
        return self.advance(session)

    def advance(self, session: AuthSession) -> dict[str, Any]:
        """Pick the next step once the password is proven: device SRP, MFA, MFA setup or tokens."""
        pool = self.ext.pool(session.pool_id)
        device = None
        if session.device_key:
            device = self.ext.state.devices.get(session.device_key)
            if device is None or device.sub != session.sub or not device.confirmed:
                self.drop(session)
                raise device_not_found()
        totp = self.ext.state.totp.get(session.sub)
        has_totp = bool(totp and totp.enabled and totp.secret)
        mfa_needed = (pool.mfa == "ON" and pool.software_token_mfa) or (pool.mfa != "OFF" and has_totp)
        # Only a remembered device, in a pool that lets remembered devices stand in for MFA, skips MFA.
        skips_mfa = bool(
            device and device.remembered and (pool.device_config or {}).get("ChallengeRequiredOnNewDevice")
        )
        if device and not session.device_done and (session.mfa_done or not mfa_needed or skips_mfa):
            return self.challenge(
                session,
                "DEVICE_SRP_AUTH",
                {"USERNAME": session.username, "USER_ID_FOR_SRP": session.username},
            )
        if mfa_needed and not session.mfa_done and not (skips_mfa and session.device_done):
            if has_totp:
                return self.challenge(session, "SOFTWARE_TOKEN_MFA", {"USER_ID_FOR_SRP": session.username})
            return self.challenge(
                session, "MFA_SETUP", {"MFAS_CAN_SETUP": MFAS_CAN_SETUP, "USER_ID_FOR_SRP": session.username}
            )
        return self.finish(session, pool)

    def finish(self, session: AuthSession, pool: moto.PoolInfo) -> dict[str, Any]:
        """Mint moto's tokens only now that every step has passed, and add NewDeviceMetadata."""
        self.drop(session)
        user = self.ext.user(session.pool_id, session.username)
        if user is None:
            raise not_authorized(INCORRECT)
        result = self.ext.call(
            "AdminInitiateAuth",
            session.pool_id,
            {
                "UserPoolId": session.pool_id,
                "ClientId": session.client_id,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": user.username, "PASSWORD": user.password or ""},
            },
        )
        tokens = result.get("AuthenticationResult")
        if not tokens:
            raise CognitoError("InternalErrorException", f"moto answered {result.get('ChallengeName')}", 500)
        fix_tokens(self.ext.client(session.client_id), user, tokens)
        record_refresh_token(self.ext, tokens.get("RefreshToken"), user.sub, session.client_id)
        if pool.device_config and not session.device_key:
            device = devices.new_device(self.ext, session.pool_id, session.sub)
            device.last_ip = session.ip
            tokens["NewDeviceMetadata"] = {"DeviceKey": device.key, "DeviceGroupKey": device.group_key}
        return {"ChallengeParameters": {}, "AuthenticationResult": tokens}
