"""deploy/iam-policy.json grants exactly the IAM-authorised Cognito calls the gateway makes, on the pool only.

The calls are read from the gateway's modules (every ``_send("…")`` / ``_admin("…")``); botocore's
service model says which are IAM-authorised (SigV4). The others (``SignUp``, ``GetUser``, ``RevokeToken`` …)
are unauthenticated or authorised by the user's access token: IAM cannot grant or deny them.
"""

from __future__ import annotations

import ast
import json

import botocore.session
import pytest
from botocore import xform_name

from tests.deploy.server import ROOT

GATEWAY = (ROOT / "accounts" / "cognito" / "idp.py", ROOT / "accounts" / "cognito" / "directory.py")
POLICY = ROOT / "deploy" / "iam-policy.json"
POOL_ARN = "arn:aws:cognito-idp:REGION:ACCOUNT_ID:userpool/USER_POOL_ID"


def gateway_operations() -> set[str]:
    """The API names (``AdminInitiateAuth`` …) of every call in the gateway."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    api_names = {xform_name(name): name for name in model.operation_names}
    found: set[str] = set()
    for module in GATEWAY:
        for function in ast.walk(ast.parse(module.read_text())):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                if node.func.attr not in ("_send", "_admin"):
                    continue
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(api_names[first.value])
                else:
                    # Only the _admin helper may pass its operation through; any other call names its own.
                    assert function.name == "_admin", f"{module.name}:{node.lineno} calls a computed name"
    return found


def iam_authorised(operations: set[str]) -> set[str]:
    model = botocore.session.get_session().get_service_model("cognito-idp")
    return {name for name in operations if model.operation_model(name).auth_type != "none"}


@pytest.fixture(scope="module")
def statements() -> list[dict]:
    return json.loads(POLICY.read_text())["Statement"]


def test_the_policy_grants_exactly_the_iam_calls_the_gateway_makes(statements):
    granted = {action.removeprefix("cognito-idp:") for s in statements for action in s["Action"]}
    used = iam_authorised(gateway_operations())
    assert "AdminInitiateAuth" in used and "ListUsers" in used  # the derivation found the calls
    assert not used - granted, f"deploy/iam-policy.json lacks {sorted(used - granted)}"
    assert not granted - used, f"deploy/iam-policy.json grants unused {sorted(granted - used)}"


def test_the_policy_only_allows_named_actions_on_the_pool(statements):
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}  # no NotAction / NotResource
        assert statement["Resource"] == POOL_ARN
        for action in statement["Action"]:
            assert action.startswith("cognito-idp:") and "*" not in action, action


def test_calls_iam_cannot_grant_are_left_out():
    used = gateway_operations()
    unauthenticated = used - iam_authorised(used)
    assert {"SignUp", "GetUser", "RevokeToken", "ConfirmDevice"} <= unauthenticated
