"""Every other end-user page state in a real browser, with the checks of ``conftest.PageChecks``.

Sign-in and its errors, the new-password stage, password reset and its confirmation, the error pages
(404, 429, the CSRF failure), the colour-mode menu and the language switcher; and the staff pages, whose
templates belong to the staff package: ``STAFF_PAGES`` lists what the browser visits there.
"""

from __future__ import annotations

import re

import pyotp
import pytest

from accounts.ratelimit import Limits, Rule
from tests.conftest import STRONG_PASSWORD

pytestmark = pytest.mark.e2e

# The staff pages the browser visits (templates/admin/** belongs to the staff package). {sub} is the
# looked-up user's sub; {username} its username.
STAFF_PAGES = {
    "staff-index": "/admin/",
    "staff-user-list": "/admin/cognito/users/",
    "staff-user-search": "/admin/cognito/users/?q=tar",
    "staff-user-detail": "/admin/cognito/users/{username}/",
}


def submit(page) -> None:
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")


def test_signed_out_pages(cognito, live_server, transactional_db, pages, settings):
    from accounts.cognito import pool_description

    pool_description()
    page, base = pages.page, live_server.url
    cognito.admin.admin_create_user(
        UserPoolId=cognito.pool_id,
        Username="newbie",
        TemporaryPassword="Temporary-Pass-1!",
        UserAttributes=[
            {"Name": "email", "Value": "newbie@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )

    page.goto(f"{base}/accounts/login/")
    pages.check("sign-in")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong password")
    submit(page)
    assert page.locator("main .alert-danger").count() == 1
    # The message has the focus and both fields point at it (issue #13 L9); the name stays, the password not.
    assert page.evaluate("document.activeElement.id") == "sign-in-error"
    for field in ("username", "password"):
        assert page.get_attribute(f"input[name={field}]", "aria-invalid") == "true"
        assert page.get_attribute(f"input[name={field}]", "aria-describedby") == "sign-in-error"
    assert page.input_value("input[name=username]") == "nobody"
    assert page.input_value("input[name=password]") == ""
    pages.check("sign-in-failed")

    page.fill("input[name=username]", "newbie")
    page.fill("input[name=password]", "Temporary-Pass-1!")
    submit(page)
    page.wait_for_url("**/accounts/login/new-password/")
    pages.check("new-password")
    page.fill("input[name=new_password1]", "short")
    page.fill("input[name=new_password2]", "short")
    submit(page)
    assert page.evaluate("document.activeElement.name") == "new_password1"
    pages.check("new-password-errors")

    page.goto(f"{base}/accounts/password/reset/")
    pages.check("password-reset")
    page.goto(f"{base}/accounts/password/reset/confirm/")
    pages.check("password-reset-confirm")
    page.fill("input[name=username]", "newbie")
    page.fill("input[name=code]", "123456")
    page.fill("input[name=new_password1]", "x")
    submit(page)
    pages.check("password-reset-confirm-errors")

    page.goto(f"{base}/accounts/confirm/")
    pages.check("confirm-empty")

    page.goto(f"{base}/no/such/page/")
    assert page.locator("h1").inner_text() == "Page not found"
    pages.check("not-found")

    # A form whose CSRF cookie is gone (blocked, expired): the friendly 403 page.
    page.goto(f"{base}/accounts/login/")
    page.context.clear_cookies()
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "whatever")
    submit(page)
    assert page.locator("h1").inner_text() == "Please try again"
    pages.check("csrf-failure")

    settings.PORTAL_RATE_LIMITS = {"login": Limits(per_ip=Rule(1, 300))}
    page.goto(f"{base}/accounts/login/")
    for _ in range(3):  # one attempt per 5 minutes from this address: the second (at most) is refused
        if page.locator("#retry-after").count():
            break
        page.fill("input[name=username]", "nobody")
        page.fill("input[name=password]", "wrong password")
        submit(page)
    assert page.locator("#retry-after").count() == 1
    pages.check("too-many-attempts")
    assert pages.problems == [], "\n".join(pages.problems)


def test_colour_mode_menu_keeps_the_choice_in_a_cookie(live_server, transactional_db, browser_page):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/accounts/login/")
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "data-bs-theme") == "light"  # the system is light: auto follows it

    page.click("#colour-mode-button")
    page.click("button[data-colour-mode-value=dark]")
    assert page.get_attribute("html", "data-bs-theme") == "dark"
    assert page.get_attribute("button[data-colour-mode-value=dark]", "aria-pressed") == "true"
    assert {c["name"]: c["value"] for c in page.context.cookies()}["portal_theme"] == "dark"

    # The server renders the choice, so the next page is dark from its first byte.
    response = page.goto(f"{base}/accounts/signup/")
    assert 'data-bs-theme="dark"' in response.text()
    page.click("#colour-mode-button")
    page.click("button[data-colour-mode-value=auto]")
    assert page.get_attribute("html", "data-bs-theme") == "light"
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("() => document.documentElement.getAttribute('data-bs-theme') === 'dark'")
    assert page.csp_violations == []


def test_countdowns_reach_zero_and_say_what_to_do(cognito, live_server, transactional_db, browser_page):
    """With the page's clock run forward: the resend button comes back, and an MFA set-up that ran out of
    time says the key is dead; posting anyway leads back to sign-in with the server's same message."""
    from accounts.cognito import pool_description

    pool_description()
    page, base = browser_page, live_server.url
    page.clock.install()
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", "tess")
    page.fill("input[name=email]", "tess@example.com")
    page.fill("input[name=password1]", STRONG_PASSWORD)
    page.fill("input[name=password2]", STRONG_PASSWORD)
    submit(page)
    page.click("#resend-button")
    page.wait_for_load_state("load")
    assert page.locator("#resend-button").is_disabled()
    page.clock.run_for("01:05")
    assert page.locator("#resend-button").is_enabled()
    assert page.inner_text("#resend-wait") == "You can ask for a new code now."

    page.fill("input[name=code]", cognito.last_code("tess", "signup"))
    page.click("#confirm-button")
    page.wait_for_url("**/accounts/login/")
    page.fill("input[name=password]", STRONG_PASSWORD)
    submit(page)
    page.wait_for_url("**/accounts/login/mfa-setup/")
    page.wait_for_load_state("load")
    page.clock.run_for("15:01")
    expired = page.locator("#time-left")
    assert expired.get_attribute("role") == "alert"
    assert expired.inner_text().startswith("Time is up: this key is no longer valid.")
    # The server agrees once the pending sign-in has expired (its clock is real: expire it there).
    from django.contrib.sessions.models import Session

    from accounts.signin import state

    for stored in Session.objects.all():
        data = stored.get_decoded()
        if state.PENDING_KEY in data:
            data[state.PENDING_KEY]["expires_at"] = 0
            stored.session_data = Session.objects.encode(data)
            stored.save()
    page.fill("input[name=code]", "123456")
    submit(page)
    page.wait_for_url("**/accounts/login/")
    assert "delete that entry from the app" in page.inner_text("main")
    assert page.csp_violations == []


def test_pages_work_without_scripts(cognito, live_server, transactional_db, browser_page):
    """Scripts off, on a phone: the menu is shown (no toggler to open it), forms still post, and the
    resend wait is the server's sentence."""
    from accounts.cognito import pool_description

    pool_description()
    context = browser_page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/signup/")
        assert page.locator("nav a:has-text('Sign in')").is_visible()
        assert not page.locator(".navbar-toggler").is_visible()
        assert page.locator("button.show-password").count() == 0
        page.fill("input[name=username]", "nora")
        page.fill("input[name=email]", "nora@example.com")
        page.fill("input[name=password1]", STRONG_PASSWORD)
        page.fill("input[name=password2]", STRONG_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/accounts/confirm/")
        page.click("#resend-button")
        page.wait_for_url("**/accounts/confirm/")
        assert re.fullmatch(r"You can ask again in \d+ seconds?\.", page.inner_text("#resend-wait").strip())
        # Nothing counts down without scripts: the page says to load it again (issue #13 L7).
        assert page.inner_text("#resend-reload") == "Then reload this page to ask for a new code."
        # A refused sign-in focuses its message without scripts too (autofocus).
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "nobody")
        page.fill("input[name=password]", "wrong password")
        page.click("main form button[type=submit]")
        page.wait_for_load_state("load")
        assert page.evaluate("document.activeElement.id") == "sign-in-error"
    finally:
        context.close()


def test_send_a_new_code_uses_the_name_typed_in_a_fresh_browser(
    cognito, live_server, transactional_db, pages
):
    """Issue #13 M5: on /accounts/confirm/ opened cold, "Send a new code" sends the visible field's name
    (empty: said on that field, the code typed kept); the page keeps passing the checks."""
    from accounts.cognito import pool_description

    pool_description()
    page, base = pages.page, live_server.url
    page.goto(f"{base}/accounts/confirm/")
    page.fill("input[name=code]", "4711")
    page.click("#resend-button")
    page.wait_for_url("**/accounts/confirm/resend/")
    assert page.inner_text("#id_username_error").strip() == "Enter your username to get a new code."
    assert page.input_value("input[name=code]") == "4711"
    assert page.evaluate("document.activeElement.name") == "username"
    pages.check("confirm-resend-no-name")
    page.fill("input[name=username]", "ulla")
    page.click("#resend-button")
    page.wait_for_url("**/accounts/confirm/")
    assert "If an unconfirmed account exists for ulla" in page.inner_text("main")
    assert page.input_value("input[name=username]") == "ulla"
    assert page.locator("#resend-button").is_disabled()
    pages.check("confirm-resent")
    assert pages.problems == [], "\n".join(pages.problems)


def test_language_switcher_and_german_pages(cognito, live_server, transactional_db, pages):
    """The footer's switcher (POST to set_language) turns the pages German; long German words still fit."""
    from accounts.cognito import pool_description

    pool_description()
    page, base = pages.page, live_server.url
    page.goto(f"{base}/accounts/signup/")
    page.select_option("#language-select", "de")
    page.click("form.language-form button[type=submit]")
    page.wait_for_url("**/accounts/signup/")
    assert page.get_attribute("html", "lang") == "de"
    assert page.locator("h1").inner_text() == "Konto erstellen"
    pages.check("signup-de")
    page.fill("input[name=username]", "gerda")
    page.fill("input[name=email]", "gerda@example.com")
    page.fill("input[name=password1]", "kurz")
    submit(page)
    assert "Passwort anzeigen" in page.inner_text("main")
    pages.check("signup-errors-de")
    page.goto(f"{base}/accounts/login/")
    pages.check("sign-in-de")
    page.select_option("#language-select", "fr")
    page.click("form.language-form button[type=submit]")
    page.wait_for_url("**/accounts/login/")
    assert page.locator("h1").inner_text() == "Se connecter"
    pages.check("sign-in-fr")
    assert pages.problems == [], "\n".join(pages.problems)


def test_staff_pages(cognito, live_server, transactional_db, pages):
    """The staff pages at 1280 and 390 px (tests/e2e/test_staff_pages.py walks every staff page)."""
    cognito.create_user("boss", groups=("portal-staff",))
    target = cognito.create_user("target", attributes={"name": "Tess Target"})
    page, base = pages.page, live_server.url
    page.goto(f"{base}/accounts/login/?next=/admin/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", STRONG_PASSWORD)
    submit(page)
    page.wait_for_url("**/accounts/login/mfa-setup/")
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    submit(page)
    page.wait_for_url("**/admin/")
    for name, path in STAFF_PAGES.items():
        page.goto(base + path.format(username=target))
        pages.check(name)
    assert pages.problems == [], "\n".join(pages.problems)
