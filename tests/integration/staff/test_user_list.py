"""The user list: one Cognito call per view, search per attribute, filters, signed paging, bulk actions."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from accounts.cognito import get_idp
from accounts.models import AuditEvent
from tests.conftest import STRONG_PASSWORD

from .conftest import NOBODY, create_users, detail_url, inject_fault, sub_of

pytestmark = pytest.mark.django_db

LIST = "/admin/cognito/users/"


def usernames(response) -> list[str]:
    """The usernames in the result table, in page order."""
    cells = r'<th class="field-username"><a href="[^"]*">(.*?)</a></th>'
    found = re.findall(cells, response.content.decode())
    return [name.replace("<wbr>", "") for name in found]  # names may wrap after @ . _ + -


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_list_shows_the_columns_and_links_each_row(cognito, cognito_calls, staff_client):
    cognito.create_user("alice", email="alice@example.org")
    cognito.create_user("bob", enabled=False)
    cognito_calls.clear()
    response = staff_client.get(LIST)
    assert response.status_code == 200
    assert cognito_calls["ListUsers"] == 1
    assert sorted(usernames(response)) == ["alice", "bob"]
    body = response.content.decode().replace("<wbr>", "")  # addresses may wrap after @ and dots
    assert f'href="{detail_url(cognito, "alice")}"' in body  # rows link to the user's sub
    assert "alice@example.org" in body
    assert 'cognito-badge ok">CONFIRMED' in body
    assert 'cognito-badge off">Disabled' in body
    for column in ("Username", "Email", "Status", "Enabled", "Created", "Modified"):
        assert f"<span>{column}</span>" in body
    # Issue #14: labelled as Cognito's estimate, with its age.
    label = (
        r"Cognito\u2019s estimate: about 2 users in the pool \(as of [0-9-]+ [0-9:]+ UTC, 0\xa0minutes ago\)"
    )
    assert re.search(label, body)
    assert '<div class="breadcrumbs">' in body  # the admin's chrome


def test_second_view_makes_exactly_one_cognito_call(cognito, cognito_calls, staff_client):
    cognito.create_user("alice")
    staff_client.get(LIST)  # warms the pool description and group caches
    cognito_calls.clear()
    staff_client.get(LIST)
    assert dict(cognito_calls) == {"ListUsers": 1}


@pytest.mark.parametrize(
    ("attr", "value", "query"),
    [
        ("username", None, "ali"),
        ("email", None, "alice@exa"),
        ("phone_number", "+4915112345678", "+49151"),
        ("name", "Alice Liddell", "Alice L"),
        ("given_name", "Alice", "Ali"),
        ("family_name", "Liddell", "Lid"),
        ("preferred_username", "wonder", "won"),
    ],
)
def test_search_by_attribute_prefix(cognito, staff_client, attr, value, query):
    attributes = {attr: value} if value else {}
    cognito.create_user("alice", attributes=attributes)
    other = "+4917000000000" if attr == "phone_number" else "zzz"  # Cognito checks the phone format
    cognito.create_user("bob", attributes={attr: other} if value else {})
    response = staff_client.get(LIST, {"q": query, "attr": attr})
    assert usernames(response) == ["alice"]


def test_search_by_sub_is_exact(cognito, staff_client):
    cognito.create_user("alice")
    cognito.create_user("bob")
    sub = get_idp().admin_get_user("alice").sub
    assert usernames(staff_client.get(LIST, {"q": sub, "attr": "sub"})) == ["alice"]
    assert usernames(staff_client.get(LIST, {"q": sub[:8], "attr": "sub"})) == []


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ('O"Brien', 'name ^= "O\\"Brien"'),
        ("back\\slash", 'name ^= "back\\\\slash"'),
        ('x\\" or name ^= "', 'name ^= "x\\\\\\" or name ^= \\""'),
    ],
)
def test_quotes_and_backslashes_reach_cognito_escaped(cognito, staff_client, value, sent):
    from accounts.cognito.client import get_client

    filters_sent = []

    def capture(params, **kwargs):
        filters_sent.append(params.get("Filter"))

    get_client(retry=True).meta.events.register("provide-client-params.cognito-idp.ListUsers", capture)
    response = staff_client.get(LIST, {"q": value, "attr": "name"})
    assert response.status_code == 200
    assert filters_sent == [sent]


@pytest.mark.parametrize("value", ['O"Brien', "back\\slash", 'x\\" or name ^= "'])
def test_quotes_and_backslashes_are_searched_literally(cognito, staff_client, value):
    cognito.create_user("alice", attributes={"name": value + " tail"})
    cognito.create_user("bob", attributes={"name": "Bob"})
    response = staff_client.get(LIST, {"q": value, "attr": "name"})
    assert response.status_code == 200
    assert usernames(response) == ["alice"]


def test_injection_attempt_cannot_widen_the_search(cognito, staff_client):
    cognito.create_user("alice")
    cognito.create_user("bob")
    response = staff_client.get(LIST, {"q": 'x" or username ^= "', "attr": "username"})
    assert response.status_code == 200
    assert usernames(response) == []


def test_unknown_attribute_and_bad_input_give_messages_not_errors(cognito, staff_client):
    cognito.create_user("alice")
    response = staff_client.get(LIST, {"q": "a", "attr": "custom:role", "page_size": "500", "status": "NOPE"})
    assert response.status_code == 200
    text = " ".join(messages_of(response))
    assert "in:" in text and "Per page:" in text and "Status:" in text
    assert "left out" in text


def test_status_filter(cognito, staff_client):
    cognito.create_user("alice")
    get_idp().sign_up("bob", STRONG_PASSWORD, {"email": "bob@example.com"})
    assert usernames(staff_client.get(LIST, {"status": "UNCONFIRMED"})) == ["bob"]
    assert usernames(staff_client.get(LIST, {"status": "confirmed"})) == ["alice"]


def test_enabled_filter(cognito, staff_client):
    cognito.create_user("alice")
    cognito.create_user("bob", enabled=False)
    assert usernames(staff_client.get(LIST, {"enabled": "false"})) == ["bob"]
    assert usernames(staff_client.get(LIST, {"enabled": "true"})) == ["alice"]


def test_group_filter_uses_list_users_in_group(cognito, cognito_calls, staff_client):
    cognito.create_user("alice", groups=("portal-staff",))
    cognito.create_user("bob")
    staff_client.get(LIST)
    cognito_calls.clear()
    response = staff_client.get(LIST, {"group": "portal-staff"})
    assert usernames(response) == ["alice"]
    assert dict(cognito_calls) == {"ListUsersInGroup": 1}
    assert "?group=portal-staff" in response.content.decode()  # the sidebar offers the pool's groups


def test_unknown_group_gets_a_message(cognito, staff_client):
    response = staff_client.get(LIST, {"group": "nope"})
    assert response.status_code == 200
    assert any("There is no group named" in m for m in messages_of(response))


def test_several_filters_say_which_one_is_applied(cognito, staff_client):
    cognito.create_user("alice", enabled=False)
    cognito.create_user("bob")
    response = staff_client.get(
        LIST, {"q": "ali", "attr": "username", "enabled": "true", "group": "portal-staff"}
    )
    assert usernames(response) == ["alice"]  # the search, not "enabled" (alice is disabled)
    warning = [m for m in messages_of(response) if "one filter at a time" in m]
    assert len(warning) == 1
    assert (
        "Applied: username starts with “ali”. "
        "Not applied: enabled users only, members of the group “portal-staff”." in warning[0]
    )


def test_paging_forward_and_back_over_155_users(cognito, cognito_calls, staff_client):
    everyone = set(create_users(cognito, 155))
    pages: list[list[str]] = []
    response = staff_client.get(LIST, {"page_size": 60})
    urls = []
    while True:
        pages.append(usernames(response))
        match = re.search(r'<a href="([^"]*)" rel="next"', response.content.decode())
        if not match:
            break
        urls.append(match.group(1).replace("&amp;", "&"))
        response = staff_client.get(LIST + urls[-1])
    assert [len(page) for page in pages] == [60, 60, 35]
    assert set().union(*pages) == everyone
    assert "Page 3: 35 users" in response.content.decode()

    # Back from page 3 to page 2 and page 1: the same users as on the way forward.
    for expected in (pages[1], pages[0]):
        match = re.search(r'<a href="([^"]*)" rel="prev"', response.content.decode())
        assert match, "a previous link"
        cognito_calls.clear()
        response = staff_client.get(LIST + match.group(1).replace("&amp;", "&"))
        assert usernames(response) == expected
        assert cognito_calls["ListUsers"] == 1
    assert 'rel="prev"' not in response.content.decode()


def test_page_tokens_are_signed(cognito, staff_client):
    create_users(cognito, 3)
    response = staff_client.get(LIST, {"page_size": 2, "page_token": "forged-cognito-token"})
    assert len(usernames(response)) == 2
    assert any("not valid" in m for m in messages_of(response))


def test_page_token_of_another_search_is_refused(cognito, staff_client):
    create_users(cognito, 3)
    first = staff_client.get(LIST, {"page_size": 2}).content.decode()
    next_url = re.search(r'<a href="([^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    token = re.search(r"page_token=([^&]*)", next_url).group(1)
    response = staff_client.get(LIST + f"?status=CONFIRMED&page_size=2&page_token={token}")
    assert any("not valid" in m for m in messages_of(response))


def test_throttling_gives_the_admin_error_message(cognito, staff_client):
    inject_fault(cognito, operation="ListUsers", error="TooManyRequestsException", count=1)
    response = staff_client.get(LIST)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert 'class="error"' in body  # the admin's messagelist style
    assert "try again in a minute" in body
    assert "TooManyRequestsException" in body
    # The next view works again.
    assert staff_client.get(LIST).status_code == 200


def test_xss_in_attributes_is_escaped_on_the_list(cognito, staff_client):
    cognito.create_user("mallory", email="m@example.com", attributes={"name": "<img src=x onerror=alert(1)>"})
    cognito.create_user("x", email='"><script>alert(1)</script>@example.com')
    body = staff_client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_bulk_disable_shows_the_confirmation_then_acts(cognito, staff_client):
    cognito.create_user("alice")
    cognito.create_user("bob")
    cognito.create_user("carol")
    data = {
        "action": "disable",
        "_selected_action": [sub_of(cognito, "alice"), sub_of(cognito, "bob")],
        "_changelist_filters": "status=CONFIRMED",
    }
    response = staff_client.post(LIST, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Run “Disable” on the 2 selected users?" in body
    assert "<li>alice</li>" in body and "<li>bob</li>" in body
    assert get_idp().admin_get_user("alice").enabled  # nothing done yet

    response = staff_client.post(LIST, {**data, "post": "yes", "reason": "offboarding"})
    assert response.status_code == 302
    assert response["Location"] == LIST + "?status=CONFIRMED"
    assert not get_idp().admin_get_user("alice").enabled
    assert not get_idp().admin_get_user("bob").enabled
    assert get_idp().admin_get_user("carol").enabled
    events = AuditEvent.objects.filter(action="disable", outcome="success")
    assert sorted(e.target_username for e in events) == ["alice", "bob"]
    assert {e.reason for e in events} == {"offboarding"}
    assert {e.actor_label for e in events} == {"staff-admin"}


@pytest.mark.parametrize("action", ["enable", "sign_out"])
def test_other_bulk_actions(cognito, staff_client, action):
    cognito.create_user("alice", enabled=False)
    cognito.create_user("bob", enabled=False)
    response = staff_client.post(
        LIST,
        {
            "action": action,
            "_selected_action": [sub_of(cognito, "alice"), sub_of(cognito, "bob")],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=action, outcome="success").count() == 2
    if action == "enable":
        assert get_idp().admin_get_user("alice").enabled and get_idp().admin_get_user("bob").enabled


def test_bulk_without_selection_or_with_unknown_action(cognito, staff_client):
    response = staff_client.post(LIST, {"action": "disable"}, follow=True)
    assert any("Items must be selected" in m for m in messages_of(response))
    response = staff_client.post(LIST, {"action": "delete", "_selected_action": ["alice"]}, follow=True)
    assert any("No action selected" in m for m in messages_of(response))
    assert not AuditEvent.objects.exists()


def test_bulk_reports_missing_users_and_carries_on(cognito, staff_client):
    cognito.create_user("alice")
    response = staff_client.post(
        LIST,
        {"action": "disable", "_selected_action": [NOBODY, sub_of(cognito, "alice")], "post": "yes"},
        follow=True,
    )
    text = " ".join(messages_of(response))
    assert f"{NOBODY}: no longer exists" in text
    assert "done for 1 user (alice)" in text
    assert not get_idp().admin_get_user("alice").enabled


def test_bulk_changelist_filters_cannot_redirect_elsewhere(cognito, staff_client):
    response = staff_client.post(
        LIST, {"action": "disable", "_changelist_filters": "//evil.example/x"}, follow=False
    )
    assert response["Location"].startswith(LIST)
