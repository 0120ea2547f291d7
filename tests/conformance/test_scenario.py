"""The seed scenario end to end: sign-up → confirm → MFA setup → TOTP → remembered device → device SRP."""

from __future__ import annotations

import json

from pycognito.aws_srp import AWSSRP, generate_hash_device

from .conftest import BOTH, PASSWORD, Cog, totp


@BOTH
def test_seed_scenario(local: Cog) -> None:
    cog = local
    username = cog.name()
    email = f"{username}@example.com"
    signed_up = cog.idp.sign_up(
        ClientId=cog.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
        **cog.secret_kw(username),
    )
    assert signed_up["UserConfirmed"] is False
    cog.idp.confirm_sign_up(
        ClientId=cog.client_id,
        Username=username,
        ConfirmationCode=cog.last_code(username),
        **cog.secret_kw(username),
    )
    users = cog.idp.list_users(UserPoolId=cog.pool_id, Filter=f'email = "{email}"')["Users"]
    assert [(u["Username"], u["UserStatus"]) for u in users] == [(username, "CONFIRMED")]

    setup = cog.admin_auth(username)
    assert setup["ChallengeName"] == "MFA_SETUP"
    assert json.loads(setup["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    assoc = cog.idp.associate_software_token(Session=setup["Session"])
    secret = assoc["SecretCode"]
    verified = cog.idp.verify_software_token(Session=assoc["Session"], UserCode=totp(secret))
    assert verified["Status"] == "SUCCESS"
    first_tokens = cog.respond("MFA_SETUP", verified["Session"], username)["AuthenticationResult"]
    assert first_tokens["IdToken"]

    mfa = cog.admin_auth(username)
    assert mfa["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    result = cog.respond(
        "SOFTWARE_TOKEN_MFA", mfa["Session"], username, SOFTWARE_TOKEN_MFA_CODE=totp(secret, 1)
    )
    tokens = result["AuthenticationResult"]
    meta = tokens["NewDeviceMetadata"]
    device_password, verifier = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    confirmed = cog.idp.confirm_device(
        AccessToken=tokens["AccessToken"],
        DeviceKey=meta["DeviceKey"],
        DeviceSecretVerifierConfig=verifier,
        DeviceName="scenario",
    )
    assert confirmed["UserConfirmationNecessary"] is True
    cog.idp.update_device_status(
        AccessToken=tokens["AccessToken"], DeviceKey=meta["DeviceKey"], DeviceRememberedStatus="remembered"
    )

    start = cog.user_auth(username, DEVICE_KEY=meta["DeviceKey"])
    assert start["ChallengeName"] == "DEVICE_SRP_AUTH"
    device = AWSSRP(
        username,
        PASSWORD,
        cog.pool_id,
        cog.client_id,
        client=cog.idp,
        device_key=meta["DeviceKey"],
        device_group_key=meta["DeviceGroupKey"],
        device_password=device_password,
    )
    srp_step = cog.respond(
        "DEVICE_SRP_AUTH",
        start["Session"],
        username,
        admin=False,
        DEVICE_KEY=meta["DeviceKey"],
        SRP_A=format(device.large_a_value, "x"),
    )
    assert srp_step["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
    claim = device.process_device_challenge(srp_step["ChallengeParameters"])
    claim.pop("SECRET_HASH", None)
    final = cog.respond(
        "DEVICE_PASSWORD_VERIFIER", srp_step["Session"], claim.pop("USERNAME"), admin=False, **claim
    )
    assert final["AuthenticationResult"]["AccessToken"]
    assert "NewDeviceMetadata" not in final["AuthenticationResult"]
    me = cog.idp.get_user(AccessToken=final["AuthenticationResult"]["AccessToken"])
    assert me["Username"] == username
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
