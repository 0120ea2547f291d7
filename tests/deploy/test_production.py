"""The README's deployment recipe, run for real: collectstatic, migrate, check, then gunicorn over HTTP.

Production settings (DEBUG off, a generated secret key, HTTPS behind a proxy), a temporary SQLite database
and static root, two gunicorn workers on the default (database) cache, and the test's local Cognito.
"""

from __future__ import annotations

import re
import secrets
import urllib.parse

import pytest

from tests.conftest import STRONG_PASSWORD
from tests.deploy import server as deploy

ORIGIN = f"https://{deploy.HOST}"


@pytest.fixture(scope="module")
def recipe() -> deploy.Recipe:
    recipe = deploy.readme_recipe()
    assert recipe.commands[-1][0] == ".venv/bin/gunicorn"
    return recipe


@pytest.fixture
def production(recipe, cognito, tmp_path):
    """The recipe's environment (with local values) after its setup lines ran; the gunicorn it starts."""
    cognito.create_user("dora")
    env = deploy.clean_environment(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        DJANGO_ALLOWED_HOSTS=deploy.HOST,
        DJANGO_BEHIND_PROXY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        COGNITO_USER_POOL_ID=cognito.pool_id,
        COGNITO_CLIENT_ID=cognito.settings.client_id,
        COGNITO_CLIENT_SECRET=cognito.settings.client_secret,
        AWS_REGION=cognito.settings.region,
        COGNITO_ENDPOINT_URL=cognito.server.url,
        WEB_CONCURRENCY="2",
    )
    missing = set(recipe.exported) - set(env)
    assert not missing, f"the README exports {missing}, which this test does not set"
    for command in recipe.commands[:-1]:
        result = deploy.run(command, env)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"
    running = deploy.start(recipe.commands[-1], env)
    yield running
    running.stop()


def csrf_token(page: deploy.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)[1]


def cookie_value(line: str) -> str:
    return line.split(";", 1)[0].split("=", 1)[1]


def test_the_documented_deployment_serves_the_portal(production):
    # -- the sign-in page, with production headers and cookies -------------------------------------------
    page = production.request("GET", "/accounts/login/")
    assert page.status == 200, page.body[:2000]
    assert 'name="username"' in page.body and 'name="password"' in page.body
    headers = page.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["base-uri"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and csp["script-src"] == "'self'"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "publickey-credentials-get=(self)" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    csrf_cookie = page.cookies()["__Host-csrftoken"]
    assert "; Secure" in csrf_cookie and "; Path=/" in csrf_cookie and "Domain=" not in csrf_cookie

    # -- a static file: hashed name, compressed copy, cached for a year ---------------------------------
    stylesheet = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', page.body)
    assert stylesheet, "the page links Bootstrap under its hashed name"
    static = production.request("GET", stylesheet[1], headers={"Accept-Encoding": "gzip"})
    assert static.status == 200
    assert "immutable" in static.headers["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", static.headers["Cache-Control"])[1]) >= 31536000
    assert static.headers["Content-Encoding"] == "gzip"

    # -- a sign-in through Cognito: the session cookie is __Host-, Secure, HttpOnly -----------------------
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf_token(page), "username": "dora", "password": STRONG_PASSWORD}
    )
    session_headers = {
        "Cookie": f"__Host-csrftoken={cookie_value(csrf_cookie)}",
        "Origin": ORIGIN,
        "Referer": f"{ORIGIN}/accounts/login/",
    }
    signed = production.request("POST", "/accounts/login/", body=form, headers=session_headers)
    assert signed.status == 302, signed.body[:2000]
    assert signed.headers["Location"] == "/accounts/login/mfa-setup/"
    session_cookie = signed.cookies()["__Host-sessionid"]
    for flag in ("; Secure", "; HttpOnly", "; Path=/", "; SameSite=Lax"):
        assert flag in session_cookie, (flag, session_cookie)
    assert "Domain=" not in session_cookie
    cookies = f"{session_headers['Cookie']}; __Host-sessionid={cookie_value(session_cookie)}"
    setup = production.request("GET", "/accounts/login/mfa-setup/", headers={"Cookie": cookies})
    assert setup.status == 200 and 'id="totp-secret"' in setup.body
    assert "no-store" in setup.headers["Cache-Control"]

    # -- sign-out clears the browser's cache ------------------------------------------------------------
    out = production.request(
        "POST",
        "/accounts/logout/",
        body=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf_token(setup)}),
        headers={**session_headers, "Cookie": cookies},
    )
    assert out.status == 302
    assert out.headers["Clear-Site-Data"] == '"cache", "storage"'

    # -- the styled 404, not a 500 -------------------------------------------------------------------------
    missing = production.request("GET", "/no-such-page/")
    assert missing.status == 404
    assert "Page not found" in missing.body and "Go to your account" in missing.body
    assert stylesheet[1] in missing.body

    # -- ready: the database, the database cache (createcachetable) and Cognito answer ------------------
    ready = production.request("GET", "/readyz")
    assert ready.status == 200, ready.body
    assert '"status": "ready"' in ready.body

    # -- plain HTTP is sent to HTTPS ----------------------------------------------------------------------
    plain = production.request("GET", "/accounts/login/", https=False)
    assert plain.status == 301
    assert plain.headers["Location"] == f"{ORIGIN}/accounts/login/"
