"""Production settings refuse insecure defaults, and Django's deployment checks pass."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "COGNITO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
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
