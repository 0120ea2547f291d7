"""Django permission groups carry members: a superuser gives staff ``change_cognito_users`` in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import User
from accounts.roles import STAFF_GROUP_NAME, staff_group
from tests.integration.staff.conftest import client_for, make_staff

ADD = "/admin/auth/group/add/"


@pytest.fixture
def superuser_client(db):
    return client_for(make_staff("root", "change", is_superuser=True))


def change_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="accounts", codename="change_cognito_users")


def test_a_superuser_gives_staff_the_change_permission_through_a_group(superuser_client):
    helper = make_staff("helper", "manage", sub="1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    helper.email = "helper@example.com"
    helper.save()
    make_staff("customer", None, is_staff=False)
    generated = make_staff("30d8f4f4-6aa9-4595-aa5d-bc6a88e89b8e", "manage")  # an email-as-username pool
    generated.email = "gen@example.com"
    generated.save()
    page = superuser_client.get(ADD).content.decode()
    assert 'name="members"' in page and "Add Django permission group" in page
    assert "helper@example.com (helper)" in page  # a human name, with the username beside it
    assert "gen@example.com</option>" in page and "30d8f4f4" not in page  # never a generated id
    assert "customer" not in page  # only staff are offered

    response = superuser_client.post(
        ADD, {"name": "Support editors", "permissions": [change_permission().pk], "members": [helper.pk]}
    )
    assert response.status_code == 302
    helper = User.objects.get(pk=helper.pk)  # a fresh object: permissions are cached per instance
    assert helper.has_perm("accounts.change_cognito_users")


def test_members_can_be_removed_and_non_staff_rows_are_left_alone(superuser_client):
    group = Group.objects.create(name="Support editors")
    group.permissions.add(change_permission())
    helper = make_staff("helper", "manage")
    former = make_staff("former", None, is_staff=False)
    group.user_set.add(helper, former)
    url = f"/admin/auth/group/{group.pk}/change/"
    assert (
        superuser_client.post(url, {"name": group.name, "permissions": [change_permission().pk]}).status_code
        == 302
    )
    assert list(group.user_set.order_by("username")) == [former]


def test_the_cognito_staff_group_members_cannot_be_edited_here(superuser_client):
    group = staff_group()
    alice = make_staff("alice", None)
    alice.groups.add(group)
    bob = make_staff("bob", None)
    url = f"/admin/auth/group/{group.pk}/change/"
    page = superuser_client.get(url).content.decode()
    assert "set at each sign-in" in page
    assert 'name="members"' not in page and "alice" in page  # a read-only list, nothing to click
    permissions = list(group.permissions.values_list("pk", flat=True))
    superuser_client.post(url, {"name": STAFF_GROUP_NAME, "permissions": permissions, "members": [bob.pk]})
    assert list(group.user_set.all()) == [alice]


def test_staff_who_are_not_superusers_cannot_edit_permission_groups(db):
    client = client_for(make_staff("helper", "change"))
    assert client.get(ADD).status_code == 403
