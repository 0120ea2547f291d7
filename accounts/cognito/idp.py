"""``CognitoIdentityProvider``: one typed method per Cognito call the portal makes.

Adds ``SECRET_HASH`` whenever the app client has a secret (computed over the USERNAME the same request
sends: after SRP, or with an alias, that is the canonical username Cognito returned, never the typed name;
cognito-api-notes §3.1), sends through ``transport.send`` (retries and the one error translator) and returns
dataclasses from ``types``. The end users' calls are here; the administrator's are in ``directory``.
Time units: ``expires_in`` is seconds from now (as Cognito sends it); ``datetime`` fields are aware UTC.
Every method raises an ``errors.CognitoError`` subclass on failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from django.conf import settings

from accounts.cognito import errors
from accounts.cognito.client import get_client
from accounts.cognito.descriptions import ClientDescription, PoolDescription
from accounts.cognito.directory import MAX_PAGE_SIZE, DirectoryCalls, _limit, _pair
from accounts.cognito.transport import last_request_id, pages, send
from accounts.cognito.types import (
    AuthResult,
    AuthTokens,
    Challenge,
    CognitoUser,
    DeliveryDetails,
    Device,
    Page,
    SignUpResult,
    SoftwareTokenSetup,
    VerifyResult,
)

__all__ = ["MAX_PAGE_SIZE", "CognitoIdentityProvider", "last_request_id"]


def _parse_auth(response: dict[str, Any]) -> AuthResult:
    if response.get("AuthenticationResult"):
        return AuthTokens.from_api(response["AuthenticationResult"])
    if response.get("ChallengeName"):
        return Challenge(
            name=response["ChallengeName"],
            session=response.get("Session", ""),
            parameters=dict(response.get("ChallengeParameters") or {}),
        )
    raise errors.CognitoError("Cognito answered with neither tokens nor a challenge.", code="EmptyAnswer")


def _session_or_access_token(session: str | None, access_token: str | None) -> dict[str, str]:
    """TOTP calls take either the sign-in Session or an AccessToken, never both."""
    if session:
        return {"Session": session}
    if access_token:
        return {"AccessToken": access_token}
    raise ValueError("A session or an access token is needed.")


class CognitoIdentityProvider(DirectoryCalls):
    """The portal's gateway to one user pool and app client (from settings unless given).

    ``client_factory(retry=bool)`` returns a boto3 cognito-idp client (tests pass a stubbed one).
    """

    def __init__(
        self,
        *,
        user_pool_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        client_factory: Callable[..., Any] = get_client,
    ) -> None:
        self.user_pool_id = user_pool_id if user_pool_id is not None else settings.COGNITO_USER_POOL_ID
        self.client_id = client_id if client_id is not None else settings.COGNITO_CLIENT_ID
        self.client_secret = client_secret if client_secret is not None else settings.COGNITO_CLIENT_SECRET
        self._client_factory = client_factory

    # -- plumbing ----------------------------------------------------------------------------------------
    def secret_hash(self, username: str) -> str | None:
        """Base64(HMAC-SHA256(client secret, username + client id)), or None without a secret."""
        if not self.client_secret:
            return None
        digest = hmac.new(
            self.client_secret.encode(), (username + self.client_id).encode(), hashlib.sha256
        ).digest()
        return base64.b64encode(digest).decode()

    def _with_secret(self, params: dict[str, Any], username: str, key: str = "SecretHash") -> dict[str, Any]:
        secret_hash = self.secret_hash(username)
        if secret_hash:
            params[key] = secret_hash
        return params

    def _send(self, operation: str, **params: Any) -> dict[str, Any]:
        return send(self._client_factory, operation, params)

    # -- sign-up -----------------------------------------------------------------------------------------
    def sign_up(self, username: str, password: str, attributes: dict[str, str]) -> SignUpResult:
        """SignUp. ``username`` is the name typed (the email in email-as-username pools).

        Raises ``UsernameExists``, ``InvalidPassword``, ``InvalidParameter``, ``CodeDeliveryFailure`` …
        Sent once: never repeated after an unknown outcome (the caller reads the state back).
        """
        params = {
            "ClientId": self.client_id,
            "Username": username,
            "Password": password,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        }
        response = self._send("sign_up", **self._with_secret(params, username))
        return SignUpResult(
            user_sub=response.get("UserSub", ""),
            confirmed=bool(response.get("UserConfirmed")),
            delivery=DeliveryDetails.from_api(response.get("CodeDeliveryDetails")),
        )

    def confirm_sign_up(self, username: str, code: str) -> None:
        """ConfirmSignUp with the emailed code; raises ``CodeMismatch``, ``ExpiredCode``, ``NotAuthorized``
        (already confirmed), ``AliasExists`` …"""
        params = {"ClientId": self.client_id, "Username": username, "ConfirmationCode": code}
        self._send("confirm_sign_up", **self._with_secret(params, username))

    def resend_confirmation_code(self, username: str) -> DeliveryDetails | None:
        """ResendConfirmationCode; where the code went (masked), or None when Cognito does not say."""
        params = {"ClientId": self.client_id, "Username": username}
        response = self._send("resend_confirmation_code", **self._with_secret(params, username))
        return DeliveryDetails.from_api(response.get("CodeDeliveryDetails"))

    # -- sign-in -----------------------------------------------------------------------------------------
    def admin_initiate_auth(
        self, username: str, password: str, *, device_key: str | None = None
    ) -> AuthResult:
        """AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH: tokens, or the first ``Challenge``.

        ``username`` is what the person typed (username or alias); SECRET_HASH is over it, as Cognito
        checks it against this request's USERNAME. The challenge's ``USER_ID_FOR_SRP`` is the canonical
        username every later answer must use. Raises ``NotAuthorized`` (wrong password, disabled user,
        unknown user with PreventUserExistenceErrors), ``UserNotFound``, ``UserNotConfirmed``,
        ``PasswordResetRequired``, ``ResourceNotFound`` (an unknown ``device_key``) …
        """
        auth = {"USERNAME": username, "PASSWORD": password}
        if device_key:
            auth["DEVICE_KEY"] = device_key
        response = self._send(
            "admin_initiate_auth",
            UserPoolId=self.user_pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=self._with_secret(auth, username, "SECRET_HASH"),
        )
        return _parse_auth(response)

    def admin_refresh_tokens(
        self, refresh_token: str, *, username: str, device_key: str | None = None
    ) -> AuthTokens:
        """AdminInitiateAuth REFRESH_TOKEN_AUTH; new access and ID tokens (no new refresh token unless
        rotation is on). ``username`` is the canonical username (for SECRET_HASH); ``device_key`` the
        device the refresh token is bound to. Raises ``NotAuthorized`` when revoked or the user is disabled.
        """
        auth = {"REFRESH_TOKEN": refresh_token}
        if device_key:
            auth["DEVICE_KEY"] = device_key
        response = self._send(
            "admin_initiate_auth",
            UserPoolId=self.user_pool_id,
            ClientId=self.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters=self._with_secret(auth, username, "SECRET_HASH"),
        )
        result = _parse_auth(response)
        if not isinstance(result, AuthTokens):
            raise errors.NotAuthorized("Refresh answered with a challenge.", code="UnexpectedChallenge")
        return result

    def admin_respond_to_auth_challenge(
        self, challenge_name: str, session: str, username: str, responses: dict[str, str] | None = None
    ) -> AuthResult:
        """AdminRespondToAuthChallenge; tokens or the next ``Challenge``.

        ``username`` must be the canonical username Cognito returned (``USER_ID_FOR_SRP`` or the challenge's
        ``USERNAME``), never a typed alias; SECRET_HASH is computed over it. Raises ``CodeMismatch``,
        ``ExpiredCode``, ``NotAuthorized`` (session expired or too many wrong codes), ``InvalidPassword`` …
        """
        answers = {"USERNAME": username, **(responses or {})}
        response = self._send(
            "admin_respond_to_auth_challenge",
            UserPoolId=self.user_pool_id,
            ClientId=self.client_id,
            ChallengeName=challenge_name,
            Session=session,
            # The hash must be over the USERNAME sent in this very request (cognito-api-notes §3.1).
            ChallengeResponses=self._with_secret(answers, answers["USERNAME"], "SECRET_HASH"),
        )
        return _parse_auth(response)

    # -- TOTP --------------------------------------------------------------------------------------------
    def associate_software_token(
        self, *, session: str | None = None, access_token: str | None = None
    ) -> SoftwareTokenSetup:
        """AssociateSoftwareToken with the MFA_SETUP ``session`` or a signed-in ``access_token``: a new
        TOTP key (base32) and, with a session, the session to verify with."""
        params = _session_or_access_token(session, access_token)
        response = self._send("associate_software_token", **params)
        return SoftwareTokenSetup(secret_code=response["SecretCode"], session=response.get("Session"))

    def verify_software_token(
        self,
        code: str,
        *,
        session: str | None = None,
        access_token: str | None = None,
        friendly_name: str | None = None,
    ) -> VerifyResult:
        """VerifySoftwareToken: checks a 6-digit code against the key just associated.

        Raises ``EnableSoftwareTokenMfaFailed`` (a ``CodeMismatch``) for a wrong code.
        """
        params: dict[str, Any] = {"UserCode": code}
        params.update(_session_or_access_token(session, access_token))
        if friendly_name:
            params["FriendlyDeviceName"] = friendly_name
        response = self._send("verify_software_token", **params)
        return VerifyResult(status=response.get("Status", "ERROR"), session=response.get("Session"))

    # -- devices (the signed-in user's own) --------------------------------------------------------------
    def confirm_device(
        self, access_token: str, device_key: str, *, verifier: str, salt: str, device_name: str
    ) -> bool:
        """ConfirmDevice with the device-SRP verifier and salt (base64, see ``srp.new_device_verifier``).

        Returns ``UserConfirmationNecessary``: True when the pool remembers devices only on the user's
        say-so, so ``update_device_status(remembered=True)`` must follow. Raises ``DeviceKeyExists`` …
        """
        params: dict[str, Any] = {
            "AccessToken": access_token,
            "DeviceKey": device_key,
            "DeviceSecretVerifierConfig": {"PasswordVerifier": verifier, "Salt": salt},
        }
        if device_name:  # Cognito wants 1 to 1024 characters, or no name at all
            params["DeviceName"] = device_name[:1024]
        response = self._send("confirm_device", **params)
        return bool(response.get("UserConfirmationNecessary"))

    def update_device_status(self, access_token: str, device_key: str, *, remembered: bool) -> None:
        """UpdateDeviceStatus: remembered or not_remembered."""
        self._send(
            "update_device_status",
            AccessToken=access_token,
            DeviceKey=device_key,
            DeviceRememberedStatus="remembered" if remembered else "not_remembered",
        )

    def list_devices(
        self, access_token: str, *, limit: int = MAX_PAGE_SIZE, pagination_token: str | None = None
    ) -> Page[Device]:
        """One ListDevices page of the signed-in user's devices."""
        params: dict[str, Any] = {"AccessToken": access_token, "Limit": _limit(limit)}
        if pagination_token:
            params["PaginationToken"] = pagination_token
        response = self._send("list_devices", **params)
        return Page(
            [Device.from_api(d) for d in response.get("Devices", [])], response.get("PaginationToken")
        )

    def all_devices(self, *, access_token: str | None = None, username: str | None = None) -> list[Device]:
        """Every device of a user: ListDevices with ``access_token``, else AdminListDevices for
        ``username`` (all pages; no botocore paginator exists for the device listings)."""

        def fetch(token: str | None) -> tuple[list[Device], str | None]:
            if access_token:
                return _pair(self.list_devices(access_token, pagination_token=token))
            return _pair(self.admin_list_devices(username or "", pagination_token=token))

        return [device for items in pages(fetch) for device in items]

    def forget_device(self, access_token: str, device_key: str) -> None:
        """ForgetDevice for one of the signed-in user's devices; ``ResourceNotFound`` when it is not one."""
        self._send("forget_device", AccessToken=access_token, DeviceKey=device_key)

    # -- passwords, tokens and sign-out ------------------------------------------------------------------
    def forgot_password(self, username: str) -> DeliveryDetails | None:
        """ForgotPassword: sends a reset code; where it went (masked), or None. Never retried blindly."""
        params = {"ClientId": self.client_id, "Username": username}
        response = self._send("forgot_password", **self._with_secret(params, username))
        return DeliveryDetails.from_api(response.get("CodeDeliveryDetails"))

    def confirm_forgot_password(self, username: str, code: str, new_password: str) -> None:
        """ConfirmForgotPassword; raises ``CodeMismatch``, ``ExpiredCode``, ``InvalidPassword`` …"""
        params = {
            "ClientId": self.client_id,
            "Username": username,
            "ConfirmationCode": code,
            "Password": new_password,
        }
        self._send("confirm_forgot_password", **self._with_secret(params, username))

    def change_password(self, access_token: str, previous_password: str, proposed_password: str) -> None:
        """ChangePassword; ``NotAuthorized`` for a wrong current password, ``InvalidPassword`` …"""
        self._send(
            "change_password",
            AccessToken=access_token,
            PreviousPassword=previous_password,
            ProposedPassword=proposed_password,
        )

    def revoke_token(self, refresh_token: str) -> None:
        """RevokeToken (the refresh token and the access tokens issued from it); sends ClientSecret itself."""
        params: dict[str, Any] = {"Token": refresh_token, "ClientId": self.client_id}
        if self.client_secret:
            params["ClientSecret"] = self.client_secret
        self._send("revoke_token", **params)

    def global_sign_out(self, access_token: str) -> None:
        """GlobalSignOut: every refresh token of the signed-in user stops working."""
        self._send("global_sign_out", AccessToken=access_token)

    def get_user(self, access_token: str) -> CognitoUser:
        """GetUser: the signed-in user's attributes and MFA settings (``NotAuthorized`` once revoked)."""
        return CognitoUser.from_api(self._send("get_user", AccessToken=access_token))

    # -- the pool ----------------------------------------------------------------------------------------
    def describe_user_pool_client(self) -> ClientDescription:
        """DescribeUserPoolClient for this app client: session and token lifetimes, flows, attributes.

        The answer also holds the client secret, which is dropped here. Use ``client_description()``
        (cached); it shares DescribeUserPool's quota.
        """
        response = self._send(
            "describe_user_pool_client", UserPoolId=self.user_pool_id, ClientId=self.client_id
        )
        return ClientDescription.from_api(response["UserPoolClient"])

    def describe_user_pool(self) -> PoolDescription:
        """DescribeUserPool (UserPoolRead quota, 15 RPS per account): use ``pool_description()``, cached."""
        return PoolDescription.from_api(
            self._send("describe_user_pool", UserPoolId=self.user_pool_id)["UserPool"]
        )
