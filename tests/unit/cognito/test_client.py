"""The boto3 clients: one per process and kind, configured from settings, retrying only what is safe.

The last tests talk HTTP to a tiny fake Cognito on 127.0.0.1 and count the requests it receives, so they
check what botocore really does with our ``Config`` (not what we hope it does).
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from botocore.retries.standard import ExponentialBackoff

from accounts.cognito import client as client_module
from accounts.cognito import errors, transport
from accounts.cognito.idp import CognitoIdentityProvider


@pytest.fixture(autouse=True)
def fresh_clients(settings):
    settings.COGNITO_REGION = "eu-west-1"
    settings.COGNITO_ENDPOINT_URL = ""
    settings.COGNITO_CONNECT_TIMEOUT = 1.5
    settings.COGNITO_READ_TIMEOUT = 4.0
    settings.COGNITO_MAX_ATTEMPTS = 3
    client_module.reset_clients()
    yield
    client_module.reset_clients()


def test_the_same_client_is_returned_every_time():
    assert client_module.get_client() is client_module.get_client()
    assert client_module.get_client(retry=False) is client_module.get_client(retry=False)
    assert client_module.get_client(retry=False) is not client_module.get_client(retry=True)


def test_reset_builds_a_new_client():
    first = client_module.get_client()
    client_module.reset_clients()
    assert client_module.get_client() is not first


def test_concurrent_first_use_builds_one_client(monkeypatch):
    built = []
    real_build = client_module._build
    barrier = threading.Barrier(8)

    def counting_build(retry):
        built.append(retry)
        return real_build(retry)

    monkeypatch.setattr(client_module, "_build", counting_build)
    seen = []

    def worker():
        barrier.wait()
        seen.append(client_module.get_client())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == [True]
    assert len({id(c) for c in seen}) == 1


def test_retrying_client_configuration():
    config = client_module.get_client().meta.config
    assert config.connect_timeout == 1.5
    assert config.read_timeout == 4.0
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.region_name == "eu-west-1"


def test_one_shot_client_makes_a_single_attempt():
    config = client_module.get_client(retry=False).meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert (config.connect_timeout, config.read_timeout) == (1.5, 4.0)


def test_endpoint_url_from_settings(settings, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9229"
    client = client_module.get_client()
    assert client.meta.endpoint_url == "http://127.0.0.1:9229"
    # Local mode never goes looking for real AWS credentials.
    assert client._request_signer._credentials.access_key == "local"


def test_real_endpoint_without_override():
    assert client_module.get_client().meta.endpoint_url == "https://cognito-idp.eu-west-1.amazonaws.com"


# -- real HTTP against a fake Cognito on loopback
class FakeCognito(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeCognitoHandler)
        self.mode = "throttle"
        self.targets: list[str] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FakeCognitoHandler(http.server.BaseHTTPRequestHandler):
    server: FakeCognito

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.targets.append(self.headers.get("X-Amz-Target", ""))
        if self.server.mode == "hang":
            self.server.release.wait(10)  # the client gives up first (read timeout)
            return
        body = json.dumps({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "req-throttled")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_cognito(settings, monkeypatch):
    server = FakeCognito()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.COGNITO_ENDPOINT_URL = server.url
    settings.COGNITO_READ_TIMEOUT = 0.3
    # Count attempts, do not wait for them.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(transport, "_backoff", lambda attempt: None)
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def gateway() -> CognitoIdentityProvider:
    return CognitoIdentityProvider(user_pool_id="eu-west-1_Pool", client_id="client", client_secret="")


def test_read_only_call_is_retried_by_botocore_when_throttled(fake_cognito):
    with pytest.raises(errors.CognitoUnavailable) as caught:
        gateway().list_users()
    assert fake_cognito.targets == ["AWSCognitoIdentityProviderService.ListUsers"] * 3
    assert caught.value.request_id == "req-throttled"


def test_one_shot_call_is_retried_by_the_gateway_when_throttled(fake_cognito):
    with pytest.raises(errors.CognitoUnavailable):
        gateway().sign_up("alice", "Correct-Horse-42!", {})
    assert fake_cognito.targets == ["AWSCognitoIdentityProviderService.SignUp"] * 3


@pytest.mark.parametrize(
    ("call", "target"),
    [
        (lambda idp: idp.sign_up("alice", "Correct-Horse-42!", {}), "SignUp"),
        (
            lambda idp: idp.admin_respond_to_auth_challenge("SOFTWARE_TOKEN_MFA", "s" * 30, "alice", {}),
            "AdminRespondToAuthChallenge",
        ),
        (
            lambda idp: idp.confirm_device("a" * 20, "eu-west-1_d", verifier="v", salt="s", device_name="n"),
            "ConfirmDevice",
        ),
    ],
    ids=["sign_up", "admin_respond_to_auth_challenge", "confirm_device"],
)
def test_one_shot_call_is_sent_exactly_once_after_a_read_timeout(fake_cognito, call, target):
    fake_cognito.mode = "hang"
    with pytest.raises(errors.CognitoUnavailable) as caught:
        call(gateway())
    assert fake_cognito.targets == [f"AWSCognitoIdentityProviderService.{target}"]
    assert caught.value.code == "ReadTimeoutError"


def test_connection_refused_is_unavailable(settings, monkeypatch):
    # Port 9 (discard) on loopback: nothing listens there.
    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"
    settings.COGNITO_MAX_ATTEMPTS = 2
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(transport, "_backoff", lambda attempt: None)
    with pytest.raises(errors.CognitoUnavailable) as caught:
        gateway().admin_get_user("alice")
    assert caught.value.code == "EndpointConnectionError"
