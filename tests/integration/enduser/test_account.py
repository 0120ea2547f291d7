"""Signed-in pages, token refresh, roles from Cognito groups, and the password pages."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import STAFF_GROUP_NAME
from accounts.signin import state
from tests.conftest import STRONG_PASSWORD
from tests.integration.enduser.conftest import (
    add_fault,
    enrol_via_portal,
    login_post,
    messages_of,
    signed_in_username,
    totp_post,
)


def sign_in(pool, client: Client, username: str, *, groups=()) -> str:
    pool.create_user(username, groups=groups)
    secret = pool.enrol_totp(username)
    login_post(client, username)
    assert totp_post(client, secret, step=1).url == reverse("accounts:home")
    return secret


def expire_access_token(client: Client) -> None:
    session = client.session
    session[state.TOKENS_KEY] = {**session[state.TOKENS_KEY], "expires_at": 0}
    session.save()


# -- account home ----------------------------------------------------------------------------------
def test_home_shows_attributes_and_mfa_status_with_one_call(pool, client, cognito_calls):
    sign_in(pool, client, "nina")
    cognito_calls.clear()
    response = client.get(reverse("accounts:home"))
    assert dict(cognito_calls) == {"GetUser": 1}
    page = response.content.decode()
    assert "nina@example.com" in page
    assert 'id="mfa-status"' in page and "Authenticator app on" in page
    assert reverse("accounts:devices") in page and reverse("accounts:password_change") in page
    assert "no-store" in response["Cache-Control"]


def test_home_needs_sign_in(pool, client):
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:sign_in"))


def test_home_with_cognito_down_still_renders_with_a_message(pool, client):
    sign_in(pool, client, "nina")
    add_fault(pool, "GetUser", "InternalErrorException")
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 503
    assert "try again in a minute" in response.content.decode()


def test_sign_out_everywhere_calls_global_sign_out_and_ends_other_sessions(pool, client, cognito_calls):
    pool.create_user("nina")
    secret = enrol_via_portal(client, "nina")  # this browser: signed in by the MFA set-up
    other = Client()
    login_post(other, "nina")
    assert totp_post(other, secret, step=1).url == reverse("accounts:home")  # a second browser
    cognito_calls.clear()
    response = client.post(reverse("accounts:home"), {"action": "sign_out_everywhere"}, follow=True)
    assert cognito_calls["GlobalSignOut"] == 1
    assert signed_in_username(client) is None
    assert "signed out on every device" in response.content.decode()
    # The other browser's portal session ends at once (issue #10: not only at its next Cognito call).
    assert signed_in_username(other) is None
    cognito_calls.clear()
    response = other.get(reverse("accounts:home"))
    assert response.status_code == 302
    assert cognito_calls.total == 0


def test_a_local_password_can_never_sign_in(pool):
    from django.contrib.auth import authenticate

    user = User.objects.create_superuser("root", "root@example.com", "Local-Horse-42!")
    assert not user.has_usable_password()
    assert authenticate(username="root", password="Local-Horse-42!") is None


# -- token refresh ---------------------------------------------------------------------------------
def test_expired_access_token_is_refreshed_and_the_user_stays_signed_in(pool, client, cognito_calls):
    sign_in(pool, client, "omar")
    old = state.load_tokens(client.session).access_token
    expire_access_token(client)
    cognito_calls.clear()
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    assert cognito_calls["AdminInitiateAuth"] == 1  # REFRESH_TOKEN_AUTH
    assert state.load_tokens(client.session).access_token != old


def test_refresh_sends_the_remembered_device_key(pool, client, monkeypatch):
    from accounts.cognito.idp import CognitoIdentityProvider

    pool.create_user("omar")
    secret = pool.enrol_totp("omar")
    login_post(client, "omar")
    totp_post(client, secret, remember=True, step=1)
    device_key = state.load_tokens(client.session).device_key
    assert device_key
    seen = {}
    original = CognitoIdentityProvider.admin_refresh_tokens

    def spy(self, refresh_token, *, username, device_key=None):
        seen["device_key"] = device_key
        return original(self, refresh_token, username=username, device_key=device_key)

    monkeypatch.setattr(CognitoIdentityProvider, "admin_refresh_tokens", spy)
    expire_access_token(client)
    assert client.get(reverse("accounts:home")).status_code == 200
    assert seen["device_key"] == device_key


def test_failed_refresh_signs_the_user_out(pool, client):
    sign_in(pool, client, "omar")
    pool.admin.admin_disable_user(UserPoolId=pool.pool_id, Username="omar")
    expire_access_token(client)
    response = client.get(reverse("accounts:home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:sign_in"))
    assert signed_in_username(client) is None
    assert any("session has ended" in m for m in messages_of(response))


def test_cognito_down_during_refresh_keeps_the_session(pool, client):
    sign_in(pool, client, "omar")
    expire_access_token(client)
    add_fault(pool, "AdminInitiateAuth", "InternalErrorException")
    client.get(reverse("accounts:devices"))
    assert signed_in_username(client) == "omar"


# -- roles -----------------------------------------------------------------------------------------
def test_staff_group_makes_staff_with_the_staff_permissions(pool, client):
    sign_in(pool, client, "pat", groups=("portal-staff",))
    user = User.objects.get(username="pat")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=STAFF_GROUP_NAME).exists()
    assert user.has_perm("accounts.view_cognito_users") and user.has_perm("accounts.manage_cognito_users")
    perms = set(Group.objects.get(name=STAFF_GROUP_NAME).permissions.values_list("codename", flat=True))
    assert {"view_cognito_users", "manage_cognito_users"} <= perms


def test_admin_group_makes_superuser(pool, client):
    sign_in(pool, client, "quin", groups=("portal-admins",))
    user = User.objects.get(username="quin")
    assert user.is_staff and user.is_superuser


def test_plain_user_is_not_staff(pool, client):
    sign_in(pool, client, "ray")
    user = User.objects.get(username="ray")
    assert not user.is_staff and not user.is_superuser and not user.groups.exists()


def test_leaving_the_cognito_group_removes_staff_at_the_next_refresh(pool, client):
    sign_in(pool, client, "pat", groups=("portal-staff",))
    pool.admin.admin_remove_user_from_group(UserPoolId=pool.pool_id, Username="pat", GroupName="portal-staff")
    expire_access_token(client)
    client.get(reverse("accounts:home"))
    user = User.objects.get(username="pat")
    assert not user.is_staff and not user.groups.filter(name=STAFF_GROUP_NAME).exists()


# -- password change -------------------------------------------------------------------------------
def test_password_change(pool, client, cognito_calls):
    sign_in(pool, client, "sam")
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert 'id="password-rules"' in page
    cognito_calls.clear()
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": STRONG_PASSWORD, "new_password1": "New-Horse-42!", "new_password2": "New-Horse-42!"},
    )
    assert response.status_code == 302 and dict(cognito_calls) == {"ChangePassword": 1}
    client.post(reverse("accounts:sign_out"))
    assert login_post(client, "sam", "New-Horse-42!").url == reverse("accounts:mfa")


def test_password_change_with_a_wrong_current_password(pool, client):
    sign_in(pool, client, "sam")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Wrong-Horse-42!",
            "new_password1": "New-Horse-42!",
            "new_password2": "New-Horse-42!",
        },
    )
    assert "not correct" in str(response.context["form"].errors["old_password"])


def test_password_change_needs_sign_in(pool, client):
    assert client.get(reverse("accounts:password_change")).status_code == 302


# -- password reset --------------------------------------------------------------------------------
def test_reset_answers_the_same_for_known_and_unknown_users(pool, client, cognito_calls):
    pool.create_user("tess")
    known = client.post(reverse("accounts:password_reset"), {"username": "tess"}, follow=True)
    unknown = client.post(reverse("accounts:password_reset"), {"username": "nobody"}, follow=True)
    assert known.redirect_chain == [(reverse("accounts:password_reset_confirm"), 302)]
    assert unknown.redirect_chain == [(reverse("accounts:password_reset_confirm"), 302)]
    assert "If an account exists for tess" in html.unescape(known.content.decode())
    assert "If an account exists for nobody" in html.unescape(unknown.content.decode())
    assert cognito_calls["ForgotPassword"] == 2


def test_reset_with_the_code_sets_a_new_password(pool, client):
    pool.create_user("tess")
    client.post(reverse("accounts:password_reset"), {"username": "tess"})
    code = pool.last_code("tess")
    page = client.get(reverse("accounts:password_reset_confirm")).content.decode()
    assert 'value="tess"' in page
    response = client.post(
        reverse("accounts:password_reset_confirm"),
        {
            "username": "tess",
            "code": code,
            "new_password1": "Reset-Horse-42!",
            "new_password2": "Reset-Horse-42!",
        },
    )
    assert response.status_code == 302 and response.url == reverse("accounts:sign_in")
    assert signed_in_username(client) is None
    assert login_post(client, "tess", "Reset-Horse-42!").url == reverse("accounts:mfa_setup")


@pytest.mark.parametrize("username", ["tess", "nobody"])
def test_reset_with_a_wrong_code_says_invalid_or_expired(pool, client, username):
    pool.create_user("tess")
    client.post(reverse("accounts:password_reset"), {"username": username})
    response = client.post(
        reverse("accounts:password_reset_confirm"),
        {
            "username": username,
            "code": "999999",
            "new_password1": "Reset-Horse-42!",
            "new_password2": "Reset-Horse-42!",
        },
    )
    assert "invalid or has expired" in str(response.context["form"].errors["code"])


def test_reset_clears_remembered_browsers(pool, client):
    from accounts.models import RememberedDevice

    pool.create_user("tess")
    secret = pool.enrol_totp("tess")
    login_post(client, "tess")
    totp_post(client, secret, remember=True, step=1)
    client.post(reverse("accounts:sign_out"))
    assert RememberedDevice.objects.count() == 1
    client.post(reverse("accounts:password_reset"), {"username": "tess"})
    client.post(
        reverse("accounts:password_reset_confirm"),
        {
            "username": "tess",
            "code": pool.last_code("tess"),
            "new_password1": "Reset-Horse-42!",
            "new_password2": "Reset-Horse-42!",
        },
    )
    assert not RememberedDevice.objects.exists()
    assert login_post(client, "tess", "Reset-Horse-42!").url == reverse("accounts:mfa")
