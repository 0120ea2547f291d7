"""A staff member's standing in Cognito, re-checked on their staff pages (not only at token refresh).

Every staff page (``PortalAdminSite.admin_view``) asks ``check()``. At most once per ``STANDING_SECONDS`` per
session it reads the signed-in person's Cognito user and groups (AdminGetUser and AdminListGroupsForUser,
concurrently) and then:

- a user who is gone, disabled, or has another sub (a session from an earlier pool: ``make run`` made a new
  one) loses every portal session at once and is sent to the sign-in;
- otherwise the roles are re-applied from the groups (``roles.apply_groups``), so someone removed from the
  staff group gets 403 on this very page.

Users without a sub never signed in through Cognito (only a shell or a test can make their session) and
have nothing in Cognito to check. When Cognito cannot be asked, the page goes on and the next one asks again.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from accounts.cognito import errors, get_idp
from accounts.middleware import NOTICE_KEY
from accounts.roles import apply_groups
from accounts.sessions import end_sessions
from accounts.staff.selectors import pool

logger = logging.getLogger(__name__)

STANDING_SECONDS = 30
SESSION_KEY = "accounts.staff.standing"


def _recently_checked(request: HttpRequest, sub: str) -> bool:
    """True when this session's standing was checked less than STANDING_SECONDS ago, for this sub *in this
    pool* (after a local pool is reset, or the settings name another pool, the next staff page checks)."""
    checked = request.session.get(SESSION_KEY) or {}
    age = time.time() - float(checked.get("at", 0))
    return (
        checked.get("sub") == sub
        and checked.get("pool") == settings.COGNITO_USER_POOL_ID
        and 0 <= age < STANDING_SECONDS
    )


def check(request: HttpRequest) -> HttpResponse | None:
    """None when the staff page may go on (roles re-applied); a redirect to the sign-in when the person's
    Cognito account no longer stands (their portal sessions are ended)."""
    user = request.user
    sub = getattr(user, "cognito_sub", None)
    if not user.is_authenticated or not sub or _recently_checked(request, sub):
        return None
    idp = get_idp()
    user_future = pool().submit(idp.admin_get_user, user.get_username())
    groups_future = pool().submit(idp.admin_list_groups_for_user, user.get_username())
    try:
        cognito_user = user_future.result()
        groups = groups_future.result()
    except (errors.UserNotFound, errors.ResourceNotFound) as exc:
        return _end(request, exc.code or type(exc).__name__)
    except errors.CognitoError as exc:
        logger.warning("Staff standing not checked: %s", exc.code or type(exc).__name__)
        return None
    if cognito_user.sub != sub:
        return _end(request, "another user has this username now")
    if not cognito_user.enabled:
        return _end(request, "disabled")
    apply_groups(user, [group.name for group in groups])
    request.session[SESSION_KEY] = {"sub": sub, "pool": settings.COGNITO_USER_POOL_ID, "at": time.time()}
    return None


def _end(request: HttpRequest, why: str) -> HttpResponse:
    user = request.user
    logger.info("Staff standing lost (%s): ending the portal sessions of user %s.", why, user.pk)
    end_sessions(user)
    logout(request)
    request.session[NOTICE_KEY] = _("Your session has ended. Please sign in again.")
    return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
