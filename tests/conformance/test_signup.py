"""SignUp, ConfirmSignUp and ResendConfirmationCode: codes in the outbox, checked, expiring, limited."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import BOTH, PASSWORD, Cog, error_code


@BOTH
def test_sign_up_sends_a_code_to_the_outbox_with_masked_email_details(local: Cog) -> None:
    username = local.name()
    result = local.idp.sign_up(
        ClientId=local.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        **local.secret_kw(username),
    )
    assert result["UserConfirmed"] is False
    assert result["CodeDeliveryDetails"] == {
        "Destination": f"{username[0]}***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    [message] = local.outbox()
    assert message["username"] == username
    assert message["destination"] == f"{username}@example.com"
    assert message["kind"] == "signup"
    assert message["pool_id"] == local.pool_id
    assert len(message["code"]) == 6 and message["code"].isdigit()
    assert "T" in message["time"]


def test_sign_up_without_secret_hash_is_refused_for_a_secret_client(cog: Cog) -> None:
    username = cog.name()
    with pytest.raises(ClientError) as missing:
        cog.idp.sign_up(
            ClientId=cog.client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "a@example.com"}],
        )
    assert error_code(missing) == "NotAuthorizedException"
    with pytest.raises(ClientError) as wrong:
        cog.idp.sign_up(
            ClientId=cog.client_id,
            Username=username,
            Password=PASSWORD,
            SecretHash="d3Jvbmc=",
            UserAttributes=[{"Name": "email", "Value": "a@example.com"}],
        )
    assert error_code(wrong) == "NotAuthorizedException"
    assert "Unable to verify secret hash for client" in wrong.value.response["Error"]["Message"]


def test_sign_up_enforces_the_password_policy_and_unique_usernames(cog: Cog) -> None:
    username = cog.name()
    with pytest.raises(ClientError) as weak:
        cog.idp.sign_up(
            ClientId=cog.client_id,
            Username=username,
            Password="short",
            UserAttributes=[{"Name": "email", "Value": "a@example.com"}],
            **cog.secret_kw(username),
        )
    assert error_code(weak) == "InvalidPasswordException"
    cog.sign_up(username)
    with pytest.raises(ClientError) as dup:
        cog.sign_up(username)
    assert error_code(dup) == "UsernameExistsException"


@BOTH
def test_confirm_sign_up_needs_the_right_code_and_verifies_the_email(local: Cog) -> None:
    username = local.sign_up()
    code = local.last_code(username)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ClientError) as mismatch:
        local.idp.confirm_sign_up(
            ClientId=local.client_id, Username=username, ConfirmationCode=wrong, **local.secret_kw(username)
        )
    assert error_code(mismatch) == "CodeMismatchException"
    local.idp.confirm_sign_up(
        ClientId=local.client_id, Username=username, ConfirmationCode=code, **local.secret_kw(username)
    )
    user = local.idp.admin_get_user(UserPoolId=local.pool_id, Username=username)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED"
    assert attributes["email_verified"] == "true"
    with pytest.raises(ClientError) as again:
        local.idp.confirm_sign_up(
            ClientId=local.client_id, Username=username, ConfirmationCode=code, **local.secret_kw(username)
        )
    assert error_code(again) == "NotAuthorizedException"


def test_confirm_sign_up_checks_the_secret_hash(local: Cog) -> None:
    username = local.sign_up()
    with pytest.raises(ClientError) as exc:
        local.idp.confirm_sign_up(
            ClientId=local.client_id, Username=username, ConfirmationCode=local.last_code(username)
        )
    assert error_code(exc) == "NotAuthorizedException"


def test_confirmation_code_expires(local: Cog) -> None:
    username = local.sign_up()
    code = local.last_code(username)
    start = local.server.clock()
    local.server.clock = lambda: start + 24 * 3600 + 1
    with pytest.raises(ClientError) as exc:
        local.idp.confirm_sign_up(
            ClientId=local.client_id, Username=username, ConfirmationCode=code, **local.secret_kw(username)
        )
    assert error_code(exc) == "ExpiredCodeException"


def test_confirmation_attempts_are_limited(local: Cog) -> None:
    username = local.sign_up()
    code = local.last_code(username)
    wrong = "000000" if code != "000000" else "111111"
    codes = []
    for _ in range(local.server.settings.max_code_attempts):
        with pytest.raises(ClientError) as exc:
            local.idp.confirm_sign_up(
                ClientId=local.client_id,
                Username=username,
                ConfirmationCode=wrong,
                **local.secret_kw(username),
            )
        codes.append(error_code(exc))
    assert codes[-1] == "TooManyFailedAttemptsException"
    with pytest.raises(ClientError) as exc:
        local.idp.confirm_sign_up(
            ClientId=local.client_id, Username=username, ConfirmationCode=code, **local.secret_kw(username)
        )
    assert error_code(exc) == "TooManyFailedAttemptsException"


def test_unknown_user_on_confirm_hides_existence(local: Cog) -> None:
    with pytest.raises(ClientError) as exc:
        local.idp.confirm_sign_up(
            ClientId=local.client_id,
            Username="nobody",
            ConfirmationCode="123456",
            **local.secret_kw("nobody"),
        )
    assert error_code(exc) == "CodeMismatchException"


@BOTH
def test_resend_issues_a_new_code_and_kills_the_old_one(local: Cog) -> None:
    username = local.sign_up()
    old = local.last_code(username)
    result = local.idp.resend_confirmation_code(
        ClientId=local.client_id, Username=username, **local.secret_kw(username)
    )
    assert result["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    new = local.last_code(username)
    assert len([m for m in local.outbox() if m["username"] == username]) == 2
    if old != new:
        with pytest.raises(ClientError) as exc:
            local.idp.confirm_sign_up(
                ClientId=local.client_id, Username=username, ConfirmationCode=old, **local.secret_kw(username)
            )
        assert error_code(exc) == "CodeMismatchException"
    local.idp.confirm_sign_up(
        ClientId=local.client_id, Username=username, ConfirmationCode=new, **local.secret_kw(username)
    )


def test_resend_is_rate_limited(local: Cog) -> None:
    username = local.sign_up()
    for _ in range(local.server.settings.code_sends_per_hour):
        local.idp.resend_confirmation_code(
            ClientId=local.client_id, Username=username, **local.secret_kw(username)
        )
    with pytest.raises(ClientError) as exc:
        local.idp.resend_confirmation_code(
            ClientId=local.client_id, Username=username, **local.secret_kw(username)
        )
    assert error_code(exc) == "LimitExceededException"


def test_resend_errors(local: Cog) -> None:
    username = local.make_user()
    with pytest.raises(ClientError) as confirmed:
        local.idp.resend_confirmation_code(
            ClientId=local.client_id, Username=username, **local.secret_kw(username)
        )
    assert error_code(confirmed) == "InvalidParameterException"
    with pytest.raises(ClientError) as no_hash:
        local.idp.resend_confirmation_code(ClientId=local.client_id, Username=username)
    assert error_code(no_hash) == "NotAuthorizedException"
    # PreventUserExistenceErrors=ENABLED: an unknown user looks like a success.
    ghost = local.idp.resend_confirmation_code(
        ClientId=local.client_id, Username="ghost", **local.secret_kw("ghost")
    )
    assert ghost["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert not [m for m in local.outbox() if m["username"] == "ghost"]


def test_unconfirmed_user_cannot_sign_in(cog: Cog) -> None:
    username = cog.sign_up()
    with pytest.raises(ClientError) as admin:
        cog.admin_auth(username)
    assert error_code(admin) == "UserNotConfirmedException"
    with pytest.raises(ClientError) as user:
        cog.user_auth(username)
    assert error_code(user) == "UserNotConfirmedException"
