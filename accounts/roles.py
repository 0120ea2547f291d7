"""Cognito groups → Django roles for the mirror user, re-applied at every sign-in and token refresh.

Cognito groups are the only source of truth: ``COGNITO_STAFF_GROUP`` or ``COGNITO_ADMIN_GROUP`` makes a
user staff, ``COGNITO_ADMIN_GROUP`` makes them superuser, and staff belong to the Django group
"Cognito staff", which carries the permissions of the staff pages. Leaving the Cognito group removes all
of it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group, Permission

from accounts.models import User

STAFF_GROUP_NAME = "Cognito staff"
STAFF_PERMISSIONS = ("view_cognito_users", "manage_cognito_users")


def staff_group() -> Group:
    """The Django group for Cognito staff, holding (at least) the staff pages' permissions."""
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP_NAME)
    wanted = Permission.objects.filter(content_type__app_label="accounts", codename__in=STAFF_PERMISSIONS)
    missing = set(wanted) - set(group.permissions.filter(pk__in=wanted))
    if missing:
        group.permissions.add(*missing)
    return group


def apply_groups(user: User, cognito_groups: Iterable[str]) -> None:
    """Set is_staff / is_superuser and the staff group from the user's Cognito groups; saves the user."""
    groups = set(cognito_groups or ())
    is_admin = settings.COGNITO_ADMIN_GROUP in groups
    is_staff = is_admin or settings.COGNITO_STAFF_GROUP in groups
    changed = []
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        changed.append("is_staff")
    if user.is_superuser != is_admin:
        user.is_superuser = is_admin
        changed.append("is_superuser")
    if changed:
        user.save(update_fields=changed)
    if is_staff:
        user.groups.add(staff_group())
    else:
        user.groups.remove(*Group.objects.filter(name=STAFF_GROUP_NAME))
