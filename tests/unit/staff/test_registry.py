"""accounts.staff.registry and the declarations it loads (accounts.staff.actions and its siblings): one table,
read everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.cognito.types import CognitoUser, Device
from accounts.staff import registry
from accounts.staff.registry import CHANGE_PERMISSION, DELETE_PERMISSION, MANAGE_PERMISSION, Danger, UserState


def user(status: str = "CONFIRMED", *, enabled: bool = True, mfa: tuple[str, ...] = ()) -> CognitoUser:
    return CognitoUser(
        username="alice",
        status=status,
        enabled=enabled,
        attributes={"sub": "1f0e6a52-0000-4000-8000-000000000001"},
        created=datetime(2026, 1, 1, tzinfo=UTC),
        mfa_settings=mfa,
    )


def names(actions) -> list[str]:
    return [action.name for action in actions]


def everything(permission: str) -> bool:
    return True


def test_every_action_is_declared_once_with_what_the_pages_and_command_need():
    actions = registry.all_actions()
    assert len({a.name for a in actions}) == len(actions) == 16
    for action in actions:
        assert action.label and action.confirmation and action.success and action.summary
        assert action.permission in {MANAGE_PERMISSION, DELETE_PERMISSION, CHANGE_PERMISSION}
        assert "%(username)s" in str(action.confirmation)
    assert registry.get("delete").danger is Danger.DANGER
    assert {a.name for a in actions if a.locks_out} == {
        "disable",
        "reset_password",
        "sign_out",
        "reset_mfa",
        "delete",
        "set_temporary_password",
        "set_password",
    }
    assert {a.name for a in actions if a.permission == CHANGE_PERMISSION} == {
        "set_temporary_password",
        "set_password",
        "set_attributes",
    }
    assert [a.name for a in actions if a.own_page] == ["set_attributes"]
    assert {a.name for a in actions if a.parameter_is_secret} == {"set_temporary_password", "set_password"}
    assert {a.name for a in actions if a.sends_message} == {"reset_password", "resend_invitation", "invite"}
    with pytest.raises(KeyError):
        registry.get("explode")


def test_the_command_and_the_bulk_actions_come_from_the_registry():
    assert names(registry.bulk_actions()) == [
        "disable",
        "enable",
        "sign_out",
        "add_to_group",
        "remove_from_group",
    ]
    assert {a.command for a in registry.command_actions()} >= {
        "disable",
        "enable",
        "signout",
        "reset-mfa",
        "invite",
    }
    assert "invite" not in names(registry.user_actions())


@pytest.mark.parametrize(
    ("state", "offered", "not_offered"),
    [
        (
            UserState(user()),
            ["disable", "reset_password", "sign_out"],
            ["enable", "reset_mfa", "confirm_sign_up"],
        ),
        (UserState(user(enabled=False)), ["enable"], ["disable"]),
        (UserState(user(mfa=("SOFTWARE_TOKEN_MFA",))), ["reset_mfa"], []),
        (
            UserState(user("FORCE_CHANGE_PASSWORD")),
            ["resend_invitation"],
            ["reset_password", "confirm_sign_up"],
        ),
        (UserState(user("UNCONFIRMED")), ["confirm_sign_up"], ["reset_password", "resend_invitation"]),
        (UserState(user(), devices=()), [], ["forget_all_devices"]),
        (UserState(user(), devices=(Device(key="k", attributes={}),)), ["forget_all_devices"], []),
        (UserState(user(), devices=None), ["forget_all_devices"], []),  # not listed: maybe
    ],
)
def test_only_actions_that_apply_to_the_users_state_are_offered(state, offered, not_offered):
    buttons = names(registry.offered(state, everything))
    assert set(offered) <= set(buttons)
    assert not set(not_offered) & set(buttons)


def test_row_actions_are_offered_on_their_rows_not_as_buttons():
    state = UserState(user(), devices=(Device(key="k", attributes={}),))
    assert "forget_device" not in names(registry.offered(state, everything))
    assert names(registry.offered(state, everything, row="devices")) == ["forget_device"]
    assert names(registry.offered(state, everything, row="groups")) == ["remove_from_group"]


def test_offered_actions_follow_the_permissions():
    state = UserState(user())
    assert names(registry.offered(state, lambda permission: False)) == []
    manage_only = names(registry.offered(state, lambda permission: permission == MANAGE_PERMISSION))
    assert "delete" not in manage_only and "disable" in manage_only


def test_a_name_cannot_be_declared_twice():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        registry.staff_action(name="disable")(lambda context: None)


def test_delete_is_the_last_button_and_the_invitation_stands_in_for_a_reset():
    buttons = names(registry.offered(UserState(user()), everything))
    assert buttons[-1] == "delete"
    reset = registry.get("reset_password")
    assert reset.alternative(UserState(user("FORCE_CHANGE_PASSWORD"))) == "resend_invitation"
    assert reset.alternative(UserState(user())) is None


@pytest.mark.parametrize(
    ("action", "state", "noop"),
    [
        ("enable", UserState(user()), True),
        ("enable", UserState(user(enabled=False)), False),
        ("disable", UserState(user(enabled=False)), True),
        ("disable", UserState(user()), False),
        ("sign_out", UserState(user()), False),
    ],
)
def test_bulk_no_ops_are_declared(action, state, noop):
    assert registry.get(action).is_noop(state) is noop
