"""Every Cognito failure becomes a domain exception; transient ones are retried only when that is safe."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
    StubAssertionError,
)
from botocore.stub import Stubber

from accounts.cognito import errors, transport
from accounts.cognito.idp import CognitoIdentityProvider, last_request_id
from accounts.cognito.transport import RETRY_SAFE
from tests.boto import session as boto_session

POOL_ID = "eu-west-1_AbCdEf123"
CLIENT_ID = "client-id"
REQUEST_ID = "req-0000-1111"
ENDPOINT = "https://cognito-idp.eu-west-1.amazonaws.com"


@pytest.fixture
def backoffs(monkeypatch):
    """No real sleeping between attempts; records each back-off instead."""
    calls: list[int] = []
    monkeypatch.setattr(transport, "_backoff", calls.append)
    return calls


@pytest.fixture
def stubbed():
    client = boto_session().client(
        "cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        idp = CognitoIdentityProvider(
            user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="", client_factory=lambda retry: client
        )
        yield idp, stub
        stub.assert_no_pending_responses()


def add_error(stub, operation: str, code: str, status: int = 400, message: str = "Cognito says no") -> None:
    stub.add_client_error(
        operation,
        service_error_code=code,
        service_message=message,
        http_status_code=status,
        response_meta={"RequestId": REQUEST_ID},
    )


@pytest.mark.parametrize(("code", "exception"), sorted(errors.ERROR_CODES.items()))
def test_every_error_code_maps_to_its_domain_exception(stubbed, code, exception):
    idp, stub = stubbed
    add_error(stub, "admin_get_user", code)
    with pytest.raises(errors.CognitoError) as caught:
        idp.admin_get_user("alice")
    assert type(caught.value) is exception
    assert caught.value.code == code
    assert caught.value.request_id == REQUEST_ID
    assert caught.value.aws_message == "Cognito says no"
    assert caught.value.operation == "admin_get_user"
    assert str(caught.value.user_message)
    assert last_request_id() == REQUEST_ID


def test_unknown_error_code_is_a_plain_cognito_error(stubbed):
    idp, stub = stubbed
    add_error(stub, "admin_get_user", "SomethingNewException")
    with pytest.raises(errors.CognitoError) as caught:
        idp.admin_get_user("alice")
    assert type(caught.value) is errors.CognitoError
    assert caught.value.code == "SomethingNewException"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_unavailable_whatever_the_code(stubbed, status):
    idp, stub = stubbed
    add_error(stub, "admin_get_user", "NotAuthorizedException", status=status)
    with pytest.raises(errors.CognitoUnavailable):
        idp.admin_get_user("alice")


def test_one_shot_server_error_is_not_retried(stubbed, backoffs):
    idp, stub = stubbed
    add_error(stub, "sign_up", "InternalErrorException", status=500)
    with pytest.raises(errors.CognitoUnavailable):
        idp.sign_up("alice", "pw", {})
    assert backoffs == []


@pytest.mark.parametrize("code", ["TooManyRequestsException", "ThrottlingException"])
def test_throttled_one_shot_call_is_retried_then_succeeds(stubbed, backoffs, settings, code):
    settings.COGNITO_MAX_ATTEMPTS = 3
    idp, stub = stubbed
    add_error(stub, "sign_up", code)
    add_error(stub, "sign_up", code)
    stub.add_response("sign_up", {"UserConfirmed": False, "UserSub": "sub-1"})
    assert idp.sign_up("alice", "pw", {}).user_sub == "sub-1"
    assert backoffs == [1, 2]


def test_throttled_one_shot_call_gives_up_after_max_attempts(stubbed, backoffs, settings):
    settings.COGNITO_MAX_ATTEMPTS = 3
    idp, stub = stubbed
    for _ in range(3):
        add_error(stub, "admin_respond_to_auth_challenge", "TooManyRequestsException")
    with pytest.raises(errors.CognitoUnavailable) as caught:
        idp.admin_respond_to_auth_challenge("SOFTWARE_TOKEN_MFA", "s" * 30, "alice", {})
    assert caught.value.code == "TooManyRequestsException"
    assert len(backoffs) == 2


def test_non_transient_error_on_a_one_shot_call_is_not_retried(stubbed, backoffs):
    idp, stub = stubbed
    add_error(stub, "confirm_sign_up", "CodeMismatchException")
    with pytest.raises(errors.CodeMismatch):
        idp.confirm_sign_up("alice", "000000")
    assert backoffs == []


class FailingClient:
    """A client whose every call raises ``error`` (botocore's Stubber cannot raise transport errors)."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls: list[str] = []

    def __getattr__(self, operation: str):
        def call(**params):
            self.calls.append(operation)
            raise self.error

        return call


def failing_idp(error: Exception) -> tuple[CognitoIdentityProvider, FailingClient, list[bool]]:
    client = FailingClient(error)
    factory_calls: list[bool] = []

    def factory(retry: bool):
        factory_calls.append(retry)
        return client

    idp = CognitoIdentityProvider(
        user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="", client_factory=factory
    )
    return idp, client, factory_calls


ONE_SHOT_CALLS = {
    "sign_up": lambda idp: idp.sign_up("alice", "pw", {}),
    "admin_respond_to_auth_challenge": lambda idp: idp.admin_respond_to_auth_challenge("X", "s", "alice"),
    "confirm_device": lambda idp: idp.confirm_device("a", "d", verifier="v", salt="s", device_name="n"),
    "verify_software_token": lambda idp: idp.verify_software_token("123456", session="s"),
    "admin_initiate_auth": lambda idp: idp.admin_initiate_auth("alice", "pw"),
    "forgot_password": lambda idp: idp.forgot_password("alice"),
    "admin_create_user": lambda idp: idp.admin_create_user("alice", "a@example.com"),
}


@pytest.mark.parametrize("operation", ONE_SHOT_CALLS)
@pytest.mark.parametrize(
    "error",
    [ConnectTimeoutError(endpoint_url=ENDPOINT), EndpointConnectionError(endpoint_url=ENDPOINT)],
    ids=["connect-timeout", "connection-refused"],
)
def test_unsent_one_shot_call_is_retried_up_to_max_attempts(settings, backoffs, operation, error):
    settings.COGNITO_MAX_ATTEMPTS = 3
    idp, client, factory_calls = failing_idp(error)
    with pytest.raises(errors.CognitoUnavailable) as caught:
        ONE_SHOT_CALLS[operation](idp)
    assert client.calls == [operation] * 3
    assert factory_calls == [False]  # the single-attempt client: the gateway does the retrying
    assert caught.value.code == error.__class__.__name__
    assert caught.value.request_id == ""


@pytest.mark.parametrize("operation", ONE_SHOT_CALLS)
@pytest.mark.parametrize(
    "error",
    [ReadTimeoutError(endpoint_url=ENDPOINT), ConnectionClosedError(endpoint_url=ENDPOINT)],
    ids=["read-timeout", "connection-closed"],
)
def test_possibly_processed_one_shot_call_is_sent_exactly_once(settings, backoffs, operation, error):
    settings.COGNITO_MAX_ATTEMPTS = 3
    idp, client, _ = failing_idp(error)
    with pytest.raises(errors.CognitoUnavailable):
        ONE_SHOT_CALLS[operation](idp)
    assert client.calls == [operation]
    assert backoffs == []


@pytest.mark.parametrize(
    "error",
    [
        ConnectTimeoutError(endpoint_url=ENDPOINT),
        EndpointConnectionError(endpoint_url=ENDPOINT),
        ReadTimeoutError(endpoint_url=ENDPOINT),
    ],
)
def test_retry_safe_calls_leave_retrying_to_botocore(settings, backoffs, error):
    settings.COGNITO_MAX_ATTEMPTS = 3
    idp, client, factory_calls = failing_idp(error)
    with pytest.raises(errors.CognitoUnavailable):
        idp.list_users()
    assert client.calls == ["list_users"]
    assert factory_calls == [True]
    assert backoffs == []


def test_client_side_validation_is_invalid_parameter_not_an_outage():
    client = boto_session().client(
        "cognito-idp",
        region_name="eu-west-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    idp = CognitoIdentityProvider(
        user_pool_id=POOL_ID, client_id=CLIENT_ID, client_secret="", client_factory=lambda retry: client
    )
    with pytest.raises(errors.InvalidParameter) as caught:
        idp.admin_get_user("")  # botocore refuses an empty username before sending anything
    assert caught.value.code == "ParamValidationError"


def test_stubber_mismatches_are_not_disguised_as_outages(stubbed):
    idp, stub = stubbed
    stub.add_response("admin_get_user", {"Username": "bob"}, {"UserPoolId": POOL_ID, "Username": "bob"})
    with pytest.raises(StubAssertionError):
        idp.admin_get_user("alice")
    # The mismatched response is still queued; consume it so the fixture's final check passes.
    idp.admin_get_user("bob")


def test_missing_credentials_are_a_configuration_error(backoffs):
    idp, client, _ = failing_idp(NoCredentialsError())
    with pytest.raises(errors.InvalidConfiguration):
        idp.list_users()
    assert client.calls == ["list_users"]


def test_retry_safe_set_names_real_operations():
    client = boto_session().client(
        "cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    for operation in RETRY_SAFE:
        assert hasattr(client, operation), operation
    # Anything that sends a code, creates something or answers a challenge must be one-shot.
    for operation in ONE_SHOT_CALLS:
        assert operation not in RETRY_SAFE
    assert "admin_reset_user_password" not in RETRY_SAFE
    assert "confirm_sign_up" not in RETRY_SAFE


@pytest.mark.parametrize(
    ("message", "disabled", "expired"),
    [
        ("User is disabled.", True, False),
        ("Invalid session for the user, session is expired.", False, True),
        ("Incorrect username or password.", False, False),
    ],
)
def test_not_authorized_tells_disabled_and_expired_session_apart(message, disabled, expired):
    error = errors.error_for("NotAuthorizedException", message)
    assert isinstance(error, errors.NotAuthorized)
    assert error.user_disabled is disabled
    assert error.session_expired is expired


def test_invalid_password_shows_cognitos_reason():
    error = errors.error_for(
        "InvalidPasswordException",
        "Password does not conform to policy: Password must have uppercase characters",
    )
    assert error.user_message == "Password must have uppercase characters"
    assert errors.error_for("InvalidPasswordException", "").user_message == str(
        errors.InvalidPassword.default_message
    )
    history = errors.error_for("PasswordHistoryPolicyViolationException", "Policy: reused")
    assert history.user_message == str(errors.PasswordHistoryViolation.default_message)


def test_user_messages_do_not_leak_cognitos_text():
    error = errors.error_for("UserNotFoundException", "User does not exist: alice@example.com")
    assert "alice" not in error.user_message
