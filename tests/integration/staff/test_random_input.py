"""Random input to every staff form and query string: a clear answer, never a server error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import NOBODY

pytestmark = pytest.mark.django_db

text = st.text(max_size=300)
fuzz = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz
@given(
    q=text,
    attr=st.sampled_from(["username", "email", "sub", "name", "custom:x", ""]) | text,
    status=text,
    enabled=text,
    group=text,
    page_size=text,
    page_token=text,
)
def test_list_query_strings(cognito, staff_client, q, attr, status, enabled, group, page_size, page_token):
    params = {
        "q": q,
        "attr": attr,
        "status": status,
        "enabled": enabled,
        "group": group,
        "page_size": page_size,
        "page_token": page_token,
    }
    assert staff_client.get("/admin/cognito/users/", params).status_code == 200
    assert staff_client.get("/admin/cognito/users/export.csv", params).status_code in (200, 302)


@fuzz
@given(username=text, email=text, reason=text)
def test_invite_form(cognito, staff_client, username, email, reason):
    data = {"username": username, "email": email, "reason": reason}
    assert staff_client.post("/admin/cognito/invite/", data).status_code in (302, 400)


@fuzz
@given(confirm=text, reason=text, group=text, device_key=text)
def test_action_forms(cognito, staff_client, confirm, reason, group, device_key):
    for action, data in (
        ("delete", {"confirm_username": confirm, "reason": reason}),
        ("add_to_group", {"group": group, "reason": reason}),
        ("forget_device", {"device_key": device_key}),
    ):
        response = staff_client.post(f"/admin/cognito/users/{NOBODY}/actions/{action}/", data)
        assert response.status_code in (302, 400, 404)


@fuzz
@given(name=st.text(min_size=1, max_size=200).filter(lambda s: "\x00" not in s))
def test_lookup_names(cognito, staff_client, name):
    from urllib.parse import quote

    response = staff_client.get("/admin/cognito/users/" + quote(name, safe="") + "/")
    assert response.status_code in (200, 301, 302, 404)


@fuzz
@given(action=text, selected=st.lists(text, max_size=5), group=text, post=st.sampled_from(["", "yes"]))
def test_bulk_posts(cognito, staff_client, action, selected, group, post):
    data = {"action": action, "_selected_action": selected, "group": group, "post": post}
    assert staff_client.post("/admin/cognito/users/", data).status_code in (200, 302, 400)
