"""No secret travels in a URL: nothing the portal reads from a query string is named like a secret.

Query strings end up in access logs, browser history and Referer headers. Codes, Cognito sessions, tokens
and passwords are only ever POSTed (and the access log records paths without query strings, see
gunicorn.conf.py). This reads every ``request.GET`` lookup in ``accounts/`` and every field of a form
bound to a query string.
"""

from __future__ import annotations

import ast
import runpy

from accounts.log_redaction import SECRET_NAME
from accounts.staff.forms import UserSearchForm
from tests.deploy.server import ROOT

# A signed, opaque paging cursor for Cognito's ListUsers: it names a position, not a credential.
NOT_SECRET = {"page_token"}


def query_string_reads() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "accounts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            target = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in ("get", "getlist", "pop") and _is_get(node.func.value) and node.args:
                    target = node.args[0]
            elif isinstance(node, ast.Subscript) and _is_get(node.value):
                target = node.slice
            if isinstance(target, ast.Constant) and isinstance(target.value, str):
                names.add(target.value)
    return names


def _is_get(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "GET"


def test_no_query_string_parameter_is_named_like_a_secret():
    names = query_string_reads() | set(UserSearchForm.base_fields)
    assert "next" in names and "q" in names  # the scan sees the portal's real query parameters
    secret_looking = {name for name in names - NOT_SECRET if SECRET_NAME.search(name)}
    assert not secret_looking, f"read from a URL: {sorted(secret_looking)}"


def test_the_access_log_leaves_query_strings_out():
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert "%(U)s" in conf["access_log_format"]
    assert "%(r)s" not in conf["access_log_format"] and "%(q)s" not in conf["access_log_format"]
