"""`make run` (manage.py runlocal): localcognito + portal come up together, healthy, and stop on Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyotp

from localcognito.core import secret_hash
from tests.conftest import boto_client

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def local_env(tmp_path, env_extra: dict[str, str | None]) -> dict[str, str]:
    """The environment of a `make run` on free ports with its data (and database) under ``tmp_path``;
    a None in ``env_extra`` leaves that variable out."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_", "LOCAL_"))},
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": str(free_port()),
        "LOCAL_COGNITO_PORT": str(free_port()),
        "LOCAL_DATA_DIR": str(tmp_path / "local-data"),
        **env_extra,
    }
    return {key: value for key, value in env.items() if value is not None}


def run_local(tmp_path, env_extra: dict[str, str]) -> tuple[subprocess.Popen, int, int]:
    env = local_env(tmp_path, env_extra)
    portal_port, cognito_port = int(env["PORT"]), int(env["LOCAL_COGNITO_PORT"])
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runlocal"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    wait_for(f"http://127.0.0.1:{portal_port}/healthz")
    return process, portal_port, cognito_port


def stop(process: subprocess.Popen) -> str:
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


def staff_line(output: str) -> str:
    return next(line for line in output.splitlines() if "Staff account:" in line)


def test_runlocal_starts_clean_from_a_corrupt_state_file_and_says_so(tmp_path):
    folder = tmp_path / "local-data"
    folder.mkdir(mode=0o700)
    state = folder / "localcognito-state.pickle"
    state.write_bytes(b"garbage")
    state.chmod(0o600)
    process, _, cognito_port = run_local(tmp_path, {"LOCAL_STAFF_PASSWORD": "Staff-Passw0rd!x"})
    try:
        config = json.loads(wait_for(f"http://127.0.0.1:{cognito_port}/_local/config"))
        assert config["pool_id"]
    finally:
        output = stop(process)
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if "ignored" in line and "starting empty" in line]) == 1


def test_runlocal_refuses_a_busy_port_and_never_touches_what_listens_there(tmp_path):
    """A second make run on the first one's Cognito port must not take over (and re-password) its pool."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_", "LOCAL_"))},
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PORT": str(free_port()),
            "LOCAL_COGNITO_PORT": str(busy),
            "LOCAL_DATA_DIR": str(tmp_path / "local-data"),
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "runlocal"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"port {busy} is in use" in result.stderr and "LOCAL_COGNITO_PORT" in result.stderr
    assert "LOCAL_DATA_DIR" in result.stderr  # a second make run needs a folder of its own too
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "local-data" / "staff.json").exists()  # nothing was set up anywhere


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_second_make_run_on_the_same_folder_is_refused_until_the_first_is_gone(tmp_path):
    """Two instances saving one state file would wipe each other's users (issue #12 follow-up, item 3)."""
    first, _, cognito_port = run_local(tmp_path, {"LOCAL_STAFF_PASSWORD": "Staff-Passw0rd!x"})
    state = tmp_path / "local-data" / "localcognito-state.pickle"
    try:
        second = subprocess.Popen(  # other ports, the same folder
            [sys.executable, "manage.py", "runlocal"],
            cwd=ROOT,
            env=local_env(tmp_path, {}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = second.communicate(timeout=60)
        finally:
            with contextlib.suppress(ProcessLookupError):  # had it started, nothing of it may stay behind
                os.killpg(second.pid, signal.SIGKILL)
        assert second.returncode != 0
        assert "in use by another make run" in err and "LOCAL_DATA_DIR" in err
        assert "Traceback" not in err + out
        reset = subprocess.run(
            ["make", "-s", "reset-local"],
            cwd=ROOT,
            env=local_env(tmp_path, {}),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert reset.returncode != 0 and "in use" in reset.stderr  # nothing deleted under a running pool
        assert state.exists() or listening(cognito_port)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # a crash: no clean-up at all
        first.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while listening(cognito_port) and time.monotonic() < deadline:
        time.sleep(0.1)
    again, _, _ = run_local(tmp_path, {"LOCAL_STAFF_PASSWORD": "Staff-Passw0rd!x"})  # no stale lock
    assert "Traceback" not in stop(again)


def test_sighup_to_make_run_stops_both_servers(tmp_path):
    """Sent to the runlocal process alone (as a process manager does), not to its process group.

    SIGTERM is sent the same way in the lifecycle test below."""
    signum = signal.SIGHUP
    process, portal_port, cognito_port = run_local(tmp_path, {"LOCAL_STAFF_PASSWORD": "Staff-Passw0rd!x"})
    try:
        os.kill(process.pid, signum)
        output, _ = process.communicate(timeout=30)
        orphans = [port for port in (portal_port, cognito_port) if listening(port)]
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its process group
            os.killpg(process.pid, signal.SIGKILL)
    assert orphans == []
    assert "Traceback" not in output
    assert (tmp_path / "local-data" / "localcognito-state.pickle").exists()  # saved on its way out


def test_make_run_stops_both_servers_when_its_parent_dies_even_with_ctrl_c_ignored(tmp_path):
    """A background job of a shell (SIGINT ignored, inherited by its children) whose parent is killed, as
    when a process manager stops `make`: runlocal gets SIGTERM from the kernel (parent-death signal) and
    stops the local Cognito and the portal, the autoreloader's server process included."""
    env = local_env(tmp_path, {"LOCAL_STAFF_PASSWORD": "Staff-Passw0rd!x"})
    portal_port, cognito_port = int(env["PORT"]), int(env["LOCAL_COGNITO_PORT"])
    parent = subprocess.Popen(
        ["sh", "-c", f"{sys.executable} manage.py runlocal >/dev/null 2>&1 & wait"], cwd=ROOT, env=env
    )
    try:
        wait_for(f"http://127.0.0.1:{portal_port}/healthz")
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 30
        while (listening(portal_port) or listening(cognito_port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        orphans = [port for port in (portal_port, cognito_port) if listening(port)]
    finally:
        subprocess.run(
            ["pkill", "-KILL", "-f", f"127.0.0.1:{portal_port}|--port {cognito_port}"], check=False
        )
    assert orphans == []
    assert (tmp_path / "local-data" / "localcognito-state.pickle").exists()  # saved on its way out


def test_make_reset_local_removes_exactly_the_local_data_of_a_folder_with_a_space(tmp_path):
    folder = tmp_path / "x y"
    folder.mkdir()
    kept = [tmp_path / "x", tmp_path / "y", folder / "notes.txt"]
    for path in kept:
        path.write_text("mine")
    names = (
        "localcognito-state.pickle",
        "localcognito-state.pickle.bad",
        "portal.sqlite3",
        "portal.sqlite3-wal",
        "staff.json",
        "env",
    )
    gone = [folder / name for name in names]
    for path in gone:
        path.write_text("local")
    result = subprocess.run(
        ["make", "-s", "reset-local"],
        cwd=ROOT,
        env={**os.environ, "LOCAL_DATA_DIR": str(folder)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not any(path.exists() for path in gone)
    assert all(path.read_text() == "mine" for path in kept)


def enrol_staff(cognito_port: int, username: str, password: str) -> None:
    """The staff account's first sign-in through the API: MFA_SETUP with an authenticator."""
    config = json.loads(wait_for(f"http://127.0.0.1:{cognito_port}/_local/config"))
    admin = boto_client(f"http://127.0.0.1:{cognito_port}")
    secret = {"SECRET_HASH": secret_hash(config["client_secret"], username, config["client_id"])}
    first = admin.admin_initiate_auth(
        UserPoolId=config["pool_id"],
        ClientId=config["client_id"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password, **secret},
    )
    assert first["ChallengeName"] == "MFA_SETUP"  # the printed password is the staff's password
    associated = admin.associate_software_token(Session=first["Session"])
    verified = admin.verify_software_token(
        Session=associated["Session"], UserCode=pyotp.TOTP(associated["SecretCode"]).now()
    )
    admin.admin_respond_to_auth_challenge(
        UserPoolId=config["pool_id"],
        ClientId=config["client_id"],
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": username, **secret},
    )


def test_make_run_starts_everything_then_keeps_pool_users_and_staff_across_restarts(tmp_path):
    """One life of `make run`: start, use, Ctrl-C; start again on the same data, SIGTERM (each start costs
    seconds, so the steps share them)."""
    # No DATABASE_URL: the portal's database is the local-data folder's own.
    staff = {"LOCAL_STAFF_USERNAME": "opsadmin", "LOCAL_STAFF_EMAIL": "ops@example.com", "DATABASE_URL": None}
    process, portal_port, cognito_port = run_local(tmp_path, staff)
    try:
        health = json.loads(wait_for(f"http://127.0.0.1:{portal_port}/healthz"))
        assert health["status"] == "ok"
        config = json.loads(wait_for(f"http://127.0.0.1:{cognito_port}/_local/config"))
        assert health["cognito"]["pool_id"] == config["pool_id"]
        admin = boto_client(f"http://127.0.0.1:{cognito_port}")
        assert (
            admin.admin_get_user(UserPoolId=config["pool_id"], Username="opsadmin")["UserStatus"]
            == "CONFIRMED"
        )
        groups = admin.admin_list_groups_for_user(UserPoolId=config["pool_id"], Username="opsadmin")
        assert {g["GroupName"] for g in groups["Groups"]} == {"portal-staff", "portal-admins"}
        assert b"Local mailbox" in wait_for(f"http://127.0.0.1:{portal_port}/local/mailbox/")
        admin.admin_create_user(
            UserPoolId=config["pool_id"],
            Username="kept",
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": "kept@example.com"}],
        )
    finally:
        first = stop(process)
    first_line = staff_line(first)
    password = first_line.split(" / ")[1].split()[0]
    assert f"http://127.0.0.1:{portal_port}/" in first and "/local/mailbox/" in first
    assert "first sign-in sets up TOTP" in first_line
    assert "Traceback" not in first
    assert not listening(portal_port) and not listening(cognito_port)  # both servers are gone
    env_file = tmp_path / "local-data" / "env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    variables = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert (variables["COGNITO_USER_POOL_ID"], variables["COGNITO_CLIENT_ID"]) == (
        config["pool_id"],
        config["client_id"],
    )
    assert {
        "DJANGO_DEBUG",
        "LOCAL_COGNITO",
        "COGNITO_ENDPOINT_URL",
        "COGNITO_CLIENT_SECRET",
        "AWS_REGION",
    } <= set(variables)
    assert variables["PORTAL_URL"] == f"http://127.0.0.1:{portal_port}"
    assert str(env_file) in first
    assert f"reads it with LOCAL_DATA_DIR={tmp_path / 'local-data'}" in first  # not the default folder
    database = tmp_path / "local-data" / "portal.sqlite3"
    assert variables["DATABASE_URL"] == f"sqlite:///{database}" and database.is_file()
    assert f"Database:        sqlite:///{database}" in first

    process, portal_port, cognito_port = run_local(tmp_path, staff)
    try:
        again = json.loads(wait_for(f"http://127.0.0.1:{cognito_port}/_local/config"))
        assert (again["pool_id"], again["client_id"]) == (config["pool_id"], config["client_id"])
        admin = boto_client(f"http://127.0.0.1:{cognito_port}")
        assert admin.admin_get_user(UserPoolId=config["pool_id"], Username="kept")["Username"] == "kept"
        enrol_staff(cognito_port, "opsadmin", password)  # the generated password was kept and printed again
    finally:
        second = stop(process)
    assert staff_line(second) == first_line

    process, portal_port, cognito_port = run_local(tmp_path, staff)
    try:
        os.kill(process.pid, signal.SIGTERM)  # as a process manager stops it: runlocal alone
        third, _ = process.communicate(timeout=30)
        orphans = [port for port in (portal_port, cognito_port) if listening(port)]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert orphans == []
    line = staff_line(third)
    assert "sign in with your authenticator code" in line and "sets up TOTP" not in line
    assert "Traceback" not in second + third
