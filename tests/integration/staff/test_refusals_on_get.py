"""Issue #14 follow-up L8: where the portal's own role rules refuse an action, the page refuses on the GET
already, with the same page and status as the POST (403, the reason, a link back); only the POST is
audited."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from accounts.models import AuditEvent

from .conftest import client_for, detail_url, make_staff, sub_of

pytestmark = pytest.mark.django_db

ROLE_RULE = "Only superusers can act on portal staff and administrators"
GROUP_RULE = "Only superusers can grant or revoke the group “portal-admins”"


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.fixture
def carol(cognito) -> str:
    """An administrator (member of portal-admins)."""
    cognito.create_user("carol", groups=("portal-admins",))
    return detail_url(cognito, "carol")


@pytest.fixture
def dave(db):
    """Staff with every permission (view, manage, delete, change) who is not a superuser."""
    return client_for(make_staff("dave", "change"))


@pytest.mark.parametrize(
    ("page", "data", "rule"),
    [
        ("change/", {"given_name": "Mallory"}, ROLE_RULE),
        (
            "actions/set_password/",
            {"password1": "Brand-new-Pass-77!", "password2": "Brand-new-Pass-77!"},
            ROLE_RULE,
        ),
        ("actions/set_temporary_password/", {}, ROLE_RULE),
        ("actions/remove_from_group/?group=portal-admins", {"group": "portal-admins"}, GROUP_RULE),
        ("actions/disable/", {}, ROLE_RULE),
    ],
)
def test_staff_are_refused_on_the_get_as_on_the_post(cognito, carol, dave, page, data, rule):
    shown = dave.get(carol + page)
    assert shown.status_code == 403
    assert rule in said(shown)
    body = shown.content.decode()
    assert f'href="{carol}"' in body and "Nothing was changed." in body
    assert "<form" not in body.split('id="content-main"', 1)[1]  # no form to fill in for nothing
    assert not AuditEvent.objects.exists()  # a GET changes nothing and is not audited

    posted = dave.post(carol + page.split("?")[0], {**data, "reason": "rogue"})
    assert posted.status_code == 403
    assert rule in said(posted) and "Nothing was changed." in posted.content.decode()
    event = AuditEvent.objects.get()
    assert event.outcome == "failure" and rule in event.detail and event.reason == "rogue"
    user = cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="carol")
    assert user["Enabled"] and "given_name" not in {a["Name"] for a in user["UserAttributes"]}


def test_nobody_opens_the_page_to_change_their_own_groups(cognito):
    cognito.create_user("root", groups=("portal-admins",))
    root = client_for(make_staff("root", "change", is_superuser=True, sub=sub_of(cognito, "root")))
    url = detail_url(cognito, "root") + "actions/remove_from_group/?group=portal-admins"
    response = root.get(url)
    assert response.status_code == 403
    assert "Nobody can change their own group memberships" in said(response)


def test_the_same_pages_open_for_ordinary_users_and_for_superusers(cognito, carol, dave):
    cognito.create_user("erin")
    erin = detail_url(cognito, "erin")
    for page in ("change/", "actions/set_password/", "actions/disable/"):
        assert dave.get(erin + page).status_code == 200
    root = client_for(make_staff("root", "change", is_superuser=True))
    for page in ("change/", "actions/set_password/", "actions/remove_from_group/?group=portal-admins"):
        assert root.get(carol + page).status_code == 200
