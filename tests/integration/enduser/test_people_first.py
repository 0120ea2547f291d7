"""Issue #13 from a person's side: time left and what an expired MFA set-up means, sign-up typos that do
not count, the "Sign out?" page, colour modes, the language switcher, and German pages without English.
"""

from __future__ import annotations

import ast
import gettext
import html
import re
import time
from html.parser import HTMLParser

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.ratelimit import Limits, Rule
from accounts.signin import state
from tests.conftest import STRONG_PASSWORD
from tests.integration.enduser.conftest import login_post, messages_of, page_secret

SIGNUP = {
    "username": "",
    "email": "fay@example.com",
    "password1": STRONG_PASSWORD,
    "password2": STRONG_PASSWORD,
}


def countdown_seconds(body: str) -> int:
    match = re.search(r'id="time-left"[^>]*data-countdown-seconds="(\d+)"', body, re.DOTALL)
    assert match, "no time-left countdown on the page"
    return int(match.group(1))


# -- item 1: the MFA set-up's time limit, said plainly -------------------------------------------------------
def test_set_up_page_shows_the_time_left_from_the_app_clients_session_validity(pool, client):
    pool.create_user("fay")
    login_post(client, "fay")
    page = client.get(reverse("accounts:mfa_setup")).content.decode()
    # The bootstrap pools use Cognito's longest auth session: 15 minutes.
    assert 840 <= countdown_seconds(page) <= 900
    assert "Time left for this step: about 15 minutes." in page
    # The script's texts come with the page, the expiry one naming the dead app entry.
    assert "Delete the entry you added to your authenticator app" in html.unescape(page)
    assert 'data-expires-at="' in page


def test_code_page_shows_the_time_left_too(pool, client):
    pool.create_user("gus")
    pool.enrol_totp("gus")
    login_post(client, "gus")
    page = client.get(reverse("accounts:mfa")).content.decode()
    assert 0 < countdown_seconds(page) <= 900
    assert "Time is up: sign in again to continue." in html.unescape(page)


def test_expired_set_up_sends_the_person_back_saying_the_key_changed(pool, client, cognito_calls):
    pool.create_user("hal")
    login_post(client, "hal")
    secret = page_secret(client.get(reverse("accounts:mfa_setup")))
    session = client.session
    session[state.PENDING_KEY] = {**session[state.PENDING_KEY], "expires_at": time.time() - 1}
    session.save()
    cognito_calls.clear()

    # A valid code from the app entry just created, typed too late.
    response = client.post(reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(secret).now()}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")
    [message] = messages_of(response)
    assert "no longer valid: delete that entry from the app" in message
    assert "delete that entry from the app" in response.content.decode()
    assert cognito_calls.total == 0
    # Signing in again shows a new key: the old one is dead, as the page said.
    login_post(client, "hal")
    assert page_secret(client.get(reverse("accounts:mfa_setup"))) != secret


# -- item 5: small breakages -----------------------------------------------------------------------------
def test_sign_up_typos_never_count_against_the_limit(pool, client, cognito_calls, settings):
    settings.PORTAL_RATE_LIMITS = {"signup": Limits(per_ip=Rule(2, 3600))}
    typos = [
        {**SIGNUP, "username": "fay", "password2": STRONG_PASSWORD + "x"},  # passwords differ
        {**SIGNUP, "username": "fay", "email": "not-an-address"},
        {**SIGNUP, "username": "fay", "password1": "short", "password2": "short"},
        {**SIGNUP, "username": ""},
    ]
    statuses = [client.post(reverse("accounts:signup"), data).status_code for data in typos * 2]
    assert statuses == [200] * 8 and cognito_calls["SignUp"] == 0
    # Two real submissions still reach Cognito; the third is over the limit.
    reached = [
        client.post(reverse("accounts:signup"), {**SIGNUP, "username": name}).status_code
        for name in ("fay", "gil", "hub")
    ]
    assert reached == [302, 302, 429] and cognito_calls["SignUp"] == 2


def test_resend_wait_counts_down_with_the_button_disabled(pool, client):
    client.post(reverse("accounts:signup"), {**SIGNUP, "username": "ivo"})
    client.post(reverse("accounts:resend"), {"username": "ivo"})
    page = client.get(reverse("accounts:confirm")).content.decode()
    match = re.search(r'id="resend-wait" data-countdown-seconds="(\d+)"', page)
    assert match and 0 < int(match.group(1)) <= 60
    assert re.search(r'<button[^>]*id="resend-button" disabled>', page)
    assert 'data-countdown-enable="resend-button"' in page


def test_password_pages_say_why_the_fields_are_empty(pool, client):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "username": "jo", "password2": "other"})
    body = response.content.decode()
    assert 'id="passwords-cleared"' in body
    assert 'name="password1"' in body and STRONG_PASSWORD not in body


# -- item 4: colour modes and languages ------------------------------------------------------------------
@pytest.mark.parametrize(("cookie", "rendered"), [(None, "light"), ("dark", "dark"), ("light", "light")])
def test_colour_mode_cookie_is_rendered_by_the_server(pool, client, cookie, rendered):
    if cookie:
        client.cookies["portal_theme"] = cookie
    body = client.get(reverse("accounts:sign_in")).content.decode()
    assert f'data-bs-theme="{rendered}" data-colour-mode="{cookie or "auto"}"' in body
    assert 'data-bs-theme="auto"' not in body  # not a Bootstrap value


def test_language_switcher_posts_to_set_language_and_the_next_page_follows(pool, client, back_to_english):
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert f'action="{reverse("set_language")}"' in page and 'name="csrfmiddlewaretoken"' in page
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("accounts:sign_in")})
    assert response.status_code == 302
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert '<html lang="fr"' in page and "Se connecter" in page


class VisibleText(HTMLParser):
    """The text a person meets on a page: text nodes outside script/style, plus the attributes that
    are read out or shown (alt, title, placeholder, aria-label, button values, the scripts' texts)."""

    SPOKEN = {"alt", "title", "placeholder", "aria-label"}
    SCRIPT_TEXTS = {"data-countdown-text", "data-countdown-done"}  # and data-text-*

    def __init__(self) -> None:
        super().__init__()
        self.segments: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            shown = name == "value" and tag == "input" and attributes.get("type") in ("submit", "button")
            script_text = name in self.SCRIPT_TEXTS or name.startswith("data-text-")
            if value and (shown or name in self.SPOKEN or script_text):
                self.segments.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.segments.append(" ".join(data.split()))


def segments(body: str) -> set[str]:
    parser = VisibleText()
    parser.feed(body)
    return {s for s in parser.segments if re.search(r"[A-Za-z]{2}", s)}


def english_left_over(english: str, german: str, allowed: set[str]) -> set[str]:
    """Texts of the German page that are exactly as on the English page (names and codes allowed)."""
    return {s for s in segments(german) & segments(english) if s not in allowed}


@pytest.fixture
def back_to_english():
    """LocaleMiddleware leaves the last request's language active in this thread: reset it afterwards."""
    yield
    translation.deactivate()


def test_a_german_browser_sees_no_english_on_the_end_user_pages(pool, settings, back_to_english):
    pool.create_user("kai")  # signs in with English pages
    pool.create_user("kim")  # and kim with German ones
    english, german = Client(), Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    users = {english: "kai", german: "kim"}
    # Names, codes and values that are the same in every language.
    allowed = {
        settings.PORTAL_SITE_NAME,
        "kai",
        "kai@example.com",
        "kim",
        "kim@example.com",
        *(translation.get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES),
        "Code",  # the same word in German
    }

    def both(path: str, data: dict | None = None) -> tuple[str, str]:
        bodies = []
        for client in (english, german):
            response = client.post(path, data) if data is not None else client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            bodies.append(response.content.decode())
        return bodies[0], bodies[1]

    pages: dict[str, tuple[str, str]] = {
        "sign-in": both(reverse("accounts:sign_in")),
        "sign-up": both(reverse("accounts:signup")),
        "sign-up errors": both(reverse("accounts:signup"), {**SIGNUP, "username": "kai", "password2": "x"}),
        "confirm": both(reverse("accounts:confirm")),
        "password reset": both(reverse("accounts:password_reset")),
    }
    for client in (english, german):
        login_post(client, users[client])
    pages["MFA set-up"] = both(reverse("accounts:mfa_setup"))
    secrets = []
    for client in (english, german):
        secret = page_secret(client.get(reverse("accounts:mfa_setup")))
        allowed.update({secret, " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))})
        secrets.append(secret)
    pages["MFA set-up wrong code"] = both(reverse("accounts:mfa_setup"), {"code": "000000"})
    for client, secret in zip((english, german), secrets, strict=True):
        response = client.post(reverse("accounts:mfa_setup"), {"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
    pages["account"] = both(reverse("accounts:home"))
    pages["devices"] = both(reverse("accounts:devices"))
    pages["password change"] = both(reverse("accounts:password_change"))
    pages["sign-out"] = both(reverse("accounts:sign_out"))
    for client in (english, german):
        client.post(reverse("accounts:sign_out"))
        login_post(client, users[client])
    pages["code"] = both(reverse("accounts:mfa"))

    leftovers = {name: english_left_over(en, de, allowed) for name, (en, de) in pages.items()}
    assert {name: found for name, found in leftovers.items() if found} == {}
    assert '<html lang="de"' in pages["sign-in"][1]


# -- the catalogues themselves ---------------------------------------------------------------------------
def po_entries(path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (a list: one per plural form), fuzzy."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and entry["msgid"]:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry or {"msgid": "", "msgid_plural": None, "msgstr": [], "fuzzy": False}
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if key == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[key] += value
        else:
            key, _space, value = line.partition(" ")
            value = ast.literal_eval(value)
            if key.startswith("msgstr"):
                key = "msgstr"
                entry["msgstr"].append(value)
            else:
                entry[key] = value
    return entries


@pytest.mark.parametrize("language", ["de", "fr"])
def test_catalogue_is_complete_and_compiled(settings, language):
    """Every string is translated (none fuzzy), keeps its placeholders, and the committed .mo is compiled
    from this .po (run `make messages` after changing either)."""
    folder = settings.LOCALE_PATHS[0] / language / "LC_MESSAGES"
    entries = po_entries(folder / "django.po")
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    placeholders = re.compile(r"%\(\w+\)[sdr]|\{time\}")
    assert len(entries) > 500
    for entry in entries:
        assert not entry["fuzzy"] and all(entry["msgstr"]), f"not translated: {entry['msgid']!r}"
        if entry["msgid_plural"] is None:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], f"not compiled: {entry['msgid']!r}"
            assert sorted(placeholders.findall(entry["msgid"])) == sorted(
                placeholders.findall(entry["msgstr"][0])
            )
        else:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 5) == entry["msgstr"][1]


def test_catalogue_has_every_string_the_code_marks(settings, tmp_path):
    """`make messages` would add nothing: every string the portal marks for translation (Python and
    templates, as the Makefile's makemessages walks them) is in the committed catalogue."""
    import contextlib
    import shutil

    from django.core.management import call_command

    root = settings.BASE_DIR
    for folder in ("accounts", "portal", "templates"):
        shutil.copytree(root / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "locale" / "de" / "LC_MESSAGES").mkdir(parents=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    with contextlib.chdir(tmp_path):
        call_command("makemessages", locale=["de"], verbosity=0)
    extracted = {e["msgid"] for e in po_entries(tmp_path / "locale" / "de" / "LC_MESSAGES" / "django.po")}
    committed = {e["msgid"] for e in po_entries(root / "locale" / "de" / "LC_MESSAGES" / "django.po")}
    assert len(extracted) > 500
    assert sorted(extracted - committed) == []
