"""The server itself: start/stop/url/reset, pass-through, JWKS, control endpoints and fault injection."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from localcognito.server import LocalCognitoServer

from .conftest import Cog, boto, error_code

ROOT = Path(__file__).resolve().parents[2]


def control(server: LocalCognitoServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(server.url + path, data=data, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_start_stop_and_url() -> None:
    # moto's store is process-wide, so a second server in this process sees the same pools.
    server = LocalCognitoServer(port=0)
    server.start()
    url = server.url
    try:
        assert url.startswith("http://127.0.0.1:")
        assert "UserPools" in boto(url).list_user_pools(MaxResults=5)
    finally:
        server.stop()
    with pytest.raises(EndpointConnectionError):
        boto(url).list_user_pools(MaxResults=5)


def test_reset_clears_moto_and_extension_state(local: Cog) -> None:
    local.sign_up()
    assert local.server.outbox()
    status, _ = control(local.server, "POST", "/_local/reset")
    assert status == 200
    assert local.server.outbox() == []
    assert local.idp.list_user_pools(MaxResults=10)["UserPools"] == []


def test_outbox_endpoint_matches_server_outbox(local: Cog) -> None:
    local.sign_up()
    local.sign_up()
    status, body = control(local.server, "GET", "/_local/outbox")
    assert status == 200
    assert body == local.server.outbox()
    assert [m["kind"] for m in body] == ["signup", "signup"]
    assert body[0]["time"] <= body[1]["time"]


def test_config_endpoint(local: Cog) -> None:
    status, body = control(local.server, "GET", "/_local/config")
    assert status == 200
    assert body == {
        "pool_id": local.pool_id,
        "client_id": local.client_id,
        "client_secret": local.pool.client_secret,
        "region": "us-east-1",
        "endpoint_url": local.server.url,
    }
    assert (
        control(local.server, "GET", "/_local/config?pool_name=cognito-portal")[1]["pool_id"] == local.pool_id
    )
    status, body = control(local.server, "GET", "/_local/config?pool_name=nope")
    assert status == 404 and "nope" in body["error"]
    local.server.reset()
    status, body = control(local.server, "GET", "/_local/config")
    assert status == 404 and body["error"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/_local/nothing", None),
        ("POST", "/_local/outbox", b"{}"),
        ("GET", "/_local/config?color=blue", None),
        ("POST", "/_local/faults", b"not json"),
        ("POST", "/_local/faults", {"error": "TooManyRequestsException"}),
        ("POST", "/_local/faults", {"operation": "ListUsers"}),
        ("POST", "/_local/faults", {"operation": "ListUsers", "delay": -1}),
        ("POST", "/_local/faults", {"operation": "ListUsers", "drop": "yes"}),
        ("POST", "/_local/faults", {"operation": "ListUsers", "error": "X", "count": 0}),
        ("POST", "/_local/faults", {"operation": "ListUsers", "error": "X", "status": 200}),
        ("POST", "/_local/faults", {"operation": "ListUsers", "error": "X", "colour": "red"}),
        ("POST", "/_local/faults", [1, 2]),
    ],
)
def test_malformed_control_requests_get_400(
    lc_server: LocalCognitoServer, method: str, path: str, body: Any
) -> None:
    status, payload = control(lc_server, method, path, body)
    assert status == 400
    assert isinstance(payload["error"], str) and payload["error"]
    assert lc_server.faults.rules() == []


def test_fault_error_for_n_calls(local: Cog) -> None:
    status, body = control(
        local.server,
        "POST",
        "/_local/faults",
        {"operation": "ListUsers", "error": "TooManyRequestsException", "count": 2},
    )
    assert status == 200 and body["faults"][0]["count"] == 2
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            local.idp.list_users(UserPoolId=local.pool_id)
        assert error_code(exc) == "TooManyRequestsException"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert local.idp.list_users(UserPoolId=local.pool_id)["Users"] == []


def test_fault_message_status_and_clear(local: Cog) -> None:
    control(
        local.server,
        "POST",
        "/_local/faults",
        {
            "operation": "AdminGetUser",
            "error": "InternalErrorException",
            "message": "boom",
            "status": 500,
            "count": None,
        },
    )
    for _ in range(2):
        with pytest.raises(ClientError) as exc:
            local.idp.admin_get_user(UserPoolId=local.pool_id, Username="x")
        assert error_code(exc) == "InternalErrorException"
        assert exc.value.response["Error"]["Message"] == "boom"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert control(local.server, "DELETE", "/_local/faults")[0] == 200
    with pytest.raises(ClientError) as exc:
        local.idp.admin_get_user(UserPoolId=local.pool_id, Username="x")
    assert error_code(exc) == "UserNotFoundException"
    control(
        local.server,
        "POST",
        "/_local/faults",
        {"operation": "*", "error": "TooManyRequestsException", "count": None},
    )
    assert control(local.server, "POST", "/_local/faults", {"clear": True})[0] == 200
    local.idp.list_users(UserPoolId=local.pool_id)


def test_fault_delay(local: Cog) -> None:
    control(local.server, "POST", "/_local/faults", {"operation": "DescribeUserPool", "delay": 0.3})
    start = time.monotonic()
    local.idp.describe_user_pool(UserPoolId=local.pool_id)
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    local.idp.describe_user_pool(UserPoolId=local.pool_id)
    assert time.monotonic() - start < 0.3


def test_fault_drop_connection(local: Cog) -> None:
    control(local.server, "POST", "/_local/faults", {"operation": "ListUsers", "drop": True})
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        local.idp.list_users(UserPoolId=local.pool_id)
    assert local.idp.list_users(UserPoolId=local.pool_id)["Users"] == []


def test_pass_through_operations_and_jwks(local: Cog) -> None:
    username = local.make_user()
    local.idp.admin_add_user_to_group(UserPoolId=local.pool_id, Username=username, GroupName="portal-staff")
    pool = local.idp.describe_user_pool(UserPoolId=local.pool_id)["UserPool"]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["DeviceConfiguration"]["DeviceOnlyRememberedOnUserPrompt"] is True
    groups = local.idp.admin_list_groups_for_user(UserPoolId=local.pool_id, Username=username)["Groups"]
    assert [g["GroupName"] for g in groups] == ["portal-staff"]
    _, tokens = local.enrol(username)
    with urllib.request.urlopen(f"{local.server.url}/{local.pool_id}/.well-known/jwks.json", timeout=5) as r:  # noqa: S310
        jwks = json.load(r)
    key = jwt.PyJWKSet.from_dict(jwks).keys[0].key
    claims = jwt.decode(
        tokens["IdToken"],
        key,
        algorithms=["RS256"],
        audience=local.client_id,
        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{local.pool_id}",
    )
    assert claims["email"] == f"{username}@example.com"
    assert claims["cognito:groups"] == ["portal-staff"]


def test_errors_are_cognito_json(local: Cog) -> None:
    body = json.dumps({"ClientId": "nope", "Username": "a", "Password": "b"}).encode()
    request = urllib.request.Request(  # noqa: S310
        local.server.url + "/",
        data=body,
        method="POST",
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.SignUp",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    assert exc.value.code == 400
    assert json.load(exc.value)["__type"] == "ResourceNotFoundException"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_m_localcognito_runs_and_exits_cleanly_on_ctrl_c() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localcognito", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_local/outbox", timeout=1) as r:
                    assert json.load(r) == []
                break
            except OSError:
                assert time.monotonic() < deadline, "localcognito did not start"
                time.sleep(0.1)
        assert boto(f"http://127.0.0.1:{port}").list_user_pools(MaxResults=1)["UserPools"] == []
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert b"Traceback" not in err
    assert b"127.0.0.1" in out
