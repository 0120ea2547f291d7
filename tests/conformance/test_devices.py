"""Device tracking: NewDeviceMetadata, ConfirmDevice, the device APIs and device SRP instead of MFA."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP

from .conftest import BOTH, Cog, error_code, totp


def _signed_in_with_device(cog: Cog, remembered: bool = True) -> tuple[str, str, tuple[str, str, str], dict]:
    username = cog.make_user()
    secret, result = cog.enrol(username)
    return username, secret, cog.remember(result, remembered), result


def _device_srp(
    cog: Cog,
    username: str,
    device: tuple[str, str, str],
    first: dict,
    admin: bool,
    password: str | None = None,
) -> dict:
    """Answer DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER with pycognito's client maths."""
    key, group, device_password = device
    helper = AWSSRP(
        username,
        "unused",
        cog.pool_id,
        cog.client_id,
        client=cog.idp,
        client_secret=cog.pool.client_secret or None,
        device_key=key,
        device_group_key=group,
        device_password=password or device_password,
    )
    assert first["ChallengeName"] == "DEVICE_SRP_AUTH"
    step = cog.respond(
        "DEVICE_SRP_AUTH",
        first["Session"],
        username,
        admin=admin,
        DEVICE_KEY=key,
        SRP_A=format(helper.large_a_value, "x"),
    )
    assert step["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    params = step["ChallengeParameters"]
    assert set(params) >= {"SRP_B", "SALT", "SECRET_BLOCK", "USERNAME"}
    assert re.fullmatch(r"[0-9a-f]+", params["SALT"])
    answers = helper.process_device_challenge(params)
    answers.pop("SECRET_HASH", None)
    answers.pop("USERNAME")
    return cog.respond(
        "DEVICE_PASSWORD_VERIFIER", step["Session"], params["USERNAME"], admin=admin, **answers
    )


@BOTH
def test_final_result_carries_new_device_metadata(cog: Cog) -> None:
    username = cog.make_user()
    _, result = cog.enrol(username)
    meta = result["NewDeviceMetadata"]
    assert re.fullmatch(r"us-east-1_[0-9a-f-]{36}", meta["DeviceKey"])
    assert meta["DeviceGroupKey"]
    secret_code = cog.idp.associate_software_token(AccessToken=result["AccessToken"])["SecretCode"]
    assert secret_code  # the access token is a real one


def test_confirm_device_and_the_device_apis(cog: Cog) -> None:
    username = cog.make_user()
    _, result = cog.enrol(username)
    access = result["AccessToken"]
    key, _, _ = cog.remember(result, remembered=False)
    device = cog.idp.get_device(AccessToken=access, DeviceKey=key)["Device"]
    attributes = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
    assert attributes["device_name"] == "conformance"
    assert attributes["device_status"] == "valid"
    assert "last_ip_used" in attributes
    assert isinstance(device["DeviceCreateDate"], datetime)
    assert isinstance(device["DeviceLastModifiedDate"], datetime)
    admin_view = cog.idp.admin_get_device(UserPoolId=cog.pool_id, Username=username, DeviceKey=key)["Device"]
    admin_attrs = {a["Name"]: a["Value"] for a in admin_view["DeviceAttributes"]}
    assert admin_attrs["dev:device_remembered_status"] == "not_remembered"
    cog.idp.admin_update_device_status(
        UserPoolId=cog.pool_id, Username=username, DeviceKey=key, DeviceRememberedStatus="remembered"
    )
    admin_view = cog.idp.admin_get_device(UserPoolId=cog.pool_id, Username=username, DeviceKey=key)["Device"]
    assert {a["Name"]: a["Value"] for a in admin_view["DeviceAttributes"]}[
        "dev:device_remembered_status"
    ] == ("remembered")
    assert [d["DeviceKey"] for d in cog.idp.list_devices(AccessToken=access)["Devices"]] == [key]
    listed = cog.idp.admin_list_devices(UserPoolId=cog.pool_id, Username=username)["Devices"]
    assert [d["DeviceKey"] for d in listed] == [key]
    with pytest.raises(ClientError) as again:
        cog.idp.confirm_device(
            AccessToken=access,
            DeviceKey=key,
            DeviceSecretVerifierConfig={"PasswordVerifier": "AQ==", "Salt": "AQ=="},
        )
    assert error_code(again) in (
        "DeviceKeyExistsException",
        "InvalidParameterException",
        "NotAuthorizedException",
    )
    cog.idp.forget_device(AccessToken=access, DeviceKey=key)
    assert cog.idp.list_devices(AccessToken=access)["Devices"] == []
    with pytest.raises(ClientError) as gone:
        cog.idp.get_device(AccessToken=access, DeviceKey=key)
    assert error_code(gone) == "ResourceNotFoundException"


def test_update_device_status_rejects_bad_values_and_unknown_devices(cog: Cog) -> None:
    username, _, _device, result = _signed_in_with_device(cog)
    with pytest.raises(ClientError) as unknown:
        cog.idp.update_device_status(
            AccessToken=result["AccessToken"],
            DeviceKey="us-east-1_00000000-0000-0000-0000-000000000000",
            DeviceRememberedStatus="remembered",
        )
    assert error_code(unknown) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as admin_unknown:
        cog.idp.admin_forget_device(UserPoolId=cog.pool_id, Username=username, DeviceKey="us-east-1_nope")
    assert error_code(admin_unknown) == "ResourceNotFoundException"


def test_list_devices_pages_and_limits(local: Cog) -> None:
    username = local.make_user()
    secret, result = local.enrol(username)
    keys = [local.remember(result, remembered=False)[0]]
    # Each sign-in without a device key is a new device: one with TOTP, one after re-enrolling.
    signed = local.mfa_sign_in(username, secret, step=1)["AuthenticationResult"]
    keys.append(local.remember(signed, remembered=False)[0])
    local.idp.admin_set_user_mfa_preference(
        UserPoolId=local.pool_id, Username=username, SoftwareTokenMfaSettings={"Enabled": False}
    )
    keys.append(local.remember(local.enrol(username)[1], remembered=False)[0])
    page1 = local.idp.admin_list_devices(UserPoolId=local.pool_id, Username=username, Limit=2)
    assert len(page1["Devices"]) == 2 and page1["PaginationToken"]
    page2 = local.idp.admin_list_devices(
        UserPoolId=local.pool_id, Username=username, Limit=2, PaginationToken=page1["PaginationToken"]
    )
    assert "PaginationToken" not in page2
    assert sorted(d["DeviceKey"] for d in page1["Devices"] + page2["Devices"]) == sorted(keys)
    with pytest.raises(ClientError) as exc:
        local.idp.list_devices(AccessToken=result["AccessToken"], Limit=61)
    assert error_code(exc) == "InvalidParameterException"


@BOTH
@pytest.mark.parametrize("admin", [True, False])
def test_remembered_device_replaces_mfa_with_device_srp(cog: Cog, admin: bool) -> None:
    username, _, device, _ = _signed_in_with_device(cog)
    first = (
        cog.admin_auth(username, DEVICE_KEY=device[0])
        if admin
        else cog.user_auth(username, DEVICE_KEY=device[0])
    )
    assert first["ChallengeName"] == "DEVICE_SRP_AUTH"
    done = _device_srp(cog, username, device, first, admin=admin)
    assert done["AuthenticationResult"]["AccessToken"]
    assert "NewDeviceMetadata" not in done["AuthenticationResult"]
    info = cog.idp.admin_get_device(UserPoolId=cog.pool_id, Username=username, DeviceKey=device[0])["Device"]
    assert isinstance(info["DeviceLastAuthenticatedDate"], datetime)


def test_wrong_device_password_is_refused(cog: Cog) -> None:
    username, _, device, _ = _signed_in_with_device(cog)
    first = cog.user_auth(username, DEVICE_KEY=device[0])
    with pytest.raises(ClientError) as exc:
        _device_srp(cog, username, device, first, admin=False, password="bm90IHRoZSBkZXZpY2UgcGFzc3dvcmQ=")
    assert error_code(exc) == "NotAuthorizedException"


def test_forgotten_or_unknown_device_key_is_not_found(cog: Cog) -> None:
    username, _, device, _ = _signed_in_with_device(cog)
    with pytest.raises(ClientError) as unknown:
        cog.admin_auth(username, DEVICE_KEY="us-east-1_00000000-0000-0000-0000-000000000000")
    assert error_code(unknown) == "ResourceNotFoundException"
    cog.idp.admin_forget_device(UserPoolId=cog.pool_id, Username=username, DeviceKey=device[0])
    with pytest.raises(ClientError) as forgotten:
        cog.admin_auth(username, DEVICE_KEY=device[0])
    assert error_code(forgotten) == "ResourceNotFoundException"
    assert "Device does not exist" in forgotten.value.response["Error"]["Message"]
    # Without the key the user is back to TOTP.
    assert cog.admin_auth(username)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_not_remembered_device_still_does_mfa_then_device_srp(cog: Cog) -> None:
    username, secret, device, _ = _signed_in_with_device(cog, remembered=False)
    first = cog.admin_auth(username, DEVICE_KEY=device[0])
    assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    after_mfa = cog.respond(
        "SOFTWARE_TOKEN_MFA", first["Session"], username, SOFTWARE_TOKEN_MFA_CODE=totp(secret, 1)
    )
    done = _device_srp(cog, username, device, after_mfa, admin=True)
    assert "AuthenticationResult" in done


# pycognito sends DEVICE_SRP_AUTH without SECRET_HASH, so its authenticate_user only suits public clients.
@pytest.mark.parametrize("cog", ["public"], indirect=True)
def test_user_srp_with_a_remembered_device_via_pycognito(cog: Cog) -> None:
    username, _, (key, group, device_password), _ = _signed_in_with_device(cog)
    from .conftest import PASSWORD

    helper = AWSSRP(
        username,
        PASSWORD,
        cog.pool_id,
        cog.client_id,
        client=cog.idp,
        client_secret=cog.pool.client_secret or None,
        device_key=key,
        device_group_key=group,
        device_password=device_password,
    )
    tokens = helper.authenticate_user()
    assert tokens["AuthenticationResult"]["AccessToken"]


def test_confirm_device_validates_input(cog: Cog) -> None:
    username = cog.make_user()
    _, result = cog.enrol(username)
    key = result["NewDeviceMetadata"]["DeviceKey"]
    with pytest.raises(ClientError) as bad:
        cog.idp.confirm_device(
            AccessToken=result["AccessToken"],
            DeviceKey=key,
            DeviceSecretVerifierConfig={"PasswordVerifier": "!!!", "Salt": "!!!"},
        )
    assert error_code(bad) == "InvalidParameterException"
    with pytest.raises(ClientError) as token:
        cog.idp.confirm_device(AccessToken="nope", DeviceKey=key, DeviceSecretVerifierConfig={"Salt": "AQ=="})
    assert error_code(token) == "NotAuthorizedException"
