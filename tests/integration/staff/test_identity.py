"""Issue #9: staff pages are keyed by sub, so every link and action reaches exactly the user it names.

A user named ``x/actions/disable`` once made the portal disable ``x``; a user named ``<b>"'&`` tested the
escaping. Names are only ever looked up (GET) and redirected to the sub URL.
"""

from __future__ import annotations

import html
import re

import pytest

from accounts.cognito import get_idp
from accounts.models import AuditEvent
from accounts.staff import selectors

from .conftest import NOBODY, detail_url, sub_of

pytestmark = pytest.mark.django_db

ODD_NAMES = ["x/actions/disable", "ann/actions/delete", "<b>\"'&", "50%25off", "a?b#c"]
LIST = "/admin/cognito/users/"


def links(body: str) -> list[str]:
    return [html.unescape(link) for link in re.findall(r'href="(/admin/cognito/users/[^"]+)"', body)]


def enabled(cognito, username: str) -> bool:
    return cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username=username)["Enabled"]


@pytest.fixture
def odd_users(cognito):
    for index, name in enumerate(("x", "ann", *ODD_NAMES)):
        # A verified email is an alias in the default pool: one address per person.
        cognito.create_user(name, email=f"person{index}@example.com")
    return {name: sub_of(cognito, name) for name in ODD_NAMES}


def test_every_list_link_and_detail_link_names_the_users_sub(cognito, staff_client, odd_users):
    body = staff_client.get(LIST).content.decode()
    for name, sub in odd_users.items():
        assert f'href="/admin/cognito/users/{sub}/"' in body
        assert f'value="{sub}"' in body  # the bulk checkbox
        assert html.escape(name) in body
    assert '<b>"' not in body  # escaped
    for name, sub in odd_users.items():
        page = staff_client.get(f"/admin/cognito/users/{sub}/")
        assert page.status_code == 200 and page.context["cognito_user"].username == name
        for link in links(page.content.decode()):
            if "/actions/" in link:
                assert link.startswith(f"/admin/cognito/users/{sub}/actions/"), (name, link)


@pytest.mark.parametrize("name", ["x/actions/disable", "<b>\"'&"])
def test_the_disable_link_disables_exactly_that_user(cognito, staff_client, odd_users, name):
    sub = odd_users[name]
    page = staff_client.get(f"/admin/cognito/users/{sub}/").content.decode()
    (disable,) = [link for link in links(page) if link.endswith("/actions/disable/")]
    confirmation = staff_client.get(disable).content.decode()
    assert html.escape(f"Disable {name}?") in confirmation
    assert staff_client.post(disable, {"reason": "test"})["Location"] == f"/admin/cognito/users/{sub}/"
    assert not enabled(cognito, name)
    assert (
        enabled(cognito, "x")
        and enabled(cognito, "ann")
        and enabled(cognito, "x/actions/disable") is (name != "x/actions/disable")
    )
    event = AuditEvent.objects.get()
    assert (event.target_username, event.target_sub) == (name, sub)


def test_delete_of_an_odd_name_needs_that_name_typed_and_deletes_only_it(cognito, staff_client, odd_users):
    url = f"/admin/cognito/users/{odd_users['ann/actions/delete']}/actions/delete/"
    assert staff_client.post(url, {"confirm_username": "ann"}).status_code == 400
    response = staff_client.post(url, {"confirm_username": "ann/actions/delete"})
    assert response.status_code == 302
    assert [u.username for u in get_idp().iter_users()].count("ann") == 1
    assert "ann/actions/delete" not in [u.username for u in get_idp().iter_users()]


@pytest.mark.parametrize("path", ["x/actions/disable/", "x%2Factions%2Fdisable/", "ann/actions/delete/"])
def test_a_name_in_the_url_is_only_looked_up_and_never_acts(cognito, staff_client, odd_users, path):
    name = path.replace("%2F", "/").rstrip("/")
    response = staff_client.get(LIST + path)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cognito/users/{odd_users[name]}/"
    assert staff_client.post(LIST + path, {"confirm_username": "ann"}).status_code == 405
    assert enabled(cognito, "x") and enabled(cognito, "ann")
    assert not AuditEvent.objects.exists()


def test_lookup_by_username_and_by_alias(cognito, staff_client):
    cognito.create_user("alice", email="alice@example.org", attributes={"preferred_username": "wonder"})
    target = f"/admin/cognito/users/{sub_of(cognito, 'alice')}/"
    for name in ("alice", "alice@example.org", "wonder"):
        assert staff_client.get(f"{LIST}{name}/")["Location"] == target, name
    assert staff_client.get(f"{LIST}nobody@example.org/").status_code == 404


def test_an_unverified_email_is_not_an_alias(cognito, staff_client):
    cognito.create_user("alice", email="alice@example.org", attributes={"email_verified": "false"})
    assert staff_client.get(f"{LIST}alice@example.org/").status_code == 404


def test_a_username_shaped_like_another_users_sub_never_stands_for_that_user(cognito, staff_client):
    cognito.create_user("alice")
    alice = sub_of(cognito, "alice")
    cognito.create_user(alice, email="impostor@example.com")  # another pool's sign-up allowed this name
    page = staff_client.get(f"/admin/cognito/users/{alice}/")
    assert page.context["cognito_user"].username == "alice"
    staff_client.post(f"/admin/cognito/users/{alice}/actions/disable/")
    assert not enabled(cognito, "alice") and enabled(cognito, alice)
    impostor = sub_of(cognito, alice)
    assert staff_client.get(f"/admin/cognito/users/{impostor}/").context["cognito_user"].username == alice


def test_a_cold_cache_still_finds_the_user_and_a_stale_one_is_not_trusted(cognito, staff_client):
    cognito.create_user("alice")
    sub = sub_of(cognito, "alice")
    selectors._usernames.clear()
    assert staff_client.get(f"/admin/cognito/users/{sub}/").context["cognito_user"].username == "alice"
    # The username is freed and taken by somebody else: the cached name must not lead to them.
    cognito.admin.admin_delete_user(UserPoolId=cognito.pool_id, Username="alice")
    cognito.create_user("alice")
    assert staff_client.get(f"/admin/cognito/users/{sub}/").status_code == 404
    assert staff_client.post(f"/admin/cognito/users/{sub}/actions/disable/").status_code == 404
    assert enabled(cognito, "alice")


def test_a_vanished_sub_is_a_404_everywhere(cognito, staff_client):
    for url in (f"{LIST}{NOBODY}/", f"{LIST}{NOBODY}/actions/disable/"):
        assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_email_pools_show_people_by_email_never_by_generated_username(cognito, staff_client):
    cognito.admin.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username="erin@example.com",
        UserAttributes=[{"Name": "email", "Value": "erin@example.com"}],
        MessageAction="SUPPRESS",
    )
    username = get_idp().admin_get_user("erin@example.com").username
    assert username != "erin@example.com"  # Cognito generated it
    body = staff_client.get(LIST).content.decode().replace("<wbr>", "")  # may wrap after @ and dots
    assert ">erin@example.com</a>" in body and f">{username}</a>" not in body
    page = staff_client.get(f"{LIST}erin@example.com/", follow=True)
    assert "Cognito user erin@example.com" in page.content.decode()
    assert page.redirect_chain[-1][0] == detail_url(cognito, "erin@example.com")


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_invite_in_an_email_pool_asks_for_the_address_only(cognito, staff_client):
    page = staff_client.get("/admin/cognito/invite/").content.decode()
    assert 'name="username"' not in page
    response = staff_client.post("/admin/cognito/invite/", {"email": "new@example.com"})
    assert response.status_code == 302
    assert response["Location"] == detail_url(cognito, "new@example.com")


def test_the_staff_greeting_uses_a_human_name(db):
    from .conftest import client_for, make_staff

    staffer = make_staff("7c9e6679-7425-40de-944b-e07fc1f90ae7", "view")
    staffer.email = "staffer@example.com"
    staffer.save()
    body = client_for(staffer).get("/admin/").content.decode()
    assert '<strong id="staff-name">staffer@example.com</strong>' in body
