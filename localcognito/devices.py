"""Device tracking: NewDeviceMetadata, ConfirmDevice and the (Admin) device read/update/forget APIs."""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from typing import Any

from .core import Device, Ext, Request
from .errors import CognitoError, device_not_found, invalid
from .moto_adapter import UserInfo

MAX_LIMIT = 60


def new_device(ext: Ext, pool_id: str, sub: str) -> Device:
    region = pool_id.split("_", 1)[0]
    device = Device(
        key=f"{region}_{uuid.uuid4()}",
        group_key="-" + secrets.token_urlsafe(6),
        pool_id=pool_id,
        sub=sub,
        created=ext.now(),
    )
    device.modified = device.created
    ext.state.devices[device.key] = device
    return device


def owned_device(ext: Ext, user: UserInfo, key: Any, *, confirmed: bool = True) -> Device:
    device = ext.state.devices.get(key) if isinstance(key, str) else None
    if device is None or device.sub != user.sub or (confirmed and not device.confirmed):
        raise device_not_found()
    return device


def device_type(device: Device) -> dict[str, Any]:
    attributes = {
        "device_status": "valid",
        "device_name": device.name,
        "dev:device_remembered_status": "remembered" if device.remembered else "not_remembered",
        "last_ip_used": device.last_ip or "127.0.0.1",
    }
    result: dict[str, Any] = {
        "DeviceKey": device.key,
        "DeviceAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        "DeviceCreateDate": device.created,
        "DeviceLastModifiedDate": device.modified,
    }
    if device.last_auth:
        result["DeviceLastAuthenticatedDate"] = device.last_auth
    return result


def confirm_device(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    user = ext.token_user(b.get("AccessToken"))
    device = owned_device(ext, user, b.get("DeviceKey"), confirmed=False)
    if device.confirmed:
        raise CognitoError("DeviceKeyExistsException", "Device key already exists.")
    config = b.get("DeviceSecretVerifierConfig")
    if not isinstance(config, dict):
        raise invalid("DeviceSecretVerifierConfig with PasswordVerifier and Salt is required.")
    try:
        verifier = int.from_bytes(base64.b64decode(config["PasswordVerifier"], validate=True), "big")
        salt = base64.b64decode(config["Salt"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise invalid("PasswordVerifier and Salt must be base64.") from exc
    if verifier <= 1 or not salt:
        raise invalid("Negative or empty value passed for salt and Password verifier.")
    pool = ext.pool(user.pool_id)
    user_prompt = bool((pool.device_config or {}).get("DeviceOnlyRememberedOnUserPrompt"))
    device.verifier, device.salt, device.confirmed = verifier, salt, True
    device.name = str(b.get("DeviceName") or "")
    device.remembered = not user_prompt
    device.modified = ext.now()
    device.last_ip = req.ip
    return {"UserConfirmationNecessary": user_prompt}


def _page(ext: Ext, user: UserInfo, body: dict[str, Any]) -> dict[str, Any]:
    limit = body.get("Limit", MAX_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise invalid(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
            f"Member must have value less than or equal to {MAX_LIMIT}"
        )
    devices = sorted(
        (d for d in ext.state.devices.values() if d.sub == user.sub and d.confirmed),
        key=lambda d: (d.created, d.key),
    )
    start = 0
    token = body.get("PaginationToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(str(token).encode()).decode())
        except (ValueError, binascii.Error) as exc:
            raise invalid("Invalid pagination token.") from exc
    limit = limit or MAX_LIMIT
    page = devices[start : start + limit]
    result: dict[str, Any] = {"Devices": [device_type(d) for d in page]}
    if start + limit < len(devices):
        result["PaginationToken"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
    return result


def _status(ext: Ext, device: Device, status: Any) -> dict[str, Any]:
    if status not in ("remembered", "not_remembered"):
        raise invalid("DeviceRememberedStatus must be remembered or not_remembered")
    device.remembered = status == "remembered"
    device.modified = ext.now()
    return {}


def _forget(ext: Ext, device: Device) -> dict[str, Any]:
    del ext.state.devices[device.key]
    return {}


def list_devices(ext: Ext, req: Request) -> dict[str, Any]:
    return _page(ext, ext.token_user(req.body.get("AccessToken")), req.body)


def admin_list_devices(ext: Ext, req: Request) -> dict[str, Any]:
    return _page(ext, ext.admin_user(req.body), req.body)


def get_device(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.token_user(req.body.get("AccessToken"))
    return {"Device": device_type(owned_device(ext, user, req.body.get("DeviceKey")))}


def admin_get_device(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.admin_user(req.body)
    return {"Device": device_type(owned_device(ext, user, req.body.get("DeviceKey")))}


def forget_device(ext: Ext, req: Request) -> dict[str, Any]:
    b = req.body
    if b.get("AccessToken"):
        user = ext.token_user(b["AccessToken"])
        return _forget(ext, owned_device(ext, user, b.get("DeviceKey"), confirmed=False))
    # AccessToken is optional in the model: then the device key alone identifies the device.
    device = ext.state.devices.get(b.get("DeviceKey") or "")
    if device is None:
        raise device_not_found()
    return _forget(ext, device)


def admin_forget_device(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.admin_user(req.body)
    return _forget(ext, owned_device(ext, user, req.body.get("DeviceKey"), confirmed=False))


def update_device_status(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.token_user(req.body.get("AccessToken"))
    device = owned_device(ext, user, req.body.get("DeviceKey"))
    return _status(ext, device, req.body.get("DeviceRememberedStatus"))


def admin_update_device_status(ext: Ext, req: Request) -> dict[str, Any]:
    user = ext.admin_user(req.body)
    device = owned_device(ext, user, req.body.get("DeviceKey"))
    return _status(ext, device, req.body.get("DeviceRememberedStatus"))


OPERATIONS = {
    "ConfirmDevice": confirm_device,
    "ListDevices": list_devices,
    "AdminListDevices": admin_list_devices,
    "GetDevice": get_device,
    "AdminGetDevice": admin_get_device,
    "ForgetDevice": forget_device,
    "AdminForgetDevice": admin_forget_device,
    "UpdateDeviceStatus": update_device_status,
    "AdminUpdateDeviceStatus": admin_update_device_status,
}
