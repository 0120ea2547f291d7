"""The administrator's calls on users, groups and devices (IAM-authorised ``Admin*``, ListUsers, groups).

A mixin of ``idp.CognitoIdentityProvider``: methods use ``self._send`` and ``self.user_pool_id``. Writes
return the AWS request id (``str``, for the audit trail; empty when Cognito sent none). Every ``username``
parameter takes the canonical username, an alias the pool accepts, or (on pools that allow it) the sub.
Every method raises an ``errors.CognitoError`` subclass on failure (``UserNotFound``, ``ResourceNotFound``
for an unknown group or device, ``CognitoUnavailable`` when Cognito is unreachable or throttling …).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from accounts.cognito.transport import last_request_id, pages
from accounts.cognito.types import AuthEvent, CognitoUser, Device, Group, Page

MAX_PAGE_SIZE = 60  # the largest Limit of ListUsers, ListUsersInGroup, ListGroups and the device listings
MAX_AUTH_EVENTS = 60  # the largest MaxResults of AdminListUserAuthEvents


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE_SIZE))


def _pair(page: Page[Any]) -> tuple[list[Any], str | None]:
    return page.items, page.next_token


class DirectoryCalls:
    """Admin calls; mixed into ``CognitoIdentityProvider``."""

    user_pool_id: str

    def _send(self, operation: str, **params: Any) -> dict[str, Any]:  # pragma: no cover - provided
        raise NotImplementedError

    def _admin(self, operation: str, username: str, **extra: Any) -> str:
        self._send(operation, UserPoolId=self.user_pool_id, Username=username, **extra)
        return last_request_id()

    # -- reading users ---------------------------------------------------------------------------------
    def list_users(
        self, *, filter: str = "", limit: int = MAX_PAGE_SIZE, pagination_token: str | None = None
    ) -> Page[CognitoUser]:
        """One ListUsers page (``limit`` clamped to 1-60). ``filter`` is Cognito's filter expression
        (build it with ``filters``); ``Page.next_token`` is None on the last page."""
        params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": _limit(limit)}
        if filter:
            params["Filter"] = filter
        if pagination_token:
            params["PaginationToken"] = pagination_token
        response = self._send("list_users", **params)
        return Page(
            [CognitoUser.from_api(u) for u in response.get("Users", [])], response.get("PaginationToken")
        )

    def iter_users(self, *, filter: str = "", page_size: int = MAX_PAGE_SIZE) -> Iterator[CognitoUser]:
        """Every matching user, one ListUsers page at a time (lazily: stop iterating, stop calling)."""
        for items in pages(
            lambda token: _pair(self.list_users(filter=filter, limit=page_size, pagination_token=token))
        ):
            yield from items

    def list_users_in_group(
        self, group: str, *, limit: int = MAX_PAGE_SIZE, next_token: str | None = None
    ) -> Page[CognitoUser]:
        """One ListUsersInGroup page; an unknown group raises ``ResourceNotFound``."""
        params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "GroupName": group, "Limit": _limit(limit)}
        if next_token:
            params["NextToken"] = next_token
        response = self._send("list_users_in_group", **params)
        return Page([CognitoUser.from_api(u) for u in response.get("Users", [])], response.get("NextToken"))

    def iter_users_in_group(self, group: str, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[CognitoUser]:
        """Every member of ``group``, one ListUsersInGroup page at a time (lazily)."""
        for items in pages(
            lambda token: _pair(self.list_users_in_group(group, limit=page_size, next_token=token))
        ):
            yield from items

    def admin_get_user(self, username: str) -> CognitoUser:
        """AdminGetUser: attributes, status, enabled, dates (datetimes) and MFA settings."""
        return CognitoUser.from_api(
            self._send("admin_get_user", UserPoolId=self.user_pool_id, Username=username)
        )

    # -- groups ----------------------------------------------------------------------------------------
    def list_groups(self) -> list[Group]:
        """Every group of the pool (ListGroups, all pages), sorted by name."""

        def fetch(token: str | None) -> tuple[list[Group], str | None]:
            params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "Limit": MAX_PAGE_SIZE}
            if token:
                params["NextToken"] = token
            response = self._send("list_groups", **params)
            return [Group.from_api(g) for g in response.get("Groups", [])], response.get("NextToken")

        return sorted((group for items in pages(fetch) for group in items), key=lambda g: g.name)

    def admin_list_groups_for_user(self, username: str) -> list[Group]:
        """The user's groups (AdminListGroupsForUser, all pages), sorted by name (Cognito has no order)."""

        def fetch(token: str | None) -> tuple[list[Group], str | None]:
            params: dict[str, Any] = {
                "UserPoolId": self.user_pool_id,
                "Username": username,
                "Limit": MAX_PAGE_SIZE,
            }
            if token:
                params["NextToken"] = token
            response = self._send("admin_list_groups_for_user", **params)
            return [Group.from_api(g) for g in response.get("Groups", [])], response.get("NextToken")

        return sorted((group for items in pages(fetch) for group in items), key=lambda g: g.name)

    def admin_add_user_to_group(self, username: str, group: str) -> str:
        """AdminAddUserToGroup (idempotent); returns the request id."""
        return self._admin("admin_add_user_to_group", username, GroupName=group)

    def admin_remove_user_from_group(self, username: str, group: str) -> str:
        """AdminRemoveUserFromGroup (idempotent); returns the request id."""
        return self._admin("admin_remove_user_from_group", username, GroupName=group)

    # -- acting on users -------------------------------------------------------------------------------
    def admin_disable_user(self, username: str) -> str:
        """AdminDisableUser: no sign-in, and Cognito revokes the user's tokens; returns the request id."""
        return self._admin("admin_disable_user", username)

    def admin_enable_user(self, username: str) -> str:
        """AdminEnableUser; returns the request id."""
        return self._admin("admin_enable_user", username)

    def admin_reset_user_password(self, username: str) -> str:
        """AdminResetUserPassword: status RESET_REQUIRED and a code is sent; returns the request id.

        Sends a message, so it is never retried after an unknown outcome (see ``transport.send``).
        """
        return self._admin("admin_reset_user_password", username)

    def admin_user_global_sign_out(self, username: str) -> str:
        """AdminUserGlobalSignOut: every refresh token of the user stops working; returns the request id."""
        return self._admin("admin_user_global_sign_out", username)

    def admin_confirm_sign_up(self, username: str) -> str:
        """AdminConfirmSignUp (no code needed); returns the request id."""
        return self._admin("admin_confirm_sign_up", username)

    def admin_delete_user(self, username: str) -> str:
        """AdminDeleteUser; returns the request id."""
        return self._admin("admin_delete_user", username)

    def admin_set_user_mfa_preference(
        self, username: str, *, totp_enabled: bool, totp_preferred: bool
    ) -> str:
        """AdminSetUserMFAPreference for TOTP (SoftwareTokenMfaSettings); returns the request id."""
        return self._admin(
            "admin_set_user_mfa_preference",
            username,
            SoftwareTokenMfaSettings={"Enabled": totp_enabled, "PreferredMfa": totp_preferred},
        )

    def admin_create_user(self, username: str, email: str, *, resend: bool = False) -> CognitoUser:
        """AdminCreateUser: invite a user (Cognito emails a temporary password); ``resend`` sends a new one.

        Returns the new user (``UserType``); ``last_request_id()`` has the request id. Raises
        ``UsernameExists``, ``AliasExists``, ``InvalidParameter`` …; never retried after an unknown outcome.
        """
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
        return CognitoUser.from_api(self._send("admin_create_user", **params)["User"])

    # -- devices ---------------------------------------------------------------------------------------
    def admin_list_devices(
        self, username: str, *, limit: int = MAX_PAGE_SIZE, pagination_token: str | None = None
    ) -> Page[Device]:
        """One AdminListDevices page (devices carry their remembered status)."""
        params: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "Username": username,
            "Limit": _limit(limit),
        }
        if pagination_token:
            params["PaginationToken"] = pagination_token
        response = self._send("admin_list_devices", **params)
        return Page(
            [Device.from_api(d) for d in response.get("Devices", [])], response.get("PaginationToken")
        )

    def admin_update_device_status(self, username: str, device_key: str, *, remembered: bool) -> str:
        """AdminUpdateDeviceStatus: remembered or not_remembered (a not-remembered device asks for MFA
        again but keeps the refresh tokens bound to it working); returns the request id."""
        return self._admin(
            "admin_update_device_status",
            username,
            DeviceKey=device_key,
            DeviceRememberedStatus="remembered" if remembered else "not_remembered",
        )

    def admin_forget_device(self, username: str, device_key: str) -> str:
        """AdminForgetDevice; an unknown device raises ``ResourceNotFound``; returns the request id."""
        return self._admin("admin_forget_device", username, DeviceKey=device_key)

    # -- editing users (staff console II) --------------------------------------------------------------
    def admin_update_user_attributes(self, username: str, attributes: Mapping[str, str]) -> str:
        """AdminUpdateUserAttributes with ``{name: value}``; returns the request id.

        A changed ``email``/``phone_number`` without ``email_verified``/``phone_number_verified`` = "true"
        in the same call makes Cognito send a verification code (and, with
        AttributesRequireVerificationBeforeUpdate, keep the old value until it is verified). Raises
        ``InvalidParameter`` (an immutable or unknown attribute, a bad format), ``AliasExists`` (a verified
        alias another user holds), ``UserNotFound``, ``CodeDeliveryFailure`` …
        """
        pairs = [{"Name": name, "Value": value} for name, value in attributes.items()]
        return self._admin("admin_update_user_attributes", username, UserAttributes=pairs)

    def admin_delete_user_attributes(self, username: str, names: Iterable[str]) -> str:
        """AdminDeleteUserAttributes: the optional attributes ``names`` lose their value; returns the request
        id. Raises ``InvalidParameter`` for a required or immutable attribute, ``UserNotFound`` …"""
        return self._admin("admin_delete_user_attributes", username, UserAttributeNames=list(names))

    def admin_set_user_password(self, username: str, password: str, *, permanent: bool) -> str:
        """AdminSetUserPassword: ``permanent`` → status CONFIRMED; else a temporary password (status
        FORCE_CHANGE_PASSWORD: the user must choose a new one at their next sign-in). Returns the request
        id. Raises ``InvalidPassword`` (the pool's policy), ``PasswordHistoryViolation``, ``UserNotFound`` …
        The password is never logged (the transport logs operation names and codes only)."""
        return self._admin("admin_set_user_password", username, Password=password, Permanent=permanent)

    # -- managing groups -------------------------------------------------------------------------------
    def get_group(self, name: str) -> Group:
        """GetGroup; ``ResourceNotFound`` when the pool has no such group."""
        response = self._send("get_group", UserPoolId=self.user_pool_id, GroupName=name)
        return Group.from_api(response["Group"])

    def create_group(
        self, name: str, *, description: str = "", precedence: int | None = None, role_arn: str = ""
    ) -> Group:
        """CreateGroup; returns the new group (``last_request_id()`` has the request id). Raises
        ``CognitoError`` with code ``GroupExistsException``, ``InvalidParameter`` (name or ARN shape),
        ``LimitExceeded`` (10,000 groups per pool) …"""
        params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "GroupName": name}
        params.update(_group_fields(description, precedence, role_arn))
        return Group.from_api(self._send("create_group", **params)["Group"])

    def update_group(
        self, name: str, *, description: str = "", precedence: int | None = None, role_arn: str = ""
    ) -> Group:
        """UpdateGroup: description, precedence and IAM role (groups cannot be renamed). Fields left out
        are reset by Cognito, so every field is sent. Returns the group; raises ``ResourceNotFound`` …"""
        params: dict[str, Any] = {"UserPoolId": self.user_pool_id, "GroupName": name}
        params.update(_group_fields(description, precedence, role_arn))
        return Group.from_api(self._send("update_group", **params)["Group"])

    def delete_group(self, name: str) -> str:
        """DeleteGroup (members lose the group, the users stay); returns the request id. Raises
        ``ResourceNotFound`` when there is no such group."""
        self._send("delete_group", UserPoolId=self.user_pool_id, GroupName=name)
        return last_request_id()

    # -- sign-in history -------------------------------------------------------------------------------
    def admin_list_user_auth_events(
        self, username: str, *, limit: int = MAX_AUTH_EVENTS, next_token: str | None = None
    ) -> Page[AuthEvent]:
        """One AdminListUserAuthEvents page (newest first; ``limit`` clamped to 1-60).

        Only pools with threat protection (UserPoolAddOns AdvancedSecurityMode AUDIT or ENFORCED) log
        events; any other pool refuses with code ``UserPoolAddOnNotEnabledException`` (a plain
        ``CognitoError``). Raises ``UserNotFound`` …
        """
        params: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "Username": username,
            "MaxResults": _limit(limit),
        }
        if next_token:
            params["NextToken"] = next_token
        response = self._send("admin_list_user_auth_events", **params)
        events = [AuthEvent.from_api(event) for event in response.get("AuthEvents", [])]
        return Page(events, response.get("NextToken"))


def _group_fields(description: str, precedence: int | None, role_arn: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if description:
        fields["Description"] = description
    if precedence is not None:
        fields["Precedence"] = precedence
    if role_arn:
        fields["RoleArn"] = role_arn
    return fields
