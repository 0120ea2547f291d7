"""A real browser walks the end-user journey against localcognito (Playwright driving Debian's Chromium).

sign-up → confirm (code from the local outbox) → MFA set-up (key read from the page, code from pyotp) →
sign-out → sign-in with a code and "remember this browser" → sign-out → sign-in with the password only.
A screenshot of each page goes to tests/e2e/screenshots/ (gitignored).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyotp
import pytest

from tests.conftest import STRONG_PASSWORD

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"browser test skipped: no Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]


@pytest.fixture
def browser_page():
    # Playwright's sync API runs an event loop in this thread; the Django code it drives runs in the live
    # server's thread, but the test's own ORM reads would trip Django's async guard without this.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser test skipped: playwright not installed"
    )
    sync_playwright = sync_api.sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Every message in which Chromium reports a Content-Security-Policy refusal, for the tests to check.
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and page.csp_violations.append(f"{page.url}: {message.text}")
            ),
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("form button[type=submit]:has-text('Sign in')")


def sign_out(page) -> None:
    page.click("nav button:has-text('Sign out')")
    page.wait_for_url("**/accounts/login/")


def test_sign_up_to_remembered_browser(cognito, live_server, transactional_db, browser_page):
    from accounts.cognito import pool_description

    pool_description()
    page, base, username = browser_page, live_server.url, "walker"

    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", "walker@example.com")
    page.fill("input[name=password1]", STRONG_PASSWORD)
    page.fill("input[name=password2]", STRONG_PASSWORD)
    shot(page, "01-signup")
    page.click("form button[type=submit]")
    page.wait_for_url("**/accounts/confirm/")
    shot(page, "02-confirm")

    page.fill("input[name=code]", cognito.last_code(username, "signup"))
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_url("**/accounts/login/")
    shot(page, "03-login-after-confirm")

    sign_in(page, base, username)
    page.wait_for_url("**/accounts/login/mfa-setup/")
    assert page.locator(".qr-code svg").count() == 1
    secret = page.inner_text("#totp-secret").replace(" ", "")
    shot(page, "04-mfa-setup")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form button[type=submit]")
    page.wait_for_url("**/accounts/")
    assert "Authenticator app on" in page.content()
    shot(page, "05-home")

    sign_out(page)
    sign_in(page, base, username)
    page.wait_for_url("**/accounts/login/mfa/")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.check("input[name=remember_device]")
    shot(page, "06-totp")
    page.click("form button[type=submit]")
    page.wait_for_url("**/accounts/")

    page.goto(f"{base}/accounts/devices/")
    assert page.locator("tr.this-browser").count() == 1
    shot(page, "07-devices")

    sign_out(page)
    shot(page, "08-signed-out")
    sign_in(page, base, username)
    page.wait_for_url("**/accounts/")  # no code asked: the browser is remembered
    assert "no code was needed" in page.content()
    shot(page, "09-signed-in-without-code")
    assert page.csp_violations == []


def test_staff_sign_in_and_user_lookup(cognito, live_server, transactional_db, browser_page):
    cognito.create_user("boss", groups=("portal-staff",))
    cognito.create_user("target", attributes={"name": "Tess Target"})
    page, base = browser_page, live_server.url

    page.goto(f"{base}/admin/")
    page.wait_for_url("**/accounts/login/?next=/admin/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", STRONG_PASSWORD)
    page.click("form button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/accounts/login/mfa-setup/")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form button[type=submit]")
    page.wait_for_url("**/admin/")
    shot(page, "10-staff-index")

    page.click("a:has-text('Cognito users')")
    page.wait_for_url("**/admin/cognito/users/")
    page.fill("#searchbar", "tar")
    page.click("#changelist-search input[type=submit]")
    page.wait_for_url("**/admin/cognito/users/?q=tar*")
    assert page.locator("#result_list tbody tr").count() == 1
    shot(page, "11-staff-search")
    page.click("#result_list a:has-text('target')")
    page.wait_for_url(re.compile(r".*/admin/cognito/users/[0-9a-f-]{36}/$"))  # user pages are keyed by sub
    assert "Tess Target" in page.content()
    shot(page, "12-staff-detail")
    assert page.csp_violations == []
