"""Issue #13 (L6): a newly remembered device is named in the person's language (the name is stored in
Cognito by ConfirmDevice); names already stored stay as they are."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.integration.enduser.conftest import login_post, totp_post

CHROME_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
GERMAN = {
    "%(browser)s on %(system)s": "%(browser)s unter %(system)s",
    "Browser": "Webbrowser",
}


@pytest.fixture
def german_device_names(settings, tmp_path):
    """A German catalogue with the device-name sentences, ahead of the committed one (which may not have
    them yet: translations are added after the code), so the test shows which language the name is in."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")
    folder = tmp_path / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    entries = "".join(f'msgid "{key}"\nmsgstr "{value}"\n\n' for key, value in GERMAN.items())
    header = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    (folder / "django.po").write_text(header + entries, encoding="utf-8")
    subprocess.run([msgfmt, "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    yield
    translation.deactivate()


def remember(pool, client: Client, name: str) -> str:
    """Sign ``name`` in with "remember this browser"; returns the device name Cognito stored."""
    login_post(client, name)
    assert totp_post(client, pool.totp_secrets[name], remember=True, step=1).url == reverse("accounts:home")
    [device] = pool.admin.admin_list_devices(UserPoolId=pool.pool_id, Username=name)["Devices"]
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}["device_name"]


def test_a_device_is_named_in_the_language_of_the_page_it_was_remembered_on(pool, german_device_names):
    for name in ("kim", "lou"):
        pool.create_user(name)
        pool.enrol_totp(name)
    german = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9", HTTP_USER_AGENT=CHROME_ON_LINUX)
    assert remember(pool, german, "kim") == "Chrome unter Linux"
    english = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT=CHROME_ON_LINUX)
    assert remember(pool, english, "lou") == "Chrome on Linux"
    # A stored name stays as it is: kim's devices page in English still says "unter".
    german.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:devices")})
    page = german.get(reverse("accounts:devices")).content.decode()
    assert '<html lang="en"' in page and "Chrome unter Linux" in page


def test_an_unknown_browser_is_named_in_the_persons_language(rf, german_device_names):
    from accounts.devices import device_name

    request = rf.get("/", HTTP_USER_AGENT="curl/8.0")
    with translation.override("de"):
        assert device_name(request) == "Webbrowser"
