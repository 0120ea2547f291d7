"""Cognito groups → Django roles for the mirror user, and who may change those groups.

Cognito groups are the only source of truth. ``role_groups()`` is the one declared mapping: the group named
by ``COGNITO_STAFF_GROUP`` makes a user staff, the one named by ``COGNITO_ADMIN_GROUP`` makes them staff and
superuser, and staff belong to the Django group "Cognito staff", which carries the permissions of the staff
pages. ``apply_groups`` re-applies it at every sign-in, token refresh and staff-page standing check;
``membership_refusal`` is the guard every group change (page, bulk action, command) goes through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext as _

from accounts.models import User

STAFF_GROUP_NAME = "Cognito staff"
STAFF_PERMISSIONS = ("view_cognito_users", "manage_cognito_users")


@dataclass(frozen=True)
class Role:
    """What membership of one Cognito group grants in Django."""

    is_staff: bool
    is_superuser: bool


def role_groups() -> dict[str, Role]:
    """The Cognito groups mapped to Django roles, by group name (read from settings on each call)."""
    return {
        settings.COGNITO_STAFF_GROUP: Role(is_staff=True, is_superuser=False),
        settings.COGNITO_ADMIN_GROUP: Role(is_staff=True, is_superuser=True),
    }


def is_role_group(name: str) -> bool:
    """True when ``name`` is one of ``role_groups()``.

    Compared without case as well: whatever Cognito's rule for group names, a near-spelling of a role group
    is guarded like the group itself.
    """
    folded = (name or "").casefold()
    return any(folded == group.casefold() for group in role_groups())


def is_exact_role_group(name: str) -> bool:
    """True when ``name`` is exactly one of ``role_groups()``.

    Cognito group names are case-sensitive and the mapping above uses exact names, so only these groups
    give roles: they are the ones marked as portal roles and kept from deletion. A near-spelling
    ("portal-STAFF") is an ordinary group, though granting it stays guarded (``is_role_group``).
    """
    return bool(name) and name in role_groups()


def staff_group() -> Group:
    """The Django group for Cognito staff, holding (at least) the staff pages' permissions."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP_NAME)
    wanted = Permission.objects.filter(content_type__app_label="accounts", codename__in=STAFF_PERMISSIONS)
    missing = set(wanted) - set(group.permissions.filter(pk__in=wanted))
    if missing:
        group.permissions.add(*missing)
    return group


def apply_groups(user: User, cognito_groups: Iterable[str]) -> None:
    """Set is_staff / is_superuser and the staff group from the user's Cognito groups; saves the user."""
    mapping = role_groups()
    roles = [mapping[name] for name in set(cognito_groups or ()) if name in mapping]
    is_staff = any(role.is_staff for role in roles)
    is_superuser = any(role.is_superuser for role in roles)
    changed = []
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        changed.append("is_staff")
    if user.is_superuser != is_superuser:
        user.is_superuser = is_superuser
        changed.append("is_superuser")
    if changed:
        user.save(update_fields=changed)
    if is_staff:
        user.groups.add(staff_group())
    else:
        user.groups.remove(*Group.objects.filter(name=STAFF_GROUP_NAME))


def membership_refusal(actor: User | None, *, target_sub: str, group: str) -> str | None:
    """Why ``actor`` may not add a user to or remove them from ``group``; None when they may.

    ``actor`` is the signed-in staff member, or None for an operator running a command (operators hold the
    shell and act as superusers). Nobody changes their own memberships (subs compared, so no spelling of a
    name gets around it), and only superusers grant or revoke the groups mapped to Django roles.
    """
    if actor is None:
        return None
    own_sub = actor.cognito_sub or ""
    if own_sub and own_sub == target_sub:
        return _("Nobody can change their own group memberships. Ask another administrator.")
    if is_role_group(group) and not actor.is_superuser:
        return _(
            "Only superusers can grant or revoke the group “%(group)s”, because it gives portal roles. "
            "Ask a superuser."
        ) % {"group": group}
    return None


def target_refusal(actor: User | None, *, target_groups: Iterable[str]) -> str | None:
    """Why ``actor`` may not act at all on a user who holds a portal role; None when they may.

    Acting on a member of a role group (disable, reset, sign out, delete …) needs a superuser, as granting
    or revoking those groups does: otherwise one staff member could lock every administrator out.
    Operators (``actor`` None) act as superusers.
    """
    if actor is None or actor.is_superuser:
        return None
    held = [group for group in target_groups if is_role_group(group)]
    if not held:
        return None
    return _(
        "Only superusers can act on portal staff and administrators (member of “%(group)s”). Ask a superuser."
    ) % {"group": held[0]}
