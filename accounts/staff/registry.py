"""The staff action registry: one declaration per action, read by the pages, the bulk actions and the command.

An action is a decorated callable (as in ``django.contrib.admin.actions``): ``@staff_action(...)`` records its
name, label, permission, the user states it applies to, its confirmation and success texts, its danger
level and, when it has one, its ``cognito_users`` subcommand. ``accounts/staff/actions.py`` holds the
declarations; ``accounts/staff/service.py`` runs them (``perform``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from accounts.cognito.types import CognitoUser, Device

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
        user = request.user if request.user.is_authenticated else None
        label = user.get_username() if user is not None else "anonymous"
        # REMOTE_ADDR only: forwarded headers can be forged unless a trusted proxy rewrites them.
        return cls(user=user, label=label, ip=request.META.get("REMOTE_ADDR") or None)

    @classmethod
    def operator(cls, label: str) -> Actor:
        return cls(user=None, label=label, ip=None)


@dataclass(frozen=True)
class UserState:
    """What applicability rules look at: the user as AdminGetUser returned them, and their devices when
    they were listed (``None``: not listed, so rules that need them answer "maybe", i.e. True)."""

    user: CognitoUser
    devices: tuple[Device, ...] | None = None


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
    """Invited users who have not signed in yet (``FORCE_CHANGE_PASSWORD``)."""
    return state.user.status == "FORCE_CHANGE_PASSWORD"


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
    # The user is already as the action would leave them: bulk actions count them apart as no-ops, with
    # ``already_text`` (ngettext_lazy keyed on "count") saying how many ("19 users were already enabled.").
    already: Callable[[UserState], bool] | None = None
    already_text: Any = None
    # Another action that fits the user instead (reset password → resend invitation for invited users), and
    # ``instead_text`` saying why (``%(username)s``); the action is then not sent to Cognito at all.
    instead: Callable[[UserState], str | None] | None = None
    instead_text: Any = None
    # The parameter is made by the portal, not typed (a temporary password): pages and command call it.
    generates: Callable[[], str] | None = None

    def applies(self, state: UserState) -> bool:
        return self.applies_to(state)

    def refused(self, actor: Actor, user: CognitoUser, params: Mapping[str, str]) -> str | None:
        """Why the portal refuses this action for this actor and user (None: it does not)."""
        return self.refusal(actor, user, params) if self.refusal else None

    def is_noop(self, state: UserState) -> bool:
        """True when the user is already as the action would leave them (bulk actions skip them)."""
        return bool(self.already and self.already(state))

    def alternative(self, state: UserState) -> str | None:
        """The name of the action that fits this user instead, or None."""
        return self.instead(state) if self.instead else None


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


def _loaded() -> dict[str, StaffAction]:
    # The declarations register themselves on import, in this order.
    from accounts.staff import actions, attributes, passwords  # noqa: F401

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
