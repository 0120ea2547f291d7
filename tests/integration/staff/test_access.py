"""Who may open which staff URL: anonymous → Cognito sign-in, no permission → 403 (ASVS 8.2.1 / 8.3.1)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.staff import registry

from .conftest import NOBODY, client_for, make_staff, sub_of

ACTIONS = {action.name: action for action in registry.all_actions()}
USER_ACTIONS = [action.name for action in registry.user_actions()]

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"

# (url, method, permission level needed: view | manage | delete | change); SUB stands for the target's sub.
SUB = "{sub}"
LEVEL_OF = {
    registry.VIEW_PERMISSION: "view",
    registry.MANAGE_PERMISSION: "manage",
    registry.DELETE_PERMISSION: "delete",
    registry.CHANGE_PERMISSION: "change",
}
ROUTES: list[tuple[str, str, str]] = [
    ("/admin/cognito/", "get", "view"),
    ("/admin/cognito/users/", "get", "view"),
    ("/admin/cognito/users/", "post", "manage"),
    ("/admin/cognito/users/alice/", "get", "view"),
    (f"/admin/cognito/users/{SUB}/", "get", "view"),
    ("/admin/cognito/users/export.csv", "get", "view"),
    ("/admin/cognito/invite/", "get", "manage"),
    ("/admin/cognito/invite/", "post", "manage"),
    (f"/admin/cognito/users/{SUB}/change/", "get", "change"),
    (f"/admin/cognito/users/{SUB}/change/", "post", "change"),
    ("/admin/cognito/groups/", "get", "view"),
    ("/admin/cognito/groups/portal-staff/", "get", "view"),
    ("/admin/cognito/groups/add/", "get", "manage"),
    ("/admin/cognito/groups/add/", "post", "manage"),
    ("/admin/cognito/groups/portal-staff/change/", "get", "manage"),
    ("/admin/cognito/groups/portal-staff/change/", "post", "manage"),
    ("/admin/cognito/groups/portal-staff/delete/", "get", "delete"),
    ("/admin/cognito/groups/portal-staff/delete/", "post", "delete"),
] + [
    (f"/admin/cognito/users/{SUB}/actions/{name}/", method, LEVEL_OF[ACTIONS[name].permission])
    for name in USER_ACTIONS
    for method in ("get", "post")
]
# Each level holds the permissions of the ones before it (tests/integration/staff/conftest.PERMISSIONS).
LEVELS = ["view", "manage", "delete", "change"]


def test_the_table_covers_every_staff_url():
    names = {
        pattern.name
        for pattern in admin.site.get_urls()
        if getattr(pattern, "name", None) and pattern.name.startswith("cognito_")
    }
    assert names == {
        "cognito_index",
        "cognito_invite",
        "cognito_user_list",
        "cognito_user_export",
        "cognito_user_action",
        "cognito_user_detail",
        "cognito_user_lookup",
        "cognito_user_change",
        "cognito_group_list",
        "cognito_group_add",
        "cognito_group_detail",
        "cognito_group_change",
        "cognito_group_delete",
    }
    assert {url.split("/actions/")[1].strip("/") for url, _, _ in ROUTES if "/actions/" in url} == set(
        USER_ACTIONS
    )
    assert ACTIONS["delete"].permission == "accounts.delete_cognito_users"


def refusals(client: Client, routes=ROUTES, sub: str = NOBODY) -> list[tuple[str, str, int, str]]:
    """(method, url, status, location) of every route, with ``sub`` as the target."""
    answers = []
    for url, method, _needed in routes:
        url = url.replace(SUB, sub)
        response = getattr(client, method)(url)
        answers.append((method, url, response.status_code, response.get("Location", "")))
    return answers


def test_anonymous_is_sent_to_the_cognito_sign_in(cognito, cognito_calls):
    wrong = [
        answer
        for answer in refusals(Client())
        if answer[2] != 302 or not answer[3].startswith(LOGIN + "?next=")
    ]
    assert wrong == []
    assert cognito_calls.total == 0


def test_signed_in_user_who_is_not_staff_gets_403(cognito, cognito_calls):
    client = client_for(make_staff("plain", "delete", is_staff=False))  # permissions without staff status
    cognito_calls.clear()  # signing in may ask Cognito (rate-limit bookkeeping); the refusals must not
    assert [answer for answer in refusals(client) if answer[2] != 403] == []
    assert cognito_calls.total == 0


def test_staff_without_the_permission_gets_403(cognito, cognito_calls):
    client = client_for(make_staff("staff", None))
    cognito_calls.clear()  # signing in may ask Cognito (rate-limit bookkeeping); the refusals must not
    assert [answer for answer in refusals(client) if answer[2] != 403] == []
    assert cognito_calls.total == 0


@pytest.mark.parametrize("level", LEVELS)
def test_each_permission_level(cognito, level):
    cognito.create_user("alice")
    client = client_for(make_staff("staff", level))
    allowed = [route for route in ROUTES if LEVELS.index(level) >= LEVELS.index(route[2])]
    denied = [route for route in ROUTES if route not in allowed]
    sub = sub_of(cognito, "alice")
    # Denied routes first, so that no allowed action has changed alice meanwhile.
    assert [answer for answer in refusals(client, denied, sub) if answer[2] != 403] == []
    assert not AuditEvent.objects.exists()
    # Allowed: the page, a redirect or a validation answer, never a refusal.
    assert [answer for answer in refusals(client, allowed, sub) if answer[2] not in (200, 302, 400)] == []


def test_admin_index_for_non_staff_is_403_and_lists_cognito_users_for_viewers(cognito):
    assert client_for(make_staff("plain", None, is_staff=False)).get("/admin/").status_code == 403
    viewer = client_for(make_staff("viewer", "view"))
    response = viewer.get("/admin/")
    assert response.status_code == 200
    assert b'href="/admin/cognito/users/"' in response.content
    assert b"Cognito users" in response.content
    bare = client_for(make_staff("bare", None)).get("/admin/")
    assert b"Cognito users" not in bare.content


def test_admin_login_redirects_to_the_cognito_sign_in(db):
    response = Client().get("/admin/login/?next=/admin/cognito/users/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN + "?next=/admin/cognito/users/"


def test_admin_login_refuses_off_site_next(db):
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == LOGIN + "?next=/admin/"


def test_admin_login_post_never_signs_anyone_in(db):
    from accounts.models import User

    User.objects.create_superuser("root", "root@example.com", "a-local-password")
    client = Client()
    response = client.post("/admin/login/", {"username": "root", "password": "a-local-password"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_admin_login_for_signed_in_staff_and_non_staff(db):
    assert client_for(make_staff("viewer", "view")).get("/admin/login/")["Location"] == "/admin/"
    assert client_for(make_staff("plain", None, is_staff=False)).get("/admin/login/").status_code == 403


def test_no_local_password_change_in_the_admin(db):
    client = client_for(make_staff("viewer", "view"))
    assert client.get(reverse("admin:password_change")).status_code == 404


def test_admin_log_out_ends_the_portal_session(db):
    client = client_for(make_staff("viewer", "view"))
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_admin_log_out_is_post_only(db):
    client = client_for(make_staff("viewer", "view"))
    client.get("/admin/logout/")
    assert "_auth_user_id" in client.session


def test_cognito_staff_group_grants_view_and_manage_but_not_delete(cognito):
    """The roles the sign-in applies (accounts.roles) open exactly the pages they should."""
    from accounts.models import User
    from accounts.roles import apply_groups

    cognito.create_user("alice")
    staff = User.objects.create_user(username="staffer")
    apply_groups(staff, [settings.COGNITO_STAFF_GROUP])
    client = client_for(User.objects.get(pk=staff.pk))
    assert client.get("/admin/cognito/users/").status_code == 200
    sub = sub_of(cognito, "alice")
    assert client.get(f"/admin/cognito/users/{sub}/actions/disable/").status_code == 200
    assert client.get(f"/admin/cognito/users/{sub}/actions/delete/").status_code == 403
