"""An independent client: amazon-cognito-identity-js under Node drives the whole flow against localcognito.

It is the one device-SRP implementation not written in this project (pycognito's shares its maths with
ours). Needs ``node`` and ``make js-deps`` (the pinned package from the npm registry, installed into
tests/conformance/js/node_modules); skipped with the reason otherwise. Loopback only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import PASSWORD, Cog

JS = Path(__file__).resolve().parent / "js"
PACKAGE = JS / "node_modules" / "amazon-cognito-identity-js" / "package.json"


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed (Debian: apt-get install nodejs npm; then make js-deps)")
    if not PACKAGE.exists():
        pytest.skip("amazon-cognito-identity-js is not installed: run `make js-deps`")
    return path


@pytest.mark.parametrize("cog", ["public"], indirect=True)  # the library has no client-secret support
def test_amazon_cognito_identity_js_signs_up_sets_up_totp_remembers_the_device_and_refreshes(
    local: Cog,
) -> None:
    executable = node()
    pinned = json.loads((JS / "package.json").read_text())["dependencies"]["amazon-cognito-identity-js"]
    assert json.loads(PACKAGE.read_text())["version"] == pinned  # npm ci installed exactly the pin
    username = local.name()
    config = {
        "endpoint": local.server.url,
        "poolId": local.pool_id,
        "clientId": local.client_id,
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
    }
    run = subprocess.run(
        [executable, str(JS / "flow.js"), json.dumps(config)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
    assert run.returncode == 0 and report.get("ok"), (report, run.stderr[-2000:])
    steps = report["steps"]
    assert steps["signUp"]["userConfirmed"] is False
    assert steps["mfaSetupChallenge"] and steps["mfaSetupTokens"]
    assert steps["totpChallenge"] and steps["deviceConfirmed"] and steps["userConfirmationNecessary"]
    assert steps["deviceSignInTokens"] and steps["deviceSignInUsername"] == username
    assert steps["refreshed"]
    devices = local.idp.admin_list_devices(UserPoolId=local.pool_id, Username=username)["Devices"]
    assert [d["DeviceKey"] for d in devices] == [steps["deviceKey"]]
    status = {a["Name"]: a["Value"] for a in devices[0]["DeviceAttributes"]}["dev:device_remembered_status"]
    assert status == "remembered"
    assert devices[0].get("DeviceLastAuthenticatedDate")  # the device SRP sign-in happened
