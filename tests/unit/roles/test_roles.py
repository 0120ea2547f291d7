"""accounts.roles: the one mapping of Cognito groups to Django roles, and the guard on changing them."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.roles import apply_groups, is_role_group, membership_refusal, role_groups

pytestmark = pytest.mark.django_db

TARGET = "2b1c0000-0000-4000-8000-000000000002"


def staff(*, superuser: bool = False, sub: str = "1a0b0000-0000-4000-8000-000000000001") -> User:
    return User.objects.create_user(
        username="staffer", is_staff=True, is_superuser=superuser, cognito_sub=sub
    )


def test_the_mapping_follows_the_settings(settings):
    settings.COGNITO_STAFF_GROUP, settings.COGNITO_ADMIN_GROUP = "helpdesk", "owners"
    assert set(role_groups()) == {"helpdesk", "owners"}
    assert is_role_group("owners") and is_role_group("OWNERS") and not is_role_group("portal-admins")


@pytest.mark.parametrize(
    ("groups", "is_staff", "is_superuser"),
    [
        ([], False, False),
        (["portal-staff"], True, False),
        (["portal-admins"], True, True),
        (["other"], False, False),
    ],
)
def test_apply_groups(groups, is_staff, is_superuser):
    user = User.objects.create_user(username="u", is_staff=True, is_superuser=True)
    apply_groups(user, groups)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)


@pytest.mark.parametrize("group", ["portal-staff", "portal-admins", "Portal-Admins"])
def test_only_superusers_grant_or_revoke_role_groups(group):
    assert "Only superusers" in membership_refusal(staff(), target_sub=TARGET, group=group)
    User.objects.all().delete()
    assert membership_refusal(staff(superuser=True), target_sub=TARGET, group=group) is None


def test_other_groups_are_open_to_staff():
    assert membership_refusal(staff(), target_sub=TARGET, group="newsletter") is None


@pytest.mark.parametrize("group", ["newsletter", "portal-admins"])
def test_nobody_changes_their_own_memberships(group):
    actor = staff(superuser=True, sub=TARGET)
    assert "their own" in membership_refusal(actor, target_sub=TARGET, group=group)


def test_operators_act_as_superusers():
    assert membership_refusal(None, target_sub=TARGET, group="portal-admins") is None
