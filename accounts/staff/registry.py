"""The staff action registry: one declaration per action, read by the pages, the bulk actions and the command.

An action is a decorated callable (as in ``django.contrib.admin.actions``): ``@staff_action(...)`` records its
name, label, permission, the user states it applies to, its confirmation and success texts, its danger
level and, when it has one, its ``cognito_users`` subcommand. The modules in ``ACTION_MODULES``
(``accounts/staff/actions.py`` and its siblings) hold the declarations; ``accounts/staff/service.py`` runs
them (``perform``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from accounts.cognito.types import CognitoUser, Device
from accounts.identity import looks_like_sub

if TYPE_CHECKING:
    from accounts.models import User
    from accounts.staff.outcomes import ActionContext

VIEW_PERMISSION = "accounts.view_cognito_users"
MANAGE_PERMISSION = "accounts.manage_cognito_users"
DELETE_PERMISSION = "accounts.delete_cognito_users"
CHANGE_PERMISSION = "accounts.change_cognito_users"  # edit attributes, set passwords (the admin role)


class Danger(enum.StrEnum):
    """How much an action can hurt, for the confirmation page (the admin's colours) and the prompts."""

    NORMAL = "normal"  # reversible, no lock-out (enable, group membership)
    CAUTION = "caution"  # locks the user out or sends them mail until they act (disable, reset MFA)
    DANGER = "danger"  # cannot be undone (delete): the name must be typed to confirm


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in staff member (with IP), or an operator running a command (``user`` None)."""

    user: User | None
    label: str
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        """The signed-in staff member. The label (kept in audit rows) is their username, or where that is a
        generated id (email-as-username pools) their email or preferred username: never a bare sub."""
        user = request.user if request.user.is_authenticated else None
        label = "anonymous"
        if user is not None:
            label = user.get_username()
            if looks_like_sub(label):
                label = user.display_name
        # REMOTE_ADDR only: forwarded headers can be forged unless a trusted proxy rewrites them.
        return cls(user=user, label=label, ip=request.META.get("REMOTE_ADDR") or None)

    @classmethod
    def operator(cls, label: str) -> Actor:
        """An operator running a ``manage.py`` command (``label``: ``operator:<login name>``)."""
        return cls(user=None, label=label, ip=None)


@dataclass(frozen=True)
class UserState:
    """What applicability rules look at: the user as AdminGetUser returned them, their devices and group
    names when they were listed (``None``: not listed, so rules that need them answer "maybe"), and
    whether a FORCE_CHANGE_PASSWORD status comes from a temporary password staff set rather than an
    invitation (``selectors.user_state`` works it out)."""

    user: CognitoUser
    devices: tuple[Device, ...] | None = None
    groups: frozenset[str] | None = None
    temporary_password_by_staff: bool = False


# Rules of which user states an action applies to, named so the registry reads as a table.
def always(state: UserState) -> bool:
    """Every user."""
    return True


def enabled(state: UserState) -> bool:
    """Enabled users."""
    return state.user.enabled


def disabled(state: UserState) -> bool:
    """Disabled users."""
    return not state.user.enabled


def has_password(state: UserState) -> bool:
    """Confirmed users (or ones already asked to reset): an invited user has no password of their own yet."""
    return state.user.status in {"CONFIRMED", "RESET_REQUIRED"}


def has_mfa(state: UserState) -> bool:
    """Users with an MFA method (``UserMFASettingList`` or a preferred one)."""
    return bool(state.user.mfa_settings or state.user.preferred_mfa)


def has_devices(state: UserState) -> bool:
    """Users with tracked devices (or whose devices were not listed)."""
    return state.devices is None or bool(state.devices)


def unconfirmed(state: UserState) -> bool:
    """Users who signed up but did not confirm (``UNCONFIRMED``)."""
    return state.user.status == "UNCONFIRMED"


def invited(state: UserState) -> bool:
    """Invited users who have not signed in yet (``FORCE_CHANGE_PASSWORD``, not from a temporary password
    staff set: those users must choose a new password, but there is no invitation to accept)."""
    return state.user.status == "FORCE_CHANGE_PASSWORD" and not state.temporary_password_by_staff


def must_change_password(state: UserState) -> bool:
    """Users who must choose a new password at their next sign-in because staff set a temporary one."""
    return state.user.status == "FORCE_CHANGE_PASSWORD" and state.temporary_password_by_staff


# Rules on a user and the action's parameters: is the user already as the action would leave them?
def already_disabled(state: UserState, params: Mapping[str, str]) -> bool:
    """Disabled already."""
    return disabled(state)


def already_enabled(state: UserState, params: Mapping[str, str]) -> bool:
    """Enabled already."""
    return enabled(state)


def in_group(state: UserState, params: Mapping[str, str]) -> bool:
    """In ``params["group"]`` already (False when the groups were not listed: then nobody can tell)."""
    return state.groups is not None and params.get("group", "") in state.groups


def not_in_group(state: UserState, params: Mapping[str, str]) -> bool:
    """Not in ``params["group"]`` (False when the groups were not listed)."""
    return state.groups is not None and params.get("group", "") not in state.groups


Refusal = Callable[[Actor, CognitoUser, Mapping[str, str]], "str | None"]


@dataclass(frozen=True)
class StaffAction:
    """One staff action. ``run(context)`` makes its Cognito calls through ``context.call`` (see outcomes).

    Texts take ``%(username)s`` (the name staff see) and ``%(parameter)s`` (the action's parameter).
    """

    name: str
    label: Any  # lazy translation
    permission: str
    run: Callable[[ActionContext], None]
    applies_to: Callable[[UserState], bool]
    confirmation: Any
    success: Any
    summary: Any  # one line: the command's --help
    danger: Danger = Danger.NORMAL
    parameter: str | None = None  # the keyword argument the action needs (device_key, group, email)
    parameter_is_attribute: bool = False  # a user attribute: its value never goes into the audit log
    bulk: bool = False  # offered on the user list for several users at once
    row: str | None = (
        None  # offered on each row of this detail-page table ("groups", "devices"), not as a button
    )
    command: str | None = None  # the cognito_users subcommand
    locks_out: bool = False  # the user's portal sessions end, whatever Cognito answered
    sends_message: bool = False  # Cognito mails the user: after a lost answer it is never sent again
    creates_user: bool = False  # acts on a user who does not exist yet (invite)
    own_page: bool = False  # has a page of its own (editing attributes), not a confirmation page
    refusal: Refusal | None = None  # the portal's own rule on top of the permission (roles)
    parameter_is_secret: bool = False  # a password: never audited, logged, shown in a message or kept
    reason_required: bool = False  # the confirmation asks for a reason (setting a permanent password)
    # The user is already as the action would leave them, given its parameters: bulk actions count them
    # apart as no-ops (not acted on, not audited), with ``already_text`` (ngettext_lazy keyed on "count",
    # with ``%(parameter)s``) saying how many ("19 users were already enabled.").
    already: Callable[[UserState, Mapping[str, str]], bool] | None = None
    already_text: Any = None
    # Another action that fits the user instead (reset password → resend invitation for invited users), and
    # ``instead_text`` saying why (``%(username)s``): one text, or a dict keyed by the other action's name.
    # The action is then not sent to Cognito at all.
    instead: Callable[[UserState], str | None] | None = None
    instead_text: Any = None
    # The parameter is made by the portal, not typed (a temporary password): pages and command call it
    # with the target user (a password must not contain their names).
    generates: Callable[[CognitoUser], str] | None = None

    def applies(self, state: UserState) -> bool:
        return self.applies_to(state)

    def refused(self, actor: Actor, user: CognitoUser, params: Mapping[str, str]) -> str | None:
        """Why the portal refuses this action for this actor and user (None: it does not)."""
        return self.refusal(actor, user, params) if self.refusal else None

    def is_noop(self, state: UserState, params: Mapping[str, str] | None = None) -> bool:
        """True when the user is already as the action (with ``params``) would leave them (bulk actions
        skip them)."""
        return bool(self.already and self.already(state, params or {}))

    def alternative(self, state: UserState) -> str | None:
        """The name of the action that fits this user instead, or None."""
        return self.instead(state) if self.instead else None

    def instead_message(self, other: str, username: str) -> str:
        """Why ``other`` fits the user staff know as ``username`` instead of this action."""
        text = self.instead_text[other] if isinstance(self.instead_text, dict) else self.instead_text
        return str(text % {"username": username})


_ACTIONS: dict[str, StaffAction] = {}


def staff_action(
    *, name: str, **declaration: Any
) -> Callable[[Callable[[ActionContext], None]], StaffAction]:
    """Declare the decorated callable as the staff action ``name`` (the keywords are ``StaffAction``'s)."""

    def register(run: Callable[[ActionContext], None]) -> StaffAction:
        if name in _ACTIONS:
            raise ImproperlyConfigured(f"The staff action {name!r} is declared twice.")
        action = StaffAction(name=name, run=run, **declaration)
        _ACTIONS[name] = action
        return action

    return register


# The modules of the declarations, which register themselves on import: in this order, the order of the
# buttons on the user page (and of the bulk actions and the command's subcommands).
ACTION_MODULES = (
    "accounts.staff.actions",
    "accounts.staff.device_actions",
    "accounts.staff.group_actions",
    "accounts.staff.lifecycle_actions",
    "accounts.staff.attribute_changes",
    "accounts.staff.passwords",
)


def _loaded() -> dict[str, StaffAction]:
    for module in ACTION_MODULES:
        import_module(module)
    return _ACTIONS


def get(name: str) -> StaffAction:
    """The action named ``name``; ``KeyError`` when there is none."""
    return _loaded()[name]


def all_actions() -> list[StaffAction]:
    """Every action, in declaration order."""
    return list(_loaded().values())


def user_actions() -> list[StaffAction]:
    """The actions on an existing user behind the confirmation pages and bulk actions (invite and the
    attribute editor have pages of their own)."""
    return [action for action in all_actions() if not (action.creates_user or action.own_page)]


def bulk_actions() -> list[StaffAction]:
    """The actions offered for several users at once on the user list."""
    return [action for action in all_actions() if action.bulk]


def command_actions() -> list[StaffAction]:
    """The actions with a ``cognito_users`` subcommand."""
    return [action for action in all_actions() if action.command]


def offered(
    state: UserState, has_perm: Callable[[str], bool], *, row: str | None = None
) -> list[StaffAction]:
    """The actions to offer for one user: allowed to the person and applying to the user's state.

    ``row=None`` gives the page's buttons (in declaration order, the ones that cannot be undone last);
    ``row="groups"`` or ``"devices"`` the actions on each row of that table.
    """
    found = [
        action
        for action in user_actions()
        if action.row == row and has_perm(action.permission) and action.applies(state)
    ]
    return sorted(found, key=lambda action: action.danger is Danger.DANGER)
