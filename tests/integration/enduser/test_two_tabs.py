"""Issue #13 (M1): one browser session, two tabs. A newer sign-in replaces the pending one; a page rendered
for the replaced sign-in says so, and is never answered for the wrong key, stage or account."""

from __future__ import annotations

import html
import re
import time

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from accounts.signin import state
from tests.integration.enduser.conftest import login_post, messages_of, page_secret, signed_in_username

TAG_RE = re.compile(r'name="signin_tag" value="([0-9a-f]{16}\.[0-9a-f]{16})"')
KEY_REPLACED = (
    "This page's key was replaced by a newer sign-in (in another tab or window). Delete the authenticator "
    "entry you just added and scan the key below."
)


def tag_of(response) -> str:
    match = TAG_RE.search(response.content.decode())
    assert match, "no sign-in tag in the stage form"
    return match.group(1)


def alerts(response) -> list[str]:
    body = response.content.decode()
    return [html.unescape(text) for text in re.findall(r'role="alert"[^>]*>([^<]*)<', body)]


@pytest.fixture
def two_with_authenticators(pool, cognito_calls):
    """dave and erin, each with an authenticator app; returns their TOTP keys."""
    keys = {}
    for name in ("dave", "erin"):
        pool.create_user(name)
        keys[name] = pool.enrol_totp(name)
    cognito_calls.clear()
    return keys


def test_a_set_up_page_replaced_by_a_newer_sign_in_says_so_and_sends_nothing(pool, client, cognito_calls):
    pool.create_user("ivy")
    login_post(client, "ivy")
    first = client.get(reverse("accounts:mfa_setup"))  # tab 1: key 1, kept open
    first_key, first_tag = page_secret(first), tag_of(first)
    login_post(client, "ivy")  # tab 2 (or Back, then sign in again): key 2
    second = client.get(reverse("accounts:mfa_setup"))
    second_key = page_secret(second)
    assert second_key != first_key
    cognito_calls.clear()

    # Tab 1 sends a valid code from key 1.
    response = client.post(
        reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(first_key).now(), "signin_tag": first_tag}
    )

    assert response.status_code == 200
    assert KEY_REPLACED in alerts(response)
    assert "not correct" not in html.unescape(response.content.decode())
    assert page_secret(response) == second_key  # the current key, to scan instead
    assert cognito_calls.total == 0  # the stale code never reached Cognito
    assert state.load_pending(client.session).attempts == 0  # and was not counted as a wrong code
    # The page now carries the current sign-in: its code signs in.
    response = client.post(
        reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(second_key).now(), "signin_tag": tag_of(response)}
    )
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    assert signed_in_username(client) == "ivy"


def test_the_tag_is_neither_the_key_nor_the_cognito_session(pool, client):
    pool.create_user("ivy")
    login_post(client, "ivy")
    page = client.get(reverse("accounts:mfa_setup"))
    pending = state.load_pending(client.session)
    tag = tag_of(page)
    for secret in (pending.totp_secret, pending.totp_session, pending.session, pending.id):
        assert secret and secret not in tag
    # A wrong code re-renders the same page for the same sign-in: same tag, same key.
    again = client.post(reverse("accounts:mfa_setup"), {"code": "000000", "signin_tag": tag})
    assert tag_of(again) == tag and page_secret(again) == pending.totp_secret


def test_set_up_page_of_another_accounts_sign_in_names_the_new_account(pool, client, cognito_calls):
    pool.create_user("ivy")
    pool.create_user("jon")
    login_post(client, "ivy")
    ivy_page = client.get(reverse("accounts:mfa_setup"))
    login_post(client, "jon")
    jon_key = page_secret(client.get(reverse("accounts:mfa_setup")))
    cognito_calls.clear()
    response = client.post(
        reverse("accounts:mfa_setup"),
        {"code": pyotp.TOTP(page_secret(ivy_page)).now(), "signin_tag": tag_of(ivy_page)},
    )
    [alert] = [a for a in alerts(response) if "replaced" in a]
    assert "as jon" in alert and "Nothing was sent" in alert
    assert page_secret(response) == jon_key
    assert cognito_calls.total == 0


def test_code_page_of_an_earlier_sign_in_of_the_same_account_is_still_answered(
    pool, client, two_with_authenticators
):
    login_post(client, "dave")
    old_tag = tag_of(client.get(reverse("accounts:mfa")))
    login_post(client, "dave")  # another tab: the same account again
    code = pyotp.TOTP(two_with_authenticators["dave"]).at(time.time() + 30)
    response = client.post(reverse("accounts:mfa"), {"code": code, "signin_tag": old_tag})
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    assert signed_in_username(client) == "dave"


def test_code_page_of_another_accounts_sign_in_is_never_answered(
    pool, client, two_with_authenticators, cognito_calls
):
    login_post(client, "dave")
    dave_tag = tag_of(client.get(reverse("accounts:mfa")))
    login_post(client, "erin")
    cognito_calls.clear()
    code = pyotp.TOTP(two_with_authenticators["dave"]).at(time.time() + 30)
    response = client.post(reverse("accounts:mfa"), {"code": code, "signin_tag": dave_tag})
    assert response.status_code == 200
    [alert] = alerts(response)
    assert "replaced by a newer one as erin" in alert and "Nothing was sent" in alert
    assert "not correct" not in html.unescape(response.content.decode())
    assert cognito_calls.total == 0 and signed_in_username(client) is None
    # erin's own code, from the page as it is now, signs erin in.
    code = pyotp.TOTP(two_with_authenticators["erin"]).at(time.time() + 30)
    response = client.post(reverse("accounts:mfa"), {"code": code, "signin_tag": tag_of(response)})
    assert response.url == reverse("accounts:home") and signed_in_username(client) == "erin"


def test_new_password_page_of_another_account_never_sets_that_accounts_password(pool, client, cognito_calls):
    for name in ("hana", "ida"):
        pool.admin.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=name,
            TemporaryPassword="Temp-Horse-42!",
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
            MessageAction="SUPPRESS",
        )
    login_post(client, "hana", "Temp-Horse-42!")
    hana_tag = tag_of(client.get(reverse("accounts:new_password")))
    login_post(client, "ida", "Temp-Horse-42!")
    cognito_calls.clear()
    response = client.post(
        reverse("accounts:new_password"),
        {"new_password1": "Hanas-Horse-42!", "new_password2": "Hanas-Horse-42!", "signin_tag": hana_tag},
    )
    assert response.status_code == 200 and "as ida" in " ".join(alerts(response))
    assert cognito_calls.total == 0
    ida = pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username="ida")
    assert ida["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_a_stage_form_sent_after_the_sign_in_moved_on_is_not_answered(
    pool, client, two_with_authenticators, cognito_calls
):
    pool.create_user("ivy")
    login_post(client, "ivy")
    setup = client.get(reverse("accounts:mfa_setup"))
    login_post(client, "dave")  # another tab: a sign-in waiting for a code, not a set-up
    cognito_calls.clear()
    response = client.post(
        reverse("accounts:mfa_setup"),
        {"code": pyotp.TOTP(page_secret(setup)).now(), "signin_tag": tag_of(setup)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:mfa")
    [message] = messages_of(response)
    assert "out of date" in message and "Nothing was sent" in message
    assert cognito_calls.total == 0


def test_a_stage_form_sent_after_another_tab_signed_in_says_who_is_signed_in(
    pool, client, two_with_authenticators, cognito_calls
):
    login_post(client, "dave")
    page = client.get(reverse("accounts:mfa"))
    other_tab = Client()
    other_tab.cookies = client.cookies  # the same browser session
    login_post(other_tab, "erin")
    code = pyotp.TOTP(two_with_authenticators["erin"]).at(time.time() + 30)
    other_tab.post(reverse("accounts:mfa"), {"code": code})
    assert signed_in_username(client) == "erin"
    cognito_calls.clear()
    response = client.post(
        reverse("accounts:mfa"),
        {"code": pyotp.TOTP(two_with_authenticators["dave"]).now(), "signin_tag": tag_of(page)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:home")
    messages = messages_of(response)
    assert any("you are signed in as erin" in m for m in messages), messages
    assert not any("Start by entering" in m for m in messages)
    assert cognito_calls["AdminRespondToAuthChallenge"] == 0  # only the account page's GetUser
