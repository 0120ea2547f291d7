"""MFA_SETUP, per-user TOTP secrets checked with pyotp, SOFTWARE_TOKEN_MFA and the user's MFA settings."""

from __future__ import annotations

import json

import pyotp
import pytest
from botocore.exceptions import ClientError

from .conftest import BOTH, Cog, error_code, totp


@BOTH
def test_password_sign_in_without_totp_gets_mfa_setup_on_every_path(cog: Cog) -> None:
    username = cog.make_user()
    for result in (cog.admin_auth(username), cog.user_auth(username)):
        assert result["ChallengeName"] == "MFA_SETUP"
        assert json.loads(result["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
        assert "AuthenticationResult" not in result
        assert 20 <= len(result["Session"]) <= 4096


@BOTH
def test_mfa_setup_completes_after_verify_and_is_reported(cog: Cog) -> None:
    username = cog.make_user()
    first = cog.admin_auth(username)
    assoc = cog.idp.associate_software_token(Session=first["Session"])
    secret = assoc["SecretCode"]
    assert len(pyotp.TOTP(secret).byte_secret()) * 8 >= 160
    verified = cog.idp.verify_software_token(Session=assoc["Session"], UserCode=totp(secret))
    assert verified["Status"] == "SUCCESS"
    assert verified["Session"] not in (first["Session"], assoc["Session"])
    done = cog.respond("MFA_SETUP", verified["Session"], username)
    assert done["AuthenticationResult"]["AccessToken"]
    user = cog.idp.admin_get_user(UserPoolId=cog.pool_id, Username=username)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    me = cog.idp.get_user(AccessToken=done["AuthenticationResult"]["AccessToken"])
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_user_without_totp_reports_no_mfa(cog: Cog) -> None:
    username = cog.make_user()
    user = cog.idp.admin_get_user(UserPoolId=cog.pool_id, Username=username)
    assert user.get("UserMFASettingList", []) == []
    assert user.get("PreferredMfaSetting", "") == ""


def test_secrets_are_random_per_user(cog: Cog) -> None:
    secrets = set()
    for _ in range(2):
        first = cog.admin_auth(cog.make_user())
        secrets.add(cog.idp.associate_software_token(Session=first["Session"])["SecretCode"])
    assert len(secrets) == 2


def test_answering_mfa_setup_without_verifying_is_refused(cog: Cog) -> None:
    username = cog.make_user()
    first = cog.admin_auth(username)
    with pytest.raises(ClientError) as plain:
        cog.respond("MFA_SETUP", first["Session"], username)
    assert error_code(plain) in ("InvalidParameterException", "NotAuthorizedException")
    assoc = cog.idp.associate_software_token(Session=first["Session"])
    with pytest.raises(ClientError) as associated_only:
        cog.respond("MFA_SETUP", assoc["Session"], username)
    assert error_code(associated_only) in ("InvalidParameterException", "NotAuthorizedException")


def test_wrong_code_on_verify_is_refused(cog: Cog) -> None:
    username = cog.make_user()
    first = cog.admin_auth(username)
    assoc = cog.idp.associate_software_token(Session=first["Session"])
    wrong = "000000" if totp(assoc["SecretCode"]) != "000000" else "111111"
    with pytest.raises(ClientError) as exc:
        cog.idp.verify_software_token(Session=assoc["Session"], UserCode=wrong)
    assert error_code(exc) in ("EnableSoftwareTokenMFAException", "CodeMismatchException")
    # A right code afterwards still works, with the same session.
    verified = cog.idp.verify_software_token(Session=assoc["Session"], UserCode=totp(assoc["SecretCode"]))
    assert verified["Status"] == "SUCCESS"


@BOTH
def test_software_token_mfa_after_enrolment(cog: Cog) -> None:
    username = cog.make_user()
    secret, _ = cog.enrol(username)
    for first in (cog.admin_auth(username), cog.user_auth(username)):
        assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        assert "AuthenticationResult" not in first
    done = cog.mfa_sign_in(username, secret, step=1)
    assert done["AuthenticationResult"]["IdToken"]


def test_wrong_totp_code_gives_code_mismatch_and_session_survives(cog: Cog) -> None:
    username = cog.make_user()
    secret, _ = cog.enrol(username)
    first = cog.admin_auth(username)
    right = totp(secret, 1)
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(ClientError) as exc:
        cog.respond("SOFTWARE_TOKEN_MFA", first["Session"], username, SOFTWARE_TOKEN_MFA_CODE=wrong)
    assert error_code(exc) == "CodeMismatchException"
    done = cog.respond("SOFTWARE_TOKEN_MFA", first["Session"], username, SOFTWARE_TOKEN_MFA_CODE=right)
    assert "AuthenticationResult" in done


def test_a_totp_code_cannot_be_used_twice(cog: Cog) -> None:
    username = cog.make_user()
    secret, _ = cog.enrol(username)
    code = totp(secret, 1)
    first = cog.admin_auth(username)
    cog.respond("SOFTWARE_TOKEN_MFA", first["Session"], username, SOFTWARE_TOKEN_MFA_CODE=code)
    second = cog.admin_auth(username)
    with pytest.raises(ClientError) as exc:
        cog.respond("SOFTWARE_TOKEN_MFA", second["Session"], username, SOFTWARE_TOKEN_MFA_CODE=code)
    assert error_code(exc) in ("ExpiredCodeException", "CodeMismatchException")


def test_software_token_mfa_checks_secret_hash(local: Cog) -> None:
    username = local.make_user()
    secret, _ = local.enrol(username)
    first = local.admin_auth(username)
    with pytest.raises(ClientError) as exc:
        local.idp.admin_respond_to_auth_challenge(
            UserPoolId=local.pool_id,
            ClientId=local.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": totp(secret, 1)},
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_admin_disabling_totp_brings_mfa_setup_back(cog: Cog) -> None:
    username = cog.make_user()
    cog.enrol(username)
    cog.idp.admin_set_user_mfa_preference(
        UserPoolId=cog.pool_id,
        Username=username,
        SoftwareTokenMfaSettings={"Enabled": False, "PreferredMfa": False},
    )
    user = cog.idp.admin_get_user(UserPoolId=cog.pool_id, Username=username)
    assert user.get("UserMFASettingList", []) == []
    assert cog.admin_auth(username)["ChallengeName"] == "MFA_SETUP"


def test_enabling_totp_needs_a_verified_token(cog: Cog) -> None:
    username = cog.make_user()
    with pytest.raises(ClientError) as exc:
        cog.idp.admin_set_user_mfa_preference(
            UserPoolId=cog.pool_id,
            Username=username,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
    assert error_code(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as unknown:
        cog.idp.admin_set_user_mfa_preference(
            UserPoolId=cog.pool_id, Username="nobody-here", SoftwareTokenMfaSettings={"Enabled": False}
        )
    assert error_code(unknown) == "UserNotFoundException"


def test_totp_enrolment_with_an_access_token(cog: Cog) -> None:
    username = cog.make_user()
    old_secret, tokens = cog.enrol(username)
    access = tokens["AccessToken"]
    assoc = cog.idp.associate_software_token(AccessToken=access)
    assert assoc["SecretCode"] != old_secret
    with pytest.raises(ClientError) as wrong:
        cog.idp.verify_software_token(
            AccessToken=access, UserCode="000000" if totp(assoc["SecretCode"], 1) != "000000" else "111111"
        )
    assert error_code(wrong) in ("EnableSoftwareTokenMFAException", "CodeMismatchException")
    assert (
        cog.idp.verify_software_token(AccessToken=access, UserCode=totp(assoc["SecretCode"], 1))["Status"]
        == "SUCCESS"
    )
    cog.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    # The new secret is now the one checked.
    first = cog.admin_auth(username)
    assert first["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(ClientError):
        cog.respond(
            "SOFTWARE_TOKEN_MFA", first["Session"], username, SOFTWARE_TOKEN_MFA_CODE=totp(old_secret, 1)
        )


def test_associate_needs_exactly_one_credential_and_a_live_session(cog: Cog) -> None:
    with pytest.raises(ClientError) as none:
        cog.idp.associate_software_token()
    assert error_code(none) in ("InvalidParameterException", "NotAuthorizedException")
    with pytest.raises(ClientError) as bogus:
        cog.idp.associate_software_token(Session="x" * 40)
    assert error_code(bogus) == "NotAuthorizedException"
    with pytest.raises(ClientError) as bad_token:
        cog.idp.associate_software_token(AccessToken="not-a-token")
    assert error_code(bad_token) == "NotAuthorizedException"


def test_sessions_expire(local: Cog) -> None:
    username = local.make_user()
    first = local.admin_auth(username)
    start = local.server.clock()
    local.server.clock = lambda: start + 15 * 60 + 1  # the client's AuthSessionValidity is 15 minutes
    with pytest.raises(ClientError) as exc:
        local.idp.associate_software_token(Session=first["Session"])
    assert error_code(exc) == "NotAuthorizedException"
    assert "expired" in exc.value.response["Error"]["Message"]


def test_session_ttl_is_configurable(local: Cog) -> None:
    local.server.settings.session_ttl = 0.0
    first = local.admin_auth(local.make_user())
    with pytest.raises(ClientError) as exc:
        local.idp.associate_software_token(Session=first["Session"])
    assert error_code(exc) == "NotAuthorizedException"
