"""A user's portal sessions, indexed so they can all be ended at once (password change, lock-outs).

``UserSession`` rows are written when a session signs in (``user_logged_in``) and removed when it signs
out. ``end_sessions(user)`` deletes every indexed session through the configured ``SessionStore``, so it
works with the database and the cache (Redis) session backends alike; as a second line it also rotates
the user's (always unusable) password hash, which Django checks on every request
(``get_session_auth_hash``), so a session the index missed is signed out at its next request too.
"""

from __future__ import annotations

import logging
import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User, UserSession

logger = logging.getLogger(__name__)


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@receiver(user_logged_in)
def index_session(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    """Remember which user this (newly cycled) session key belongs to."""
    if request is None or not hasattr(request, "session"):
        return
    from accounts.middleware import LOGIN_AT_KEY, SEEN_AT_KEY

    request.session[LOGIN_AT_KEY] = request.session[SEEN_AT_KEY] = time.time()
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "user_agent": request.headers.get("User-Agent", "")[:256],
            "ip": _client_ip(request),
        },
    )


@receiver(user_logged_out)
def unindex_session(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def live_sessions(user: User) -> list[UserSession]:
    """The user's indexed sessions that still exist in the session store, newest first.

    Rows whose session expired or was deleted elsewhere are removed on the way.
    """
    alive = []
    for row in UserSession.objects.filter(user=user).order_by("-created_at"):
        if _store().exists(row.session_key):
            alive.append(row)
        else:
            row.delete()
    return alive


def end_sessions(user: User | None, *, except_request: HttpRequest | None = None) -> int:
    """End every portal session of ``user``, except ``except_request``'s own; returns how many ended.

    Safe to call whatever Cognito answered (a lock-out ends portal sessions in any case). The password
    hash is rotated either way, so sessions the index never saw are signed out at their next request;
    the kept session is re-bound to the new hash (``update_session_auth_hash``) and stays signed in.
    """
    if user is None:
        return 0
    keep = ""
    if except_request is not None and except_request.session.session_key:
        keep = except_request.session.session_key
    ended = 0
    for row in UserSession.objects.filter(user=user).exclude(session_key=keep):
        _store(row.session_key).delete()
        row.delete()
        ended += 1
    user.set_unusable_password()  # a new hash: sessions the index never saw fail Django's check too
    user.save(update_fields=["password"])
    if except_request is not None and getattr(except_request, "user", None) == user:
        update_session_auth_hash(except_request, user)
        if except_request.session.session_key and except_request.session.session_key != keep:
            # update_session_auth_hash cycled the key: keep the index pointing at the live one.
            UserSession.objects.filter(session_key=keep).update(
                session_key=except_request.session.session_key
            )
    logger.info("Ended %d portal session(s) of user %s.", ended, user.pk)
    return ended
