"""Issue #14 follow-up on the group pages: only the exact role groups are protected (L2), clearing a group's
fields really clears them (L3), member pages take the user list's page sizes (L11), and bulk group changes
count users already so apart (M5)."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from accounts.cognito import get_idp
from accounts.models import AuditEvent
from accounts.staff.groups import url_name

from .conftest import client_for, create_users, make_staff, sub_of

pytestmark = pytest.mark.django_db

GROUPS = "/admin/cognito/groups/"
LIST = "/admin/cognito/users/"
ARN = "arn:aws:iam::123456789012:role/Editors"


def group_page(name: str) -> str:
    return f"{GROUPS}{url_name(name)}/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def member_rows(response) -> int:
    return response.content.decode().count('<tr class="member-row">')


# -- L2: a case variant of a role group is an ordinary group ---------------------------------------------
def test_a_case_variant_of_a_role_group_is_not_marked_and_can_be_deleted(cognito, staff_client):
    get_idp().create_group("portal-STAFF")
    listing = staff_client.get(GROUPS).content.decode()
    assert listing.count("portal role</span>") == 2  # portal-staff and portal-admins only
    page = staff_client.get(group_page("portal-STAFF")).content.decode()
    assert "portal role" not in page and 'href="/admin/cognito/groups/portal-STAFF/delete/"' in page
    response = staff_client.post(
        group_page("portal-STAFF") + "delete/", {"confirm_name": "portal-STAFF", "reason": "typo"}
    )
    assert response.status_code == 302 and response["Location"] == GROUPS
    assert "portal-STAFF" not in [group.name for group in get_idp().list_groups()]
    assert AuditEvent.objects.get(action="delete_group").outcome == "success"


def test_the_exact_role_group_stays_undeletable(cognito, staff_client):
    response = staff_client.post(group_page("portal-staff") + "delete/", {"confirm_name": "portal-staff"})
    assert response.status_code == 302 and get_idp().get_group("portal-staff")


def test_granting_a_case_variant_is_still_refused_to_staff(cognito):
    """roles.membership_refusal stays folded on purpose: only superusers grant look-alikes of role groups."""
    get_idp().create_group("portal-STAFF")
    cognito.create_user("alice")
    client = client_for(make_staff("sam", "manage"))
    url = f"{LIST}{sub_of(cognito, 'alice')}/actions/add_to_group/"
    assert '<option value="portal-STAFF">' not in client.get(url).content.decode()
    response = client.post(url, {"group": "portal-STAFF"})
    assert response.status_code == 403
    assert get_idp().admin_list_groups_for_user("alice") == []


# -- L3: clearing fields clears them ---------------------------------------------------------------------
def test_clearing_a_groups_fields_clears_them(cognito, staff_client):
    get_idp().create_group("editors", description="Edit things", precedence=3, role_arn=ARN)
    response = staff_client.post(
        group_page("editors") + "change/", {"description": "", "precedence": "", "role_arn": ""}
    )
    assert response.status_code == 302
    group = get_idp().get_group("editors")
    assert (group.description or "", group.precedence, group.role_arn or "") == ("", None, "")
    event = AuditEvent.objects.get(action="update_group")
    assert (event.outcome, event.detail) == ("success", "changed: description, precedence, role_arn")
    page = staff_client.get(group_page("editors")).content.decode()
    assert "Edit things" not in page and ARN not in page


def test_changing_one_field_keeps_the_others(cognito, staff_client):
    get_idp().create_group("editors", description="Edit things", precedence=3, role_arn=ARN)
    staff_client.post(
        group_page("editors") + "change/", {"description": "Edit things", "precedence": "4", "role_arn": ARN}
    )
    group = get_idp().get_group("editors")
    assert (group.description, group.precedence, group.role_arn) == ("Edit things", 4, ARN)


# -- L11: member pages take page_size ----------------------------------------------------------------------
def test_group_member_pages_take_the_user_lists_page_sizes(cognito, staff_client, cognito_calls):
    get_idp().create_group("big")
    for name in create_users(cognito, 30, prefix="m"):
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="big")
    cognito_calls.clear()
    response = staff_client.get(group_page("big"), {"page_size": "10"})
    assert member_rows(response) == 10 and cognito_calls["ListUsersInGroup"] == 1
    body = response.content.decode()
    assert "<strong>10</strong>" in body  # the page-size links mark the current one
    following = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "page_size=10" in following
    second = staff_client.get(following)
    assert member_rows(second) == 10
    assert "page_size=10" in re.search(r'href="([^"]+)" rel="prev"', second.content.decode()).group(1)
    assert member_rows(staff_client.get(group_page("big"))) == 30  # the default (50) holds them all


def test_a_bad_page_size_is_said_and_the_default_used(cognito, staff_client):
    get_idp().create_group("big")
    response = staff_client.get(group_page("big"), {"page_size": "500"})
    assert response.status_code == 200
    assert any("Per page:" in text and "left out" in text for text in messages_of(response))


# -- M5: bulk group changes count no-ops apart -------------------------------------------------------------
def bulk(client, cognito, action: str, names: list[str], group: str):
    data = {
        "action": action,
        "_selected_action": [sub_of(cognito, name) for name in names],
        "group": group,
        "post": "yes",
    }
    return client.post(LIST, data, follow=True)


def test_bulk_remove_from_a_group_nobody_is_in_reports_no_ops(cognito, staff_client, cognito_calls):
    get_idp().create_group("a/b")
    names = create_users(cognito, 9, prefix="u")
    cognito_calls.clear()
    said = messages_of(bulk(staff_client, cognito, "remove_from_group", names, "a/b"))
    assert said == ["9 users were not in a/b."]
    assert cognito_calls["AdminRemoveUserFromGroup"] == 0
    assert not AuditEvent.objects.exists()  # no-ops are counted, not audited as successes


def test_bulk_add_counts_members_already_in_the_group_apart(cognito, staff_client):
    get_idp().create_group("editors")
    names = create_users(cognito, 10, prefix="u")
    for name in names[:9]:
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="editors")
    said = messages_of(bulk(staff_client, cognito, "add_to_group", names, "editors"))
    assert "9 users were already in editors." in said
    assert any(f"done for 1 user ({names[9]})" in text for text in said)
    assert [(e.action, e.target_username, e.outcome) for e in AuditEvent.objects.all()] == [
        ("add_to_group", names[9], "success")
    ]
    assert [g.name for g in get_idp().admin_list_groups_for_user(names[9])] == ["editors"]


def test_bulk_remove_acts_on_members_and_counts_the_others(cognito, staff_client):
    get_idp().create_group("editors")
    names = create_users(cognito, 3, prefix="u")
    cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=names[0], GroupName="editors")
    said = messages_of(bulk(staff_client, cognito, "remove_from_group", names, "editors"))
    assert "2 users were not in editors." in said
    assert any(f"done for 1 user ({names[0]})" in text for text in said)
    assert get_idp().admin_list_groups_for_user(names[0]) == []
