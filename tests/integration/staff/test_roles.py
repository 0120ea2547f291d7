"""Issue #10.1: nobody makes themselves superuser. Role groups need a superuser; nobody changes their own
groups; every refusal is audited. Tested on each path: the action page, the bulk action, the command."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from accounts.models import AuditEvent, User

from .conftest import client_for, detail_url, make_staff, sub_of

pytestmark = pytest.mark.django_db

LIST = "/admin/cognito/users/"


def groups_of(cognito, username: str) -> list[str]:
    response = cognito.admin.admin_list_groups_for_user(UserPoolId=cognito.pool_id, Username=username)
    return sorted(g["GroupName"] for g in response["Groups"])


def signed_in_staff(cognito, username: str, *, superuser: bool = False):
    """A Cognito staff member and their mirror, as the sign-in creates them."""
    cognito.create_user(username, groups=("portal-admins",) if superuser else ("portal-staff",))
    return make_staff(username, "manage", is_superuser=superuser, sub=sub_of(cognito, username))


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def refused_event(action: str, target: str) -> AuditEvent:
    event = AuditEvent.objects.get(action=action, target_username=target)
    assert event.outcome == "failure" and event.detail.startswith("group=") and "refused:" in event.detail
    return event


# -- the action page -------------------------------------------------------------------------------------
def test_staff_cannot_add_themselves_to_the_admin_group(cognito):
    me = signed_in_staff(cognito, "sam")
    client = client_for(me)
    page = client.get(detail_url(cognito, "sam")).content.decode()
    assert "/actions/add_to_group/" not in page  # not offered on one's own page
    url = detail_url(cognito, "sam") + "actions/add_to_group/"
    assert '<option value="portal-admins">' not in client.get(url).content.decode()
    response = client.post(url, {"group": "portal-admins"})
    assert response.status_code in (400, 403)
    assert groups_of(cognito, "sam") == ["portal-staff"]


@pytest.mark.parametrize("group", ["portal-admins", "portal-staff"])
def test_staff_cannot_grant_a_role_group_to_someone_else(cognito, group):
    client = client_for(signed_in_staff(cognito, "sam"))
    cognito.create_user("alice")
    # Offered only to superusers; a crafted POST with a free-text group is refused and audited.
    response = client.post(detail_url(cognito, "alice") + "actions/add_to_group/", {"group": group})
    assert response.status_code in (400, 403)
    assert groups_of(cognito, "alice") == []


def test_a_crafted_role_group_request_is_refused_with_a_message_and_audited(cognito, monkeypatch):
    from accounts.staff.views import bulk

    monkeypatch.setattr(bulk.selectors, "group_names", lambda: [])  # the form falls back to a text field
    client = client_for(signed_in_staff(cognito, "sam"))
    cognito.create_user("alice")
    response = client.post(detail_url(cognito, "alice") + "actions/add_to_group/", {"group": "portal-admins"})
    assert response.status_code == 403
    assert "Only superusers can grant or revoke the group “portal-admins”" in messages_of(response)
    assert groups_of(cognito, "alice") == []
    assert refused_event("add_to_group", "alice").actor.username == "sam"


def test_staff_cannot_remove_a_superuser_from_the_admin_group(cognito):
    client = client_for(signed_in_staff(cognito, "sam"))
    cognito.create_user("root", groups=("portal-admins",))
    page = client.get(detail_url(cognito, "root")).content.decode()
    assert "remove_from_group" not in page
    url = detail_url(cognito, "root") + "actions/remove_from_group/"
    assert client.post(url, {"group": "portal-admins"}).status_code == 403
    assert groups_of(cognito, "root") == ["portal-admins"]
    refused_event("remove_from_group", "root")


def test_a_superuser_cannot_change_their_own_groups_either(cognito):
    client = client_for(signed_in_staff(cognito, "root", superuser=True))
    url = detail_url(cognito, "root") + "actions/remove_from_group/"
    response = client.post(url, {"group": "portal-admins"})
    assert response.status_code == 403
    assert "Nobody can change their own group memberships" in messages_of(response)
    assert groups_of(cognito, "root") == ["portal-admins"]


def test_a_superuser_grants_and_revokes_roles_and_the_mirror_follows_at_once(cognito):
    root = client_for(signed_in_staff(cognito, "root", superuser=True))
    alice = signed_in_staff(cognito, "alice")
    alice_client = client_for(alice)
    root.post(detail_url(cognito, "alice") + "actions/add_to_group/", {"group": "portal-admins"})
    assert groups_of(cognito, "alice") == ["portal-admins", "portal-staff"]
    assert User.objects.get(pk=alice.pk).is_superuser
    for group in ("portal-admins", "portal-staff"):
        root.post(detail_url(cognito, "alice") + "actions/remove_from_group/", {"group": group})
    assert groups_of(cognito, "alice") == []
    alice = User.objects.get(pk=alice.pk)
    assert not alice.is_staff and not alice.is_superuser
    assert alice_client.get(LIST).status_code == 403  # the pages are gone on her very next request


# -- bulk ------------------------------------------------------------------------------------------------
def test_bulk_grants_are_refused_for_staff_and_for_ones_own_row(cognito):
    cognito.create_user("alice")
    cognito.create_user("bob")
    sam = client_for(signed_in_staff(cognito, "sam"))
    selected = [sub_of(cognito, "alice"), sub_of(cognito, "bob")]
    data = {"action": "add_to_group", "_selected_action": selected, "group": "portal-staff", "post": "yes"}
    page = sam.post(LIST, {"action": "add_to_group", "_selected_action": selected}).content.decode()
    assert '<option value="portal-staff">' not in page  # role groups not offered to staff
    response = sam.post(LIST, data, follow=True)
    assert groups_of(cognito, "alice") == groups_of(cognito, "bob") == []
    assert AuditEvent.objects.filter(outcome="success").count() == 0

    root = client_for(signed_in_staff(cognito, "root", superuser=True))
    response = root.post(
        LIST, {**data, "_selected_action": [*selected, sub_of(cognito, "root")]}, follow=True
    )
    text = messages_of(response)
    assert "root: Nobody can change their own group memberships" in text
    assert "done for 2 users (alice, bob)" in text
    assert groups_of(cognito, "alice") == groups_of(cognito, "bob") == ["portal-staff"]
    assert groups_of(cognito, "root") == ["portal-admins"]
    refused_event("add_to_group", "root")


def test_bulk_refusal_for_staff_is_audited_per_user(cognito, monkeypatch):
    from accounts.staff.views import bulk

    monkeypatch.setattr(bulk.selectors, "group_names", lambda: [])  # free-text group field
    cognito.create_user("alice")
    sam = client_for(signed_in_staff(cognito, "sam"))
    data = {
        "action": "add_to_group",
        "_selected_action": [sub_of(cognito, "alice")],
        "group": "portal-admins",
    }
    response = sam.post(LIST, {**data, "post": "yes"}, follow=True)
    assert "alice: Only superusers can grant or revoke" in messages_of(response)
    assert groups_of(cognito, "alice") == []
    refused_event("add_to_group", "alice")


# -- the command -----------------------------------------------------------------------------------------
def test_operators_grant_and_revoke_role_groups_and_are_audited(cognito, db):
    from tests.integration.commands.conftest import run_command

    cognito.create_user("alice")
    out = run_command("cognito_users", "add-to-group", "alice", "--group", "portal-admins", "--yes")
    assert "alice is now in the group portal-admins." in out.stdout
    assert groups_of(cognito, "alice") == ["portal-admins"]
    run_command(
        "cognito_users", "remove-from-group", sub_of(cognito, "alice"), "--group", "portal-admins", "-y"
    )
    assert groups_of(cognito, "alice") == []
    events = AuditEvent.objects.order_by("id")
    assert [(e.action, e.outcome, e.detail) for e in events] == [
        ("add_to_group", "success", "group=portal-admins"),
        ("remove_from_group", "success", "group=portal-admins"),
    ]
    assert all(e.actor is None and e.actor_label.startswith("operator:") for e in events)


def test_staff_who_are_not_superusers_cannot_act_on_staff_or_administrators(cognito):
    """One staff member must not be able to lock every administrator out (issue #10 follow-up)."""
    from accounts.models import AuditEvent
    from tests.integration.staff.conftest import client_for, make_staff

    cognito.create_user("carol", groups=("portal-admins",))
    cognito.create_user("erin")  # an ordinary user, for contrast
    dave = client_for(make_staff("dave", "delete"))
    carol_sub = cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="carol")["UserAttributes"]
    carol_sub = next(a["Value"] for a in carol_sub if a["Name"] == "sub")
    page = dave.get(f"/admin/cognito/users/{carol_sub}/").content.decode()
    assert "Only superusers can act on portal staff and administrators" in page
    assert f"/admin/cognito/users/{carol_sub}/actions/disable/" not in page
    response = dave.post(f"/admin/cognito/users/{carol_sub}/actions/disable/", {"reason": "rogue"})
    assert cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="carol")["Enabled"] is True
    assert response.status_code in (200, 400, 403)
    refused = AuditEvent.objects.get(action="disable", target_sub=carol_sub)
    assert refused.outcome == "failure" and "Only superusers" in refused.detail
    root = client_for(make_staff("root", "delete", is_superuser=True))
    root.post(f"/admin/cognito/users/{carol_sub}/actions/disable/", {"reason": "offboarding"})
    assert cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="carol")["Enabled"] is False
