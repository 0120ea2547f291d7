"""Several app servers: sessions in Redis when the cache is Redis (run with CACHE_URL=redis://…)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests import services
from tests.conftest import STRONG_PASSWORD


@pytest.mark.services
def test_a_pending_sign_in_lives_in_redis(cognito, db, client):
    services.redis_url()
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache"
    cognito.create_user("ida")
    response = client.post(reverse("accounts:sign_in"), {"username": "ida", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    from django.core.cache import cache
    from django_redis import get_redis_connection

    stored = cache.make_key(f"django.contrib.sessions.cache{session_key}")
    assert get_redis_connection("default").exists(stored)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
