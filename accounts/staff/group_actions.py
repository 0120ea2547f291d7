"""The staff actions on a user's Cognito group membership: add to a group, remove from a group.

The portal's own role groups are guarded on top of the permission (``roles.membership_refusal``).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts import roles
from accounts.cognito import get_idp
from accounts.cognito.types import CognitoUser
from accounts.staff.outcomes import ActionContext
from accounts.staff.registry import (
    MANAGE_PERMISSION,
    Actor,
    always,
    in_group,
    not_in_group,
    staff_action,
)


def _membership_refusal(actor: Actor, user: CognitoUser, params: Mapping[str, str]) -> str | None:
    return roles.membership_refusal(actor.user, target_sub=user.sub, group=params.get("group", ""))


def _in_group(context: ActionContext, group: str) -> bool:
    return group in {item.name for item in context.current_groups()}


@staff_action(
    name="add_to_group",
    label=_("Add to group"),
    permission=MANAGE_PERMISSION,
    applies_to=always,
    confirmation=_("Add %(username)s to the group %(parameter)s?"),
    success=_("%(username)s is now in the group %(parameter)s."),
    summary=_("Add users to a Cognito group (portal role groups: superusers only)."),
    parameter="group",
    bulk=True,
    command="add-to-group",
    refusal=_membership_refusal,
    already=in_group,
    already_text=ngettext_lazy(
        "%(count)d user was already in %(parameter)s.",
        "%(count)d users were already in %(parameter)s.",
        "count",
    ),
)
def add_to_group(context: ActionContext) -> None:
    """AdminAddUserToGroup; read back: AdminListGroupsForUser lists the group."""
    group = context.params["group"]
    context.call(
        "AdminAddUserToGroup",
        get_idp().admin_add_user_to_group,
        context.username,
        group,
        read_back=lambda: _in_group(context, group),
    )


@staff_action(
    name="remove_from_group",
    label=_("Remove from group"),
    permission=MANAGE_PERMISSION,
    applies_to=always,
    confirmation=_("Remove %(username)s from the group %(parameter)s?"),
    success=_("%(username)s is no longer in the group %(parameter)s."),
    summary=_("Remove users from a Cognito group (portal role groups: superusers only)."),
    parameter="group",
    bulk=True,
    command="remove-from-group",
    row="groups",
    refusal=_membership_refusal,
    already=not_in_group,
    already_text=ngettext_lazy(
        "%(count)d user was not in %(parameter)s.", "%(count)d users were not in %(parameter)s.", "count"
    ),
)
def remove_from_group(context: ActionContext) -> None:
    """AdminRemoveUserFromGroup; read back: the group is no longer listed."""
    group = context.params["group"]
    context.call(
        "AdminRemoveUserFromGroup",
        get_idp().admin_remove_user_from_group,
        context.username,
        group,
        read_back=lambda: not _in_group(context, group),
    )
