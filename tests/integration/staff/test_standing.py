"""Issues #10.4 and #13: a staff member's Cognito standing is re-checked on the staff pages themselves.

Disabled, deleted or removed from the staff group in Cognito (by anyone, anywhere) → the pages are gone on
the next staff page once the short per-session check is due, not at the next token refresh; a session left
over from an earlier pool (``make run`` made a new one) ends on its first staff page.
"""

from __future__ import annotations

import pytest

from accounts.middleware import NOTICE_KEY
from accounts.models import User
from accounts.staff import standing

from .conftest import client_for, make_staff, sub_of

pytestmark = pytest.mark.django_db

LIST = "/admin/cognito/users/"


@pytest.fixture
def boss(cognito):
    """A staff member who signed in through Cognito (a mirror with their sub) and a browser for them."""
    cognito.create_user("boss", groups=("portal-staff",))
    user = make_staff("boss", "manage", sub=sub_of(cognito, "boss"))
    return user, client_for(user)


def expire_checks(monkeypatch):
    monkeypatch.setattr(standing, "STANDING_SECONDS", 0)


def test_a_standing_staff_member_is_checked_once_per_window(cognito, cognito_calls, boss):
    _user, client = boss
    assert client.get(LIST).status_code == 200
    assert cognito_calls["AdminListGroupsForUser"] == 1
    client.get(LIST)
    client.get("/admin/")
    assert cognito_calls["AdminListGroupsForUser"] == 1  # within the window: no more calls


@pytest.mark.parametrize("change", ["disable", "delete"])
def test_a_disabled_or_deleted_staff_member_loses_every_session_on_the_next_page(
    cognito, boss, monkeypatch, change
):
    user, client = boss
    other_browser = client_for(user)
    assert client.get(LIST).status_code == 200
    getattr(cognito.admin, f"admin_{change}_user")(UserPoolId=cognito.pool_id, Username="boss")
    expire_checks(monkeypatch)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert client.session.get(NOTICE_KEY)
    assert client.get("/admin/").wsgi_request.user.is_anonymous
    assert other_browser.get("/accounts/").wsgi_request.user.is_anonymous  # every session, not just this one


def test_removal_from_the_staff_group_takes_effect_on_the_next_page(cognito, boss, monkeypatch):
    user, client = boss
    assert client.get(LIST).status_code == 200
    cognito.admin.admin_remove_user_from_group(
        UserPoolId=cognito.pool_id, Username="boss", GroupName="portal-staff"
    )
    expire_checks(monkeypatch)
    assert client.get(LIST).status_code == 403
    assert not User.objects.get(pk=user.pk).is_staff


def test_a_session_from_an_earlier_pool_ends_on_its_first_staff_page(cognito, cognito_calls):
    # `make run` made a new pool with a new "boss": same username, another sub.
    cognito.create_user("boss", groups=("portal-staff",))
    stale = make_staff("boss", "manage", sub="5e7a1e00-0000-4000-8000-000000000000")
    client = client_for(stale)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert cognito_calls["ListUsers"] == 0  # ended before the page asked Cognito for anything else


def test_a_session_for_a_pool_that_is_gone_ends_on_its_first_staff_page(cognito, settings):
    client = client_for(make_staff("boss", "manage", sub="5e7a1e00-0000-4000-8000-000000000000"))
    settings.COGNITO_USER_POOL_ID = "us-east-1_gone"
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_checked_session_is_checked_again_at_once_when_the_pool_changes(cognito, boss, settings):
    """Within the 30 s window too: the check belongs to the pool it was made in (a reset local pool, or
    settings naming another pool)."""
    _user, client = boss
    assert client.get(LIST).status_code == 200  # checked now, in this pool
    settings.COGNITO_USER_POOL_ID = "us-east-1_gone"
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_outage_does_not_lock_staff_out(cognito, boss):
    from .conftest import inject_fault

    _user, client = boss
    inject_fault(cognito, operation="AdminGetUser", error="TooManyRequestsException")
    assert client.get("/admin/").status_code == 200
