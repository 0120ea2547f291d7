"""accounts.sessions: the index of a user's sessions, and ending them on any session backend."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.contrib.auth import SESSION_KEY, login
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from accounts.models import User, UserSession
from accounts.sessions import end_sessions, live_sessions

pytestmark = pytest.mark.django_db

BACKENDS = ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"]


def signed_in(user: User):
    request = RequestFactory().get("/", HTTP_USER_AGENT="Tests/1.0")
    SessionMiddleware(lambda r: None).process_request(request)
    login(request, user, backend="accounts.backends.CognitoBackend")
    request.session.save()
    return request


def store(key: str):
    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore(key)


@pytest.mark.parametrize("engine", BACKENDS)
def test_signing_in_indexes_the_session_and_end_sessions_ends_all_of_them(settings, engine):
    settings.SESSION_ENGINE = engine
    ann = User.objects.create_user("ann")
    bob = User.objects.create_user("bob")
    first, second, other = signed_in(ann), signed_in(ann), signed_in(bob)
    assert UserSession.objects.filter(user=ann).count() == 2
    assert {row.user_agent for row in live_sessions(ann)} == {"Tests/1.0"}

    assert end_sessions(ann) == 2
    assert not store(first.session.session_key).exists(first.session.session_key)
    assert not store(second.session.session_key).exists(second.session.session_key)
    assert store(other.session.session_key).load().get(SESSION_KEY) == str(bob.pk)  # nobody else's


@pytest.mark.parametrize("engine", BACKENDS)
def test_the_current_session_can_be_kept_and_stays_valid(settings, engine):
    settings.SESSION_ENGINE = engine
    ann = User.objects.create_user("ann")
    kept, ended = signed_in(ann), signed_in(ann)
    kept.user = ann
    old_hash = ann.get_session_auth_hash()
    assert end_sessions(ann, except_request=kept) == 1
    assert ann.get_session_auth_hash() != old_hash  # sessions the index missed fail Django's check
    assert kept.session["_auth_user_hash"] == ann.get_session_auth_hash()
    assert UserSession.objects.filter(user=ann).get().session_key == kept.session.session_key
    assert not store(ended.session.session_key).exists(ended.session.session_key)


def test_sessions_that_expired_elsewhere_leave_the_index(settings):
    ann = User.objects.create_user("ann")
    request = signed_in(ann)
    store(request.session.session_key).delete(request.session.session_key)
    assert live_sessions(ann) == []
    assert not UserSession.objects.exists()
