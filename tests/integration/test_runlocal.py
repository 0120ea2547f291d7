"""`make run` (manage.py runlocal): localcognito + portal come up together, healthy, and stop on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def test_runlocal_starts_everything_prints_credentials_and_stops_on_ctrl_c(tmp_path):
    portal_port, cognito_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("COGNITO_", "DJANGO_"))},
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": str(portal_port),
        "LOCAL_COGNITO_PORT": str(cognito_port),
        "LOCAL_STAFF_USERNAME": "opsadmin",
        "LOCAL_STAFF_PASSWORD": "Staff-Passw0rd!x",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runlocal"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        health = json.loads(wait_for(f"http://127.0.0.1:{portal_port}/healthz"))
        assert health["status"] == "ok"
        config = json.loads(wait_for(f"http://127.0.0.1:{cognito_port}/_local/config"))
        assert health["cognito"]["pool_id"] == config["pool_id"]
        admin = boto_client(f"http://127.0.0.1:{cognito_port}")
        staff = admin.admin_get_user(UserPoolId=config["pool_id"], Username="opsadmin")
        assert staff["UserStatus"] == "CONFIRMED"
        groups = admin.admin_list_groups_for_user(UserPoolId=config["pool_id"], Username="opsadmin")
        assert {g["GroupName"] for g in groups["Groups"]} == {"portal-staff", "portal-admins"}
        mailbox = wait_for(f"http://127.0.0.1:{portal_port}/local/mailbox/")
        assert b"Local mailbox" in mailbox
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode is not None
    assert f"http://127.0.0.1:{portal_port}/" in output
    assert "opsadmin / Staff-Passw0rd!x" in output
    assert "/local/mailbox/" in output
    assert "Traceback" not in output
    with socket.socket() as sock:  # both servers are gone
        assert sock.connect_ex(("127.0.0.1", portal_port)) != 0
        assert sock.connect_ex(("127.0.0.1", cognito_port)) != 0
