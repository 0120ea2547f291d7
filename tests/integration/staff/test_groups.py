"""The pool's groups (issue #14): list with role markers and member counts on demand, a members page paged
like the user list, create / edit / delete (audited), role groups guarded, odd names round-tripping."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.messages import get_messages

from accounts.cognito import errors, get_idp
from accounts.models import AuditEvent
from accounts.staff.groups import name_from_url, url_name

from .conftest import client_for, create_users, inject_fault, make_staff, sub_of

pytestmark = pytest.mark.django_db

GROUPS = "/admin/cognito/groups/"


def group_page(name: str) -> str:
    return f"{GROUPS}{url_name(name)}/"


def members(response) -> list[str]:
    return re.findall(
        r'<tr class="member-row">\s*<th scope="row"[^>]*><a href="[^"]*">([^<]*)</a>',
        response.content.decode(),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def superuser_client(db):
    return client_for(make_staff("root", "change", is_superuser=True))


def test_the_list_marks_role_groups_and_counts_members_on_demand(cognito, staff_client, cognito_calls):
    get_idp().create_group("editors", description="Edit things", precedence=5)
    cognito.create_user("ann", groups=("editors",))
    cognito.create_user("bob", groups=("editors",))
    cognito_calls.clear()
    response = staff_client.get(GROUPS)
    assert response.status_code == 200
    assert cognito_calls["ListUsersInGroup"] == 0  # counts only on demand
    body = response.content.decode()
    for name in ("editors", "portal-staff", "portal-admins"):
        assert f'href="{group_page(name)}"' in body
    assert body.count("portal role</span>") == 2
    counted = staff_client.get(GROUPS, {"count": "editors"})
    assert '<strong class="member-count">2</strong>' in counted.content.decode()


def test_the_admin_index_names_both_kinds_of_groups(cognito, superuser_client):
    body = superuser_client.get("/admin/").content.decode()
    assert "Cognito groups" in body and 'href="/admin/cognito/groups/"' in body
    assert "Django permission groups" in body
    assert re.search(r">\s*Groups\s*<", body) is None  # the bare "Groups" entry is gone


def test_a_group_page_lists_its_members_paged_with_no_one_missed_or_repeated(cognito, staff_client):
    get_idp().create_group("big")
    names = create_users(cognito, 120, prefix="m")
    for name in names:
        cognito.admin.admin_add_user_to_group(UserPoolId=cognito.pool_id, Username=name, GroupName="big")
    seen: list[str] = []
    response = staff_client.get(group_page("big"))
    pages = 0
    while True:
        pages += 1
        seen += members(response)
        following = re.search(r'href="([^"]+)" rel="next"', response.content.decode())
        if not following:
            break
        response = staff_client.get(html.unescape(following.group(1)))
    assert pages == 3
    assert sorted(seen) == sorted(names) and len(seen) == len(set(seen))


def test_create_edit_and_delete_a_group(cognito, staff_client, cognito_calls):
    response = staff_client.post(
        GROUPS + "add/",
        {"name": "editors", "description": "Edit things", "precedence": "3", "reason": "new team"},
    )
    assert response.status_code == 302 and response["Location"] == group_page("editors")
    group = get_idp().get_group("editors")
    assert (group.description, group.precedence) == ("Edit things", 3)

    form = staff_client.get(group_page("editors") + "change/").content.decode()
    assert "Edit things" in form and 'name="name"' not in form  # groups cannot be renamed
    response = staff_client.post(
        group_page("editors") + "change/", {"description": "Edit all things", "precedence": "3"}
    )
    assert response.status_code == 302
    assert get_idp().get_group("editors").description == "Edit all things"

    cognito.create_user("ann", groups=("editors",))
    confirm = staff_client.get(group_page("editors") + "delete/").content.decode()
    assert "Its 1 member loses it (the user stays)" in confirm
    wrong = staff_client.post(group_page("editors") + "delete/", {"confirm_name": "Editors"})
    assert wrong.status_code == 400 and get_idp().get_group("editors")
    cognito_calls.clear()
    done = staff_client.post(
        group_page("editors") + "delete/", {"confirm_name": "editors", "reason": "merged"}
    )
    assert done.status_code == 302 and done["Location"] == GROUPS
    with pytest.raises(errors.ResourceNotFound):
        get_idp().get_group("editors")
    assert get_idp().admin_get_user("ann").enabled  # the member stays
    rows = [(e.action, e.target_username, e.outcome, e.detail) for e in AuditEvent.objects.order_by("id")]
    assert rows == [
        ("create_group", "editors", "success", "fields: description, precedence"),
        ("update_group", "editors", "success", "changed: description"),
        ("delete_group", "editors", "success", "members: 1"),
    ]


def test_bad_group_input_is_refused_with_what_was_typed_kept(cognito, staff_client):
    spaced = staff_client.post(GROUPS + "add/", {"name": "two words", "description": "kept"})
    assert spaced.status_code == 400
    assert "cannot contain spaces" in spaced.content.decode() and "kept</textarea>" in spaced.content.decode()
    arn = staff_client.post(GROUPS + "add/", {"name": "ok", "role_arn": "arn:nope"})
    assert arn.status_code == 400 and "Enter an IAM role ARN" in arn.content.decode()
    duplicate = staff_client.post(GROUPS + "add/", {"name": "portal-staff"})
    assert duplicate.status_code == 400
    assert not AuditEvent.objects.filter(outcome="success").exists()


def test_role_groups_cannot_be_deleted_and_only_superusers_edit_them(cognito, staff_client, superuser_client):
    page = staff_client.get(group_page("portal-staff")).content.decode()
    assert "/delete/" not in page and "/change/" not in page
    refused = staff_client.post(group_page("portal-staff") + "change/", {"description": "x"})
    assert refused.status_code == 302
    assert any("only superusers may edit it" in text for text in messages_of(refused))
    for client in (staff_client, superuser_client):
        response = client.post(group_page("portal-admins") + "delete/", {"confirm_name": "portal-admins"})
        assert response.status_code == 302
        assert get_idp().get_group("portal-admins")
    assert (
        superuser_client.post(group_page("portal-staff") + "change/", {"description": "Staff"}).status_code
        == 302
    )
    assert get_idp().get_group("portal-staff").description == "Staff"
    assert "/delete/" not in superuser_client.get(group_page("portal-staff")).content.decode()


def test_removing_members_follows_the_role_rule(cognito, staff_client, superuser_client):
    cognito.create_user("ann", groups=("portal-staff",))
    sub = sub_of(cognito, "ann")
    remove = f"/admin/cognito/users/{sub}/actions/remove_from_group/?group=portal-staff"
    assert html.escape(remove) not in staff_client.get(group_page("portal-staff")).content.decode()
    assert html.escape(remove) in superuser_client.get(group_page("portal-staff")).content.decode()


@pytest.mark.parametrize("name", ["a/b", "add", "..", "50%_off", "ünï?#"])
def test_odd_group_names_have_one_url_each(cognito, staff_client, name):
    get_idp().create_group(name)
    assert name_from_url(url_name(name)) == name
    response = staff_client.get(group_page(name))
    assert response.status_code == 200
    assert response.context["group"].name == name


def test_a_group_that_vanished_is_a_404(cognito, staff_client):
    assert staff_client.get(group_page("ghost")).status_code == 404


@pytest.fixture
def short_timeout(cognito, settings):
    settings.COGNITO_READ_TIMEOUT = 0.5


def test_a_lost_create_answer_is_read_back_and_never_sent_again(
    cognito, short_timeout, cognito_calls, staff_client
):
    inject_fault(cognito, operation="CreateGroup", drop=True)
    cognito_calls.clear()
    response = staff_client.post(GROUPS + "add/", {"name": "editors"})
    assert cognito_calls["CreateGroup"] == 1, dict(cognito_calls)
    event = AuditEvent.objects.get()
    assert event.action == "create_group" and event.outcome == "unknown"
    assert response.status_code == 302
    assert any("could not tell" in text for text in messages_of(response))


def test_viewers_see_groups_but_no_forms(cognito, viewer_client):
    assert viewer_client.get(GROUPS).status_code == 200
    body = viewer_client.get(group_page("portal-staff")).content.decode()
    assert "Edit group" not in body and "Delete group" not in body
    assert viewer_client.get(GROUPS + "add/").status_code == 403


def test_hostile_group_fields_are_escaped(cognito, staff_client):
    payload = "<script>alert(1)</script>"
    get_idp().create_group("x", description=payload)
    for url in (GROUPS, group_page("x")):
        body = staff_client.get(url).content.decode()
        assert payload not in body and html.escape(payload) in body
