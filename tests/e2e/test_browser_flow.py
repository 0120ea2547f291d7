"""A real browser walks the end-user journey against localcognito (Playwright driving Debian's Chromium).

sign-up → confirm (code from the local outbox) → MFA set-up (key read from the page, code from pyotp) →
sign-out → sign-in with a code and "remember this browser" → sign-out → sign-in with the password only.
Every page on the way gets the checks of ``conftest.PageChecks`` (no sideways scrolling at 1280, 390 and
360 px, no serious or critical axe-core violation in light and dark colours, no CSP refusal), with
screenshots in tests/e2e/screenshots/ (gitignored).
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.conftest import STRONG_PASSWORD
from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("main form button[type=submit]:has-text('Sign in')")


def sign_out(page) -> None:
    page.click("nav button:has-text('Sign out')")
    page.wait_for_url("**/accounts/login/")


def active_element(page) -> str:
    page.wait_for_load_state("load")  # portal.js (deferred) has run
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def test_sign_up_to_remembered_browser(cognito, live_server, transactional_db, pages):
    from accounts.cognito import pool_description

    pool_description()
    page, base, username = pages.page, live_server.url, "walker"

    page.goto(f"{base}/accounts/signup/")
    pages.check("signup")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", "walker@example.com")
    page.fill("input[name=password1]", STRONG_PASSWORD)
    page.fill("input[name=password2]", STRONG_PASSWORD + "x")
    page.click("main form button[type=submit]")
    # After an error the first field with one has the focus, not the autofocus field (username).
    assert active_element(page) == "id_password2"
    assert page.locator("#passwords-cleared").is_visible()
    pages.check("signup-errors")
    # "Show password" shows what is typed, and hides it again.
    page.fill("input[name=password1]", STRONG_PASSWORD)
    page.click("#id_password1 + button.show-password")
    assert page.get_attribute("#id_password1", "type") == "text"
    page.click("#id_password1 + button.show-password")
    assert page.get_attribute("#id_password1", "type") == "password"
    page.fill("input[name=password2]", STRONG_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/confirm/")
    pages.check("confirm")

    page.click("#resend-button")
    page.wait_for_url("**/accounts/confirm/")
    page.wait_for_load_state("load")
    # The wait before another code is asked for counts down (m:ss) with the button disabled.
    assert page.locator("#resend-button").is_disabled()
    assert re.fullmatch(r"You can ask again in (1:00|0:\d\d)\.", page.inner_text("#resend-wait").strip())
    pages.check("confirm-resend-wait")

    page.click("nav a:has-text('Local mailbox')")
    page.wait_for_url("**/local/mailbox/")
    assert page.locator("tr.superseded").count() == 1  # the first code, replaced by the resent one
    pages.check("mailbox")

    page.goto(f"{base}/accounts/confirm/")
    page.fill("input[name=code]", cognito.last_code(username, "signup"))
    page.click("#confirm-button")
    page.wait_for_url("**/accounts/login/")
    pages.check("login-after-confirm")

    sign_in(page, base, username)
    page.wait_for_url("**/accounts/login/mfa-setup/")
    page.wait_for_load_state("load")
    assert page.locator(".qr-code[role=img] svg").count() == 1
    assert "Time left for this step: " in page.inner_text("#time-left")
    # The key is reachable with the keyboard alone, and has a copy button.
    for _ in range(40):
        page.keyboard.press("Tab")
        if active_element(page) == "totp-secret":
            break
    assert active_element(page) == "totp-secret"
    page.wait_for_selector("button[data-copy-from=totp-secret]", state="visible")  # added by a script
    secret = page.inner_text("#totp-secret").replace(" ", "")
    pages.check("mfa-setup")
    page.fill("input[name=code]", "000000")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/login/mfa-setup/")
    assert active_element(page) == "id_code"
    pages.check("mfa-setup-wrong-code")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/")
    assert "Authenticator app on" in page.content()
    pages.check("home")

    page.goto(f"{base}/accounts/password/change/")
    pages.check("password-change")
    page.goto(f"{base}/accounts/logout/")
    pages.check("sign-out-page")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/login/")

    sign_in(page, base, username)
    page.wait_for_url("**/accounts/login/mfa/")
    page.wait_for_load_state("load")
    assert "Time left for this step: " in page.inner_text("#time-left")
    pages.check("mfa-code")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.check("input[name=remember_device]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/")

    page.goto(f"{base}/accounts/devices/")
    assert page.locator("tr.this-browser").count() == 1
    # Each "Forget" button names its device for screen readers.
    names = [page.evaluate("(b) => b.textContent", b) for b in page.query_selector_all("tr button")]
    assert all(name.strip() != "Forget" for name in names), names
    pages.check("devices")

    sign_out(page)
    shot(page, "signed-out")
    sign_in(page, base, username)
    page.wait_for_url("**/accounts/")  # no code asked: the browser is remembered
    assert "no code was needed" in page.content()
    assert pages.problems == [], "\n".join(pages.problems)


def test_a_set_up_page_replaced_in_another_tab_says_so(cognito, live_server, transactional_db, pages):
    """Issue #13 M1 in a browser: two tabs of one session; the first tab's code, from the key a newer
    sign-in replaced, gets the plain "replaced" message (focused) and the current key."""
    cognito.create_user("tabby")
    first, base = pages.page, live_server.url
    sign_in(first, base, "tabby")
    first.wait_for_url("**/accounts/login/mfa-setup/")
    old_key = first.inner_text("#totp-secret").replace(" ", "")
    second = first.context.new_page()
    sign_in(second, base, "tabby")
    second.wait_for_url("**/accounts/login/mfa-setup/")
    new_key = second.inner_text("#totp-secret").replace(" ", "")
    assert new_key != old_key
    first.fill("input[name=code]", pyotp.TOTP(old_key).now())
    first.click("main form button[type=submit]")
    first.wait_for_load_state("load")
    alert = first.locator("#page-replaced[role=alert]")
    assert alert.inner_text().startswith("This page's key was replaced by a newer sign-in")
    assert active_element(first) == "page-replaced"
    assert first.inner_text("#totp-secret").replace(" ", "") == new_key
    assert "not correct" not in first.inner_text("main")
    pages.check("mfa-setup-replaced")
    first.fill("input[name=code]", pyotp.TOTP(new_key).now())
    first.click("main form button[type=submit]")
    first.wait_for_url("**/accounts/")
    assert pages.problems == [], "\n".join(pages.problems)


LONG_NAME = "Maxi_Wolkenkratzer_Stadtverwaltungsangestellte"

NAV_LINK_JS = """() => {
  const link = document.querySelector('#portal-nav a[href="/accounts/"]');
  const box = link.getBoundingClientRect();
  return {right: box.right, width: document.documentElement.clientWidth,
          scrollWidth: document.documentElement.scrollWidth, text: link.textContent.trim(),
          title: link.getAttribute('title')};
}"""


def test_a_long_unbreakable_name_fits_on_a_small_phone(cognito, live_server, transactional_db, pages):
    """Issue #13 L1: a preferred_username without a break opportunity never makes a page scroll sideways:
    the welcome message and the headings break it, the menu's account link ends in an ellipsis (its text
    and title keep the whole name)."""
    cognito.create_user("maxi", attributes={"preferred_username": LONG_NAME})
    secret = cognito.enrol_totp("maxi")
    page, base = pages.page, live_server.url
    page.set_viewport_size({"width": 360, "height": 800})
    sign_in(page, base, "maxi")
    page.wait_for_url("**/accounts/login/mfa/")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/")
    assert f"Welcome, {LONG_NAME}." in page.inner_text("main .alert")
    pages.check("home-long-name")  # 1280, 390 and 360 px, the welcome message included
    page.set_viewport_size({"width": 360, "height": 800})
    page.click(".navbar-toggler")
    page.wait_for_selector("#portal-nav.show")
    link = page.evaluate(NAV_LINK_JS)
    assert link["right"] <= link["width"] and link["scrollWidth"] <= link["width"], link
    assert link["text"] == LONG_NAME and link["title"] == LONG_NAME
    shot(page, "menu-long-name-360")
    page.goto(f"{base}/accounts/logout/")
    pages.check("sign-out-page-long-name")
    assert pages.problems == [], "\n".join(pages.problems)


def test_staff_sign_in_and_user_lookup(cognito, live_server, transactional_db, browser_page):
    cognito.create_user("boss", groups=("portal-staff",))
    cognito.create_user("target", attributes={"name": "Tess Target"})
    page, base = browser_page, live_server.url

    page.goto(f"{base}/admin/")
    page.wait_for_url("**/accounts/login/?next=/admin/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("main form button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/accounts/login/mfa-setup/")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit]")
    page.wait_for_url("**/admin/")
    shot(page, "staff-index")

    page.click("a:has-text('Cognito users')")
    page.wait_for_url("**/admin/cognito/users/")
    page.fill("#searchbar", "tar")
    page.click("#changelist-search input[type=submit]")
    page.wait_for_url("**/admin/cognito/users/?q=tar*")
    assert page.locator("#result_list tbody tr").count() == 1
    shot(page, "staff-search")
    page.click("#result_list a:has-text('target')")
    page.wait_for_url(re.compile(r".*/admin/cognito/users/[0-9a-f-]{36}/$"))  # user pages are keyed by sub
    assert "Tess Target" in page.content()
    shot(page, "staff-detail")
    assert page.csp_violations == []
