"""Issue #14 follow-up L4: a search link without ``attr`` (or with one the list does not offer) runs the
documented default, "username or email"; in email-as-username pools, where the username is a generated id,
the default is the email address (and the combined search is not offered)."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

pytestmark = pytest.mark.django_db

LIST = "/admin/cognito/users/"


def shown(response) -> list[str]:
    cells = r'<th class="field-username"><a href="[^"]*">(.*?)</a></th>'
    found = re.findall(cells, response.content.decode())
    return sorted(name.replace("<wbr>", "") for name in found)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def alice_and_bob(cognito):
    cognito.create_user("alice", email="alice@example.com")
    cognito.create_user("bob", email="alice.b@example.com")
    cognito.create_user("carol", email="carol@example.com")


def test_a_search_without_attr_finds_usernames_and_emails(alice_and_bob, staff_client, cognito_calls):
    cognito_calls.clear()
    response = staff_client.get(LIST, {"q": "alice"})
    assert shown(response) == ["alice", "bob"]
    assert cognito_calls["ListUsers"] == 2  # the two prefix queries of the combined search
    assert "username or email starts with “alice”" in response.content.decode()
    assert '<option value="username_or_email" selected>' in response.content.decode()


def test_an_unknown_attr_runs_the_default_search_and_says_so(alice_and_bob, staff_client):
    response = staff_client.get(LIST, {"q": "alice", "attr": "shoe_size"})
    assert response.status_code == 200
    assert shown(response) == ["alice", "bob"]
    assert any(text.startswith("in:") and "left out" in text for text in messages_of(response))


def test_the_export_of_a_search_without_attr_has_both(alice_and_bob, staff_client):
    data = b"".join(staff_client.get(LIST + "export.csv", {"q": "alice", "bom": "0"}).streaming_content)
    assert {line.split(",")[0].strip('"') for line in data.decode().splitlines()[1:]} == {"alice", "bob"}


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_in_an_email_pool_the_default_is_the_email(cognito, staff_client, cognito_calls):
    cognito.create_user("ann", email="ann@example.com")
    cognito.create_user("bob", email="bob@example.com")
    cognito_calls.clear()
    response = staff_client.get(LIST, {"q": "ann"})
    assert shown(response) == ["ann@example.com"]
    assert cognito_calls["ListUsers"] == 1
    body = response.content.decode()
    assert "email starts with “ann”" in body
    assert 'value="username_or_email"' not in body  # the username is a generated id here
    assert '<option value="email" selected>' in body
    assert shown(staff_client.get(LIST, {"q": "ann", "attr": "username_or_email"})) == ["ann@example.com"]
