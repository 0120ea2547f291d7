"""State that survives a restart: ``python -m localcognito --state FILE`` (issue #12, "Also")."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jwt
import pytest

from accounts.cognito.bootstrap import bootstrap_pool
from localcognito import persistence

from .conftest import PASSWORD, boto, totp

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def localcognito(state: Path) -> Iterator[tuple[str, list[str]]]:
    """``python -m localcognito --state`` in a child process; yields (url, its stderr lines once stopped)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localcognito", "--port", str(port), "--quiet", "--state", str(state)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    stderr: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/_local/outbox", timeout=1):  # noqa: S310 (loopback)
                    break
            except OSError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "localcognito did not start"
                time.sleep(0.1)
        yield url, stderr
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        stderr.extend(err.splitlines())


def jwks(url: str, pool_id: str) -> jwt.PyJWKSet:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{url}/{pool_id}/.well-known/jwks.json",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/cognito-idp/aws4_request"
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return jwt.PyJWKSet.from_dict(json.load(response))


def test_a_restart_keeps_pools_users_totp_secrets_outbox_and_token_keys(tmp_path: Path) -> None:
    state = tmp_path / ".local" / "localcognito-state.pickle"
    with localcognito(state) as (url, _):
        idp = boto(url)
        pool = bootstrap_pool(idp, with_secret=False)
        idp.admin_create_user(
            UserPoolId=pool.pool_id,
            Username="kate",
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": "kate@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        )
        idp.admin_set_user_password(
            UserPoolId=pool.pool_id, Username="kate", Password=PASSWORD, Permanent=True
        )
        auth = {"USERNAME": "kate", "PASSWORD": PASSWORD}
        first = idp.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=auth,
        )
        assoc = idp.associate_software_token(Session=first["Session"])
        verified = idp.verify_software_token(Session=assoc["Session"], UserCode=totp(assoc["SecretCode"]))
        tokens = idp.admin_respond_to_auth_challenge(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": "kate"},
        )["AuthenticationResult"]
        idp.sign_up(
            ClientId=pool.client_id,
            Username="newcomer",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "newcomer@example.com"}],
        )
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.parent.stat().st_mode) == 0o700

    with localcognito(state) as (url, stderr):
        idp = boto(url)
        again = bootstrap_pool(idp, with_secret=False)
        assert (again.pool_id, again.client_id, again.created) == (pool.pool_id, pool.client_id, False)
        assert idp.admin_get_user(UserPoolId=pool.pool_id, Username="kate")["UserStatus"] == "CONFIRMED"
        assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "kate"
        key = jwks(url, pool.pool_id).keys[0].key
        claims = jwt.decode(tokens["IdToken"], key, algorithms=["RS256"], audience=pool.client_id)
        assert claims["cognito:username"] == "kate"
        step = idp.admin_initiate_auth(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=auth,
        )
        assert step["ChallengeName"] == "SOFTWARE_TOKEN_MFA"  # the TOTP secret survived
        done = idp.admin_respond_to_auth_challenge(
            UserPoolId=pool.pool_id,
            ClientId=pool.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=step["Session"],
            ChallengeResponses={"USERNAME": "kate", "SOFTWARE_TOKEN_MFA_CODE": totp(assoc["SecretCode"], 1)},
        )
        assert "AuthenticationResult" in done
        with urllib.request.urlopen(url + "/_local/outbox", timeout=5) as response:  # noqa: S310
            outbox = json.load(response)
        assert [m["username"] for m in outbox] == ["newcomer"]
    assert not [line for line in stderr if "Traceback" in line]


def test_a_corrupt_state_file_gives_one_line_and_a_clean_start(tmp_path: Path) -> None:
    state = tmp_path / "localcognito-state.pickle"
    state.write_bytes(persistence.MAGIC + b"\x80\x05 this is not a pickle")
    state.chmod(0o600)
    with localcognito(state) as (url, stderr):
        assert boto(url).list_user_pools(MaxResults=10)["UserPools"] == []
    assert not any("Traceback" in line for line in stderr)
    messages = [line for line in stderr if "state file" in line]
    assert len(messages) == 1 and "starting empty" in messages[0]
    assert (tmp_path / "localcognito-state.pickle.bad").exists()  # kept for a look, not overwritten


def test_a_state_file_cannot_run_code() -> None:
    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    data = persistence.MAGIC + pickle.dumps({"moto": "x", "store": Exploit()})
    with pytest.raises(persistence.StateFileError):
        persistence.loads(data)


def test_a_state_file_others_could_write_is_not_loaded(tmp_path: Path) -> None:
    state = tmp_path / "localcognito-state.pickle"
    with localcognito(state) as (url, _):
        bootstrap_pool(boto(url))
    state.chmod(0o666)
    with localcognito(state) as (url, stderr):
        assert boto(url).list_user_pools(MaxResults=10)["UserPools"] == []
    assert any("writable by others" in line for line in stderr)


def _stack_global(module: str, name: str, argument: str) -> bytes:
    """A protocol-4 pickle calling ``module``.``name``(argument) through STACK_GLOBAL (dotted names too)."""

    def short(text: str) -> bytes:
        raw = text.encode()
        return b"\x8c" + bytes([len(raw)]) + raw

    call = short(module) + short(name) + b"\x93" + short(argument) + b"\x85R."
    return persistence.MAGIC + b"\x80\x04" + call


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("moto.settings", "os.system"),  # the tester's bypass: an allowed prefix, then a dotted walk
        ("localcognito.persistence", "os.system"),
        ("localcognito.core", "secrets.os.system"),
        ("moto.cognitoidp.models", "CognitoIdpUser.__init__.__globals__"),
        ("posix", "system"),
        ("os", "system"),
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("builtins", "getattr"),
        ("builtins", "__import__"),
        ("copyreg", "_reconstructor"),
        ("functools", "partial"),
        ("subprocess", "getoutput"),
    ],
)
def test_a_state_file_resolves_no_name_outside_the_allow_list(tmp_path: Path, module: str, name: str) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(persistence.StateFileError):
        persistence.loads(_stack_global(module, name, f"touch {marker}"))
    assert not marker.exists()


def test_every_kind_of_object_a_pool_holds_survives_the_allow_list(local) -> None:
    """IdPs, resource servers, domains, custom attributes, groups, users, tokens, codes, TOTP, devices."""
    idp, pool_id = local.idp, local.pool_id
    idp.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={"client_id": "id", "client_secret": "secret", "authorize_scopes": "openid"},
    )
    idp.create_resource_server(UserPoolId=pool_id, Identifier="api", Name="api")
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="lc-" + local.name())
    idp.add_custom_attributes(
        UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}]
    )
    user = local.make_user()
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="portal-staff")
    _, tokens = local.enrol(user)  # a TOTP secret, tokens and a new device
    local.remember(tokens)
    local.sign_up()  # a confirmation code
    with local.server.ext.lock:
        data = persistence.dumps(local.server.state_payload())
    payload = persistence.loads(data)
    pool = next(p for s in payload["store"].values() for p in s["user_pools"].values() if p.id == pool_id)
    assert set(pool.identity_providers) == {"Google"} and set(pool.resource_servers) == {"api"}
    assert user in pool.users and payload["state"].devices and payload["state"].totp


def _damaged(payload: dict, damage: str) -> dict:
    """A copy of a good payload with one part broken as a hand-edited file might be."""
    broken = dict(payload)
    if damage == "no outbox":
        del broken["outbox"]
    elif damage == "outbox an int":
        broken["outbox"] = 5
    elif damage == "outbox of strings":
        broken["outbox"] = ["x"]
    elif damage == "store an int":
        broken["store"] = 5
    elif damage == "store of strings":
        broken["store"] = {("123456789012", "us-east-1"): "x"}
    elif damage == "state a dict":
        broken["state"] = {}
    elif damage == "devices an int":
        broken["state"] = dataclasses.replace(payload["state"], devices=5)
    return broken


DAMAGES = [
    "no outbox",
    "outbox an int",
    "outbox of strings",
    "store an int",
    "store of strings",
    "state a dict",
    "devices an int",
]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_payload_restores_nothing_and_says_so_in_one_line(
    local, tmp_path: Path, damage: str
) -> None:
    local.make_user()
    with local.server.ext.lock:
        payload = local.server.state_payload()
        payload.pop("moto", None)
        data = persistence.dumps(_damaged(payload, damage))
    state = tmp_path / "localcognito-state.pickle"
    state.write_bytes(data)
    state.chmod(0o600)
    with localcognito(state) as (url, stderr):
        assert boto(url).list_user_pools(MaxResults=10)["UserPools"] == []  # no pool restored
    assert not any("Traceback" in line for line in stderr), stderr
    assert [line for line in stderr if line.strip()] == [
        next(line for line in stderr if "ignored" in line and "starting empty" in line)
    ]


def test_a_directory_given_as_the_state_file_is_refused_and_never_moved(tmp_path: Path) -> None:
    folder = tmp_path / "state-folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "localcognito", "--port", str(free_port()), "--state", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is a directory" in lines[0], result.stderr
    assert (folder / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "state-folder.bad").exists()


def test_refresh_tokens_from_a_file_older_than_token_records_still_refresh(tmp_path: Path) -> None:
    state = tmp_path / "localcognito-state.pickle"
    with localcognito(state) as (url, _):
        idp = boto(url)
        pool_id = idp.create_user_pool(PoolName="old-file", MfaConfiguration="OFF")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="c",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username="olga", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="olga", Password=PASSWORD, Permanent=True)
        tokens = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "olga", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
    payload = persistence.loads(state.read_bytes())
    del payload["state"].refresh_issued  # as written before localcognito recorded refresh tokens
    state.write_bytes(persistence.dumps({k: v for k, v in payload.items() if k != "moto"}))
    with localcognito(state) as (url, stderr):
        refreshed = boto(url).initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )
        assert refreshed["AuthenticationResult"]["AccessToken"]
    assert not [line for line in stderr if "ignored" in line]


def test_a_second_localcognito_on_the_same_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "localcognito-state.pickle"
    with localcognito(state) as (url, _):
        bootstrap_pool(boto(url))
        second = subprocess.run(
            [sys.executable, "-m", "localcognito", "--port", str(free_port()), "--state", str(state)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert second.returncode == 2
    assert "in use by another localcognito" in second.stderr and "Traceback" not in second.stderr
    with localcognito(state) as (url, stderr):  # the first one's lock went with it
        assert boto(url).list_user_pools(MaxResults=10)["UserPools"]
    assert not [line for line in stderr if "ignored" in line]
