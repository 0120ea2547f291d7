"""``CognitoIdentityProvider``: one typed method per Cognito call the portal makes.

Adds ``SECRET_HASH`` whenever the app client has a secret, turns every ``ClientError`` and transport
failure into a domain exception from ``errors``, and records the AWS request id of the last call on the
calling thread (the audit trail stores it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
    StubResponseError,
)
from django.conf import settings

from accounts.cognito import errors
from accounts.cognito.client import get_client
from accounts.cognito.types import (
    AuthResult,
    AuthTokens,
    Challenge,
    CognitoUser,
    DeliveryDetails,
    Device,
    Group,
    Page,
    PoolDescription,
    SignUpResult,
    SoftwareTokenSetup,
    VerifyResult,
)

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 60

# Calls that are safe to repeat after any transient failure (reads, and admin writes whose effect is the
# same however often they run). Everything else is sent once, see client.py.
RETRY_SAFE = frozenset(
    {
        "list_users",
        "list_users_in_group",
        "list_groups",
        "admin_get_user",
        "get_user",
        "admin_list_groups_for_user",
        "admin_list_devices",
        "list_devices",
        "describe_user_pool",
        "admin_disable_user",
        "admin_enable_user",
        "admin_add_user_to_group",
        "admin_remove_user_from_group",
        "admin_user_global_sign_out",
        "global_sign_out",
        "admin_set_user_mfa_preference",
        "update_device_status",
        "admin_update_device_status",
        "forget_device",
        "admin_forget_device",
        "admin_delete_user",
        "admin_confirm_sign_up",
        "revoke_token",
    }
)
# Failures where the request cannot have been processed, so even a one-shot call may be sent again.
NOT_PROCESSED_CODES = frozenset({"TooManyRequestsException", "ThrottlingException"})
NOT_SENT_ERRORS = (ConnectTimeoutError, EndpointConnectionError)

_local = threading.local()


def last_request_id() -> str:
    """The AWS request id of this thread's last Cognito call (empty if none)."""
    return getattr(_local, "request_id", "")


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


class CognitoIdentityProvider:
    """The portal's gateway to one user pool and app client (from settings unless given)."""

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

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        retry_safe = operation in RETRY_SAFE
        client = self._client_factory(retry=retry_safe)
        attempts = 1 if retry_safe else max(1, settings.COGNITO_MAX_ATTEMPTS)
        for attempt in range(1, attempts + 1):
            try:
                response = getattr(client, operation)(**params)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                meta = exc.response.get("ResponseMetadata", {})
                code = error.get("Code", "")
                _local.request_id = meta.get("RequestId", "")
                if code in NOT_PROCESSED_CODES and attempt < attempts:
                    self._backoff(attempt)
                    continue
                logger.info("Cognito %s failed: %s %s", operation, code, error.get("Message", ""))
                raise errors.error_for(
                    code,
                    error.get("Message", ""),
                    status=int(meta.get("HTTPStatusCode") or 400),
                    request_id=_local.request_id,
                    operation=operation,
                ) from exc
            except NOT_SENT_ERRORS as exc:
                _local.request_id = ""
                if attempt < attempts:
                    self._backoff(attempt)
                    continue
                logger.warning("Cognito %s unreachable: %s", operation, exc.__class__.__name__)
                raise errors.CognitoUnavailable(
                    str(exc), code=exc.__class__.__name__, operation=operation
                ) from exc
            except StubResponseError:
                raise  # botocore's Stubber reporting a test mismatch: never disguise it as an outage
            except ParamValidationError as exc:
                # botocore's client-side validation (e.g. an empty username): bad input, not an outage.
                _local.request_id = ""
                raise errors.InvalidParameter(
                    str(exc), code="ParamValidationError", operation=operation
                ) from exc
            except (NoCredentialsError, PartialCredentialsError) as exc:
                _local.request_id = ""
                logger.error("Cognito %s: no usable AWS credentials (%s)", operation, exc.__class__.__name__)
                raise errors.InvalidConfiguration(
                    str(exc), code=exc.__class__.__name__, operation=operation
                ) from exc
            except (ReadTimeoutError, ConnectionClosedError, BotoCoreError) as exc:
                _local.request_id = ""
                logger.warning("Cognito %s failed in transport: %s", operation, exc.__class__.__name__)
                # The request may have been sent and processed: whoever asked must read the state back.
                raise errors.CognitoUnavailable(
                    str(exc), code=exc.__class__.__name__, operation=operation, outcome_unknown=True
                ) from exc
            _local.request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _backoff(attempt: int) -> None:
        time.sleep(min(1.0, 0.05 * 2**attempt) * random.random())  # noqa: S311 (jitter, not crypto)

    # -- sign-up -----------------------------------------------------------------------------------------
    def sign_up(self, username: str, password: str, attributes: dict[str, str]) -> SignUpResult:
        params = {
            "ClientId": self.client_id,
            "Username": username,
            "Password": password,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        }
        response = self._call("sign_up", **self._with_secret(params, username))
        return SignUpResult(
            user_sub=response.get("UserSub", ""),
            confirmed=bool(response.get("UserConfirmed")),
            delivery=DeliveryDetails.from_api(response.get("CodeDeliveryDetails")),
        )

    def confirm_sign_up(self, username: str, code: str) -> None:
        params = {"ClientId": self.client_id, "Username": username, "ConfirmationCode": code}
        self._call("confirm_sign_up", **self._with_secret(params, username))

    def resend_confirmation_code(self, username: str) -> DeliveryDetails | None:
        params = {"ClientId": self.client_id, "Username": username}
        response = self._call("resend_confirmation_code", **self._with_secret(params, username))
        return DeliveryDetails.from_api(response.get("CodeDeliveryDetails"))

    # -- sign-in -----------------------------------------------------------------------------------------
    def admin_initiate_auth(
        self, username: str, password: str, *, device_key: str | None = None
    ) -> AuthResult:
        auth = {"USERNAME": username, "PASSWORD": password}
        if device_key:
            auth["DEVICE_KEY"] = device_key
        response = self._call(
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
        """REFRESH_TOKEN_AUTH; the result has no new refresh token unless rotation is on."""
        auth = {"REFRESH_TOKEN": refresh_token}
        if device_key:
            auth["DEVICE_KEY"] = device_key
        response = self._call(
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
        answers = {"USERNAME": username, **(responses or {})}
        response = self._call(
            "admin_respond_to_auth_challenge",
            UserPoolId=self.user_pool_id,
            ClientId=self.client_id,
            ChallengeName=challenge_name,
            Session=session,
            # The hash must be over the USERNAME sent in this very request (cognito-api-notes §3.1).
            ChallengeResponses=self._with_secret(answers, answers["USERNAME"], "SECRET_HASH"),
        )
        return _parse_auth(response)

    def initiate_auth(self, flow: str, parameters: dict[str, str], *, username: str) -> AuthResult:
        response = self._call(
            "initiate_auth",
            ClientId=self.client_id,
            AuthFlow=flow,
            # Over the USERNAME sent, when there is one (REFRESH_TOKEN_AUTH has none: the caller says whose).
            AuthParameters=self._with_secret(
                dict(parameters), parameters.get("USERNAME") or username, "SECRET_HASH"
            ),
        )
        return _parse_auth(response)

    def respond_to_auth_challenge(
        self, challenge_name: str, session: str | None, username: str, responses: dict[str, str] | None = None
    ) -> AuthResult:
        answers = {"USERNAME": username, **(responses or {})}
        params: dict[str, Any] = {
            "ClientId": self.client_id,
            "ChallengeName": challenge_name,
            "ChallengeResponses": self._with_secret(answers, answers["USERNAME"], "SECRET_HASH"),
        }
        if session:
            params["Session"] = session
        return _parse_auth(self._call("respond_to_auth_challenge", **params))

    # -- TOTP --------------------------------------------------------------------------------------------
    def associate_software_token(
        self, *, session: str | None = None, access_token: str | None = None
    ) -> SoftwareTokenSetup:
        params = _session_or_access_token(session, access_token)
        response = self._call("associate_software_token", **params)
        return SoftwareTokenSetup(secret_code=response["SecretCode"], session=response.get("Session"))

    def verify_software_token(
        self,
        code: str,
        *,
        session: str | None = None,
        access_token: str | None = None,
        friendly_name: str | None = None,
    ) -> VerifyResult:
        params: dict[str, Any] = {"UserCode": code}
        params.update(_session_or_access_token(session, access_token))
        if friendly_name:
            params["FriendlyDeviceName"] = friendly_name
        response = self._call("verify_software_token", **params)
        return VerifyResult(status=response.get("Status", "ERROR"), session=response.get("Session"))

    # -- devices -----------------------------------------------------------------------------------------
    def confirm_device(
        self, access_token: str, device_key: str, *, verifier: str, salt: str, device_name: str
    ) -> bool:
        """Returns ``UserConfirmationNecessary``: True when UpdateDeviceStatus must remember it."""
        params: dict[str, Any] = {
            "AccessToken": access_token,
            "DeviceKey": device_key,
            "DeviceSecretVerifierConfig": {"PasswordVerifier": verifier, "Salt": salt},
        }
        if device_name:  # Cognito wants 1 to 1024 characters, or no name at all
            params["DeviceName"] = device_name[:1024]
        response = self._call("confirm_device", **params)
        return bool(response.get("UserConfirmationNecessary"))

    def update_device_status(self, access_token: str, device_key: str, *, remembered: bool) -> None:
        self._call(
            "update_device_status",
            AccessToken=access_token,
            DeviceKey=device_key,
            DeviceRememberedStatus="remembered" if remembered else "not_remembered",
        )

    def admin_update_device_status(self, username: str, device_key: str, *, remembered: bool) -> str:
        self._call(
            "admin_update_device_status",
            UserPoolId=self.user_pool_id,
            Username=username,
            DeviceKey=device_key,
            DeviceRememberedStatus="remembered" if remembered else "not_remembered",
        )
        return last_request_id()

    def list_devices(
        self, access_token: str, *, limit: int = MAX_PAGE_SIZE, pagination_token: str | None = None
    ) -> Page[Device]:
        params: dict[str, Any] = {"AccessToken": access_token, "Limit": min(limit, MAX_PAGE_SIZE)}
        if pagination_token:
            params["PaginationToken"] = pagination_token
        response = self._call("list_devices", **params)
        return Page(
            [Device.from_api(d) for d in response.get("Devices", [])], response.get("PaginationToken")
        )

    def admin_list_devices(
        self, username: str, *, limit: int = MAX_PAGE_SIZE, pagination_token: str | None = None
    ) -> Page[Device]:
        params: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "Username": username,
            "Limit": min(limit, MAX_PAGE_SIZE),
        }
        if pagination_token:
            params["PaginationToken"] = pagination_token
        response = self._call("admin_list_devices", **params)
        return Page(
            [Device.from_api(d) for d in response.get("Devices", [])], response.get("PaginationToken")
        )

    def all_devices(self, *, access_token: str | None = None, username: str | None = None) -> list[Device]:
        """Every device of a user (no botocore paginator exists for the device listings)."""
        devices: list[Device] = []
        token: str | None = None
        while True:
            if access_token:
                page = self.list_devices(access_token, pagination_token=token)
            else:
                page = self.admin_list_devices(username or "", pagination_token=token)
            devices.extend(page.items)
            token = page.next_token
            if not token:
                return devices

    def forget_device(self, access_token: str, device_key: str) -> None:
        self._call("forget_device", AccessToken=access_token, DeviceKey=device_key)

    def admin_forget_device(self, username: str, device_key: str) -> str:
        self._call(
            "admin_forget_device", UserPoolId=self.user_pool_id, Username=username, DeviceKey=device_key
        )
        return last_request_id()

    # -- passwords and sign-out ----------------------------------------------------------------------------
    def forgot_password(self, username: str) -> DeliveryDetails | None:
        params = {"ClientId": self.client_id, "Username": username}
        response = self._call("forgot_password", **self._with_secret(params, username))
        return DeliveryDetails.from_api(response.get("CodeDeliveryDetails"))

    def confirm_forgot_password(self, username: str, code: str, new_password: str) -> None:
        params = {
            "ClientId": self.client_id,
            "Username": username,
            "ConfirmationCode": code,
            "Password": new_password,
        }
        self._call("confirm_forgot_password", **self._with_secret(params, username))

    def change_password(self, access_token: str, previous_password: str, proposed_password: str) -> None:
        self._call(
            "change_password",
            AccessToken=access_token,
            PreviousPassword=previous_password,
            ProposedPassword=proposed_password,
        )

    def revoke_token(self, refresh_token: str) -> None:
        params: dict[str, Any] = {"Token": refresh_token, "ClientId": self.client_id}
        if self.client_secret:
            params["ClientSecret"] = self.client_secret
        self._call("revoke_token", **params)

    def global_sign_out(self, access_token: str) -> None:
        self._call("global_sign_out", AccessToken=access_token)

    def get_user(self, access_token: str) -> CognitoUser:
        return CognitoUser.from_api(self._call("get_user", AccessToken=access_token))

    # -- users (staff and operators) -----------------------------------------------------------------------
    def list_users(
        self, *, filter: str = "", limit: int = MAX_PAGE_SIZE, pagination_token: str | None = None
    ) -> Page[CognitoUser]:
        params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": max(1, min(limit, MAX_PAGE_SIZE))}
        if filter:
            params["Filter"] = filter
        if pagination_token:
            params["PaginationToken"] = pagination_token
        response = self._call("list_users", **params)
        return Page(
            [CognitoUser.from_api(u) for u in response.get("Users", [])], response.get("PaginationToken")
        )

    def iter_users(self, *, filter: str = "", page_size: int = MAX_PAGE_SIZE) -> Iterator[CognitoUser]:
        """Every matching user, one ListUsers page at a time (lazily: stop iterating, stop calling)."""
        token: str | None = None
        while True:
            page = self.list_users(filter=filter, limit=page_size, pagination_token=token)
            yield from page.items
            token = page.next_token
            if not token:
                return

    def list_users_in_group(
        self, group: str, *, limit: int = MAX_PAGE_SIZE, next_token: str | None = None
    ) -> Page[CognitoUser]:
        params: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "GroupName": group,
            "Limit": max(1, min(limit, MAX_PAGE_SIZE)),
        }
        if next_token:
            params["NextToken"] = next_token
        response = self._call("list_users_in_group", **params)
        return Page([CognitoUser.from_api(u) for u in response.get("Users", [])], response.get("NextToken"))

    def iter_users_in_group(self, group: str, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[CognitoUser]:
        token: str | None = None
        while True:
            page = self.list_users_in_group(group, limit=page_size, next_token=token)
            yield from page.items
            token = page.next_token
            if not token:
                return

    def list_groups(self) -> list[Group]:
        groups: list[Group] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": MAX_PAGE_SIZE}
            if token:
                params["NextToken"] = token
            response = self._call("list_groups", **params)
            groups.extend(Group.from_api(g) for g in response.get("Groups", []))
            token = response.get("NextToken")
            if not token:
                return sorted(groups, key=lambda g: g.name)

    def admin_get_user(self, username: str) -> CognitoUser:
        return CognitoUser.from_api(
            self._call("admin_get_user", UserPoolId=self.user_pool_id, Username=username)
        )

    def admin_list_groups_for_user(self, username: str) -> list[Group]:
        groups: list[Group] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Username": username, "Limit": 60}
            if token:
                params["NextToken"] = token
            response = self._call("admin_list_groups_for_user", **params)
            groups.extend(Group.from_api(g) for g in response.get("Groups", []))
            token = response.get("NextToken")
            if not token:
                # Cognito does not promise an order; sort so pages and tests are stable.
                return sorted(groups, key=lambda g: g.name)

    def _admin(self, operation: str, username: str, **extra: Any) -> str:
        self._call(operation, UserPoolId=self.user_pool_id, Username=username, **extra)
        return last_request_id()

    def admin_add_user_to_group(self, username: str, group: str) -> str:
        return self._admin("admin_add_user_to_group", username, GroupName=group)

    def admin_remove_user_from_group(self, username: str, group: str) -> str:
        return self._admin("admin_remove_user_from_group", username, GroupName=group)

    def admin_disable_user(self, username: str) -> str:
        return self._admin("admin_disable_user", username)

    def admin_enable_user(self, username: str) -> str:
        return self._admin("admin_enable_user", username)

    def admin_reset_user_password(self, username: str) -> str:
        return self._admin("admin_reset_user_password", username)

    def admin_user_global_sign_out(self, username: str) -> str:
        return self._admin("admin_user_global_sign_out", username)

    def admin_confirm_sign_up(self, username: str) -> str:
        return self._admin("admin_confirm_sign_up", username)

    def admin_delete_user(self, username: str) -> str:
        return self._admin("admin_delete_user", username)

    def admin_set_user_mfa_preference(
        self, username: str, *, totp_enabled: bool, totp_preferred: bool
    ) -> str:
        return self._admin(
            "admin_set_user_mfa_preference",
            username,
            SoftwareTokenMfaSettings={"Enabled": totp_enabled, "PreferredMfa": totp_preferred},
        )

    def admin_create_user(self, username: str, email: str, *, resend: bool = False) -> CognitoUser:
        """Invite a user: Cognito emails a temporary password; ``resend`` sends a fresh one."""
        params: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "Username": username,
            "DesiredDeliveryMediums": ["EMAIL"],
        }
        if resend:
            params["MessageAction"] = "RESEND"
        else:
            params["UserAttributes"] = [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ]
        return CognitoUser.from_api(self._call("admin_create_user", **params)["User"])

    # -- the pool ----------------------------------------------------------------------------------------
    def describe_user_pool(self) -> PoolDescription:
        return PoolDescription.from_api(
            self._call("describe_user_pool", UserPoolId=self.user_pool_id)["UserPool"]
        )
