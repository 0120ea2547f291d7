"""Production settings refuse insecure defaults, and Django's deployment checks pass."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    prefixes = ("DJANGO_", "COGNITO_", "DATABASE_", "CACHE_", "AWS_", "LOCAL_", "PORTAL_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    # A developer's own .local/env (written by make run) must not leak into these runs.
    no_local_env = str(ROOT / ".local" / "no-such-env-file")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_LOCAL_ENV": no_local_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("weak", ["short", "x" * 60, "django-insecure-" + "a1b2c3d4e5" * 5])
def test_production_refuses_a_weak_secret_key(weak):
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=weak)
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_no_local_password_backend(settings):
    assert settings.AUTHENTICATION_BACKENDS == ["accounts.backends.CognitoBackend"]
    assert settings.AUTH_USER_MODEL == "accounts.User"


@pytest.mark.django_db
def test_users_never_get_a_usable_password(django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@example.com", "Secret-Passw0rd!")
    user.set_password("Another-Passw0rd!")
    user.save()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not user.check_password("Another-Passw0rd!")


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        (None, "django.contrib.sessions.backends.db"),
        ("redis://127.0.0.1:6379/1", "django.contrib.sessions.backends.cache"),
    ],
)
def test_sessions_live_in_the_database_unless_the_cache_is_shared(cache_url, engine):
    env = {"DJANGO_DEBUG": "1"}
    if cache_url:
        env["CACHE_URL"] = cache_url
    command = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = run_manage("shell", "-c", command, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == engine


# -- production settings (a subprocess: DEBUG is read once, at import) ---------------------------------------
PRODUCTION_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name, None) "
    "for name in ['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'DEVICE_COOKIE_NAME', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_SSL_REDIRECT', 'SILENCED_SYSTEM_CHECKS', "
    "'SESSION_IDLE_SECONDS', 'SESSION_ABSOLUTE_SECONDS', 'TRUSTED_PROXY_COUNT']} "
    "| {'CACHE': s.CACHES['default']['BACKEND']}))"
)


def production_settings(**env: str) -> dict:
    result = run_manage(
        "shell",
        "-c",
        PRODUCTION_SETTINGS,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="portal.example.com",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_host_prefixed_and_secure():
    values = production_settings()
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["DEVICE_COOKIE_NAME"].startswith("__Host-")
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True


def test_production_hsts_is_a_year_with_subdomains_and_preload_is_opt_in():
    values = production_settings()
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert "security.W021" in values["SILENCED_SYSTEM_CHECKS"]  # check --deploy stays clean without it
    opted_in = production_settings(DJANGO_HSTS_PRELOAD="1")
    assert opted_in["SECURE_HSTS_PRELOAD"] is True
    assert "security.W021" not in opted_in["SILENCED_SYSTEM_CHECKS"]


def test_session_timeouts_and_proxies_come_from_the_environment():
    values = production_settings(SESSION_IDLE_SECONDS="20", SESSION_ABSOLUTE_SECONDS="60")
    assert (values["SESSION_IDLE_SECONDS"], values["SESSION_ABSOLUTE_SECONDS"]) == (20, 60)
    assert values["TRUSTED_PROXY_COUNT"] == 0
    assert production_settings(DJANGO_BEHIND_PROXY="1")["TRUSTED_PROXY_COUNT"] == 1
    assert (
        production_settings(DJANGO_BEHIND_PROXY="1", DJANGO_TRUSTED_PROXY_COUNT="2")["TRUSTED_PROXY_COUNT"]
        == 2
    )


def test_manage_py_finds_the_env_file_in_the_local_data_dir(local_env):
    from pathlib import Path

    result = run_manage(
        "shell", "-c", SHOW_LOCAL, LOCAL_DATA_DIR=str(Path(local_env).parent), PORTAL_LOCAL_ENV=""
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split()[2] == "us-east-1_Local"


def test_production_cache_is_shared_by_every_worker_by_default():
    assert production_settings()["CACHE"] == "django.core.cache.backends.db.DatabaseCache"
    redis = production_settings(CACHE_URL="redis://127.0.0.1:6379/0")
    assert redis["CACHE"] == "django_redis.cache.RedisCache"


# -- headers every page carries (these do not depend on DEBUG) -----------------------------------------------
@pytest.fixture
def login_page(client, db):
    return client.get("/accounts/login/")


def test_csp_forbids_base_tags_plugins_and_framing(login_page):
    policy = login_page["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["base-uri"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'none'"


def test_permissions_policy_denies_powerful_features_and_allows_webauthn_here(login_page):
    policy = dict(
        part.strip().split("=", 1) for part in login_page["Permissions-Policy"].split(",") if part.strip()
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"):
        assert policy[feature] == "()", feature
    assert policy["publickey-credentials-get"] == "(self)"
    assert policy["publickey-credentials-create"] == "(self)"


def test_framing_sniffing_and_referrers_are_refused(login_page):
    assert login_page["X-Frame-Options"] == "DENY"
    assert login_page["X-Content-Type-Options"] == "nosniff"
    assert login_page["Referrer-Policy"] == "same-origin"
    assert login_page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_sqlite_is_set_up_for_concurrent_requests(settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the tests run on another database")
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


# -- manage.py: .local/env in local development, one line instead of a traceback ---------------------------
SHOW_LOCAL = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.LOCAL_COGNITO, s.COGNITO_USER_POOL_ID or '-', s.COGNITO_ENDPOINT_URL or '-')"
)


@pytest.fixture
def local_env(tmp_path) -> str:
    """A .local/env as make run writes it."""
    path = tmp_path / "env"
    path.write_text(
        "DJANGO_DEBUG=1\nLOCAL_COGNITO=1\nCOGNITO_ENDPOINT_URL=http://127.0.0.1:9229\n"
        "COGNITO_USER_POOL_ID=us-east-1_Local\nCOGNITO_CLIENT_ID=local-client\nAWS_REGION=us-east-1\n"
    )
    return str(path)


def test_a_bare_command_without_debug_or_secret_key_is_one_line():
    result = run_manage("cognito_users", "list")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DJANGO_SECRET_KEY is not set" in lines[0] and "DJANGO_DEBUG=1" in lines[0]
    # A second terminal beside a `make run` that was given its own LOCAL_DATA_DIR: the local case is named.
    assert "No local settings at " in lines[0] and "same LOCAL_DATA_DIR" in lines[0]
    assert "Traceback" not in result.stderr


def test_manage_py_reads_the_local_env_file(local_env):
    result = run_manage("shell", "-c", SHOW_LOCAL, PORTAL_LOCAL_ENV=local_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "us-east-1_Local",
        "http://127.0.0.1:9229",
    ]


def test_real_environment_variables_win_over_the_local_env_file(local_env):
    result = run_manage(
        "shell", "-c", SHOW_LOCAL, PORTAL_LOCAL_ENV=local_env, COGNITO_USER_POOL_ID="eu-west-1_Real"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split()[2] == "eu-west-1_Real"


def test_the_local_env_file_is_ignored_when_debug_is_off(local_env):
    result = run_manage(
        "shell",
        "-c",
        SHOW_LOCAL,
        PORTAL_LOCAL_ENV=local_env,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="portal.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "False", "-", "-"]
