"""Issue #14 follow-up M6 and L9: the audit trail names people as every staff page does (never a bare sub),
keeps the sub beside the name, and its detail page reads well (one time format with its zone, the actor
once, group rows naming and linking their group)."""

from __future__ import annotations

import re

import pytest

from accounts.models import AuditEvent

from .conftest import client_for, make_staff, sub_of

pytestmark = pytest.mark.django_db

AUDIT = "/admin/accounts/auditevent/"
BARE_SUB = re.compile(r">\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*<")


def text_of(html: str) -> str:
    """The page as people read it: tags (and so attributes such as titles) removed."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def email_pool_staff(cognito):
    """In an email-as-username pool: a staff member (as the sign-in creates their mirror) and a user, ann."""
    stella = cognito.create_user("stella", email="stella@example.com", groups=("portal-staff",))
    staff = make_staff(stella, "delete", sub=sub_of(cognito, stella))
    staff.email = "stella@example.com"
    staff.save()
    ann = cognito.create_user("ann", email="ann@example.com")
    return client_for(staff), staff, ann


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_email_pool_audit_rows_name_people_and_keep_their_subs(cognito, email_pool_staff):
    client, staff, ann = email_pool_staff
    sub = sub_of(cognito, ann)
    client.post(f"/admin/cognito/users/{sub}/actions/disable/", {"reason": "ticket 5"})
    event = AuditEvent.objects.get()
    assert (event.actor_label, event.target_username, event.target_sub) == (
        "stella@example.com",
        "ann@example.com",
        sub,
    )
    listing = client.get(AUDIT).content.decode()
    detail = client.get(f"{AUDIT}{event.pk}/change/").content.decode()
    index = client.get("/admin/").content.decode().split('id="recent-actions-module"', 1)[1]
    history = client.get(f"/admin/cognito/users/{sub}/").content.decode().split('id="audit"', 1)[1]
    # The detail's "Target sub" field is the sub, labelled as such; nowhere else is a sub shown as a name.
    named = re.sub(
        r'<div class="form-row field-target_sub">.*?</div>\s*</div>\s*</div>', "", detail, flags=re.S
    )
    assert f"{sub}</div>" in detail and "ann@example.com" in text_of(detail)
    for page in (listing, named, index, history):
        assert not BARE_SUB.search(page), BARE_SUB.search(page).group(0)
    assert "stella@example.com" in text_of(listing) and "ann@example.com" in text_of(listing)
    assert f'title="{staff.cognito_sub}"' in listing  # the sub is one hover away
    assert "disable: ann@example.com" in text_of(index)
    assert "stella@example.com" in text_of(history)
    assert f"sub {staff.cognito_sub}" in text_of(detail)  # the detail gives the actor's sub a line


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_a_deleted_user_still_reads_well(cognito, email_pool_staff):
    client, _staff, ann = email_pool_staff
    client.post(
        f"/admin/cognito/users/{sub_of(cognito, ann)}/actions/delete/",
        {"confirm_username": "ann@example.com"},
    )
    event = AuditEvent.objects.get(action="delete")
    assert event.outcome == "success" and event.target_username == "ann@example.com"
    assert "ann@example.com" in text_of(client.get(AUDIT).content.decode())


def test_older_rows_with_bare_subs_are_named_through_the_mirror_users(cognito, staff_client):
    actor_sub, target_sub = "9e41788c-0000-4000-8000-000000000001", "e39b0cf9-0000-4000-8000-000000000002"
    nobody = "5a5a5a5a-0000-4000-8000-000000000003"
    make_staff(actor_sub, "manage", sub=actor_sub).__class__.objects.filter(cognito_sub=actor_sub).update(
        email="boss@example.com"
    )
    target = make_staff(target_sub, None, is_staff=False, sub=target_sub)
    target.preferred_username = "annie"
    target.save()
    AuditEvent.objects.create(
        actor_label=actor_sub,
        action="add_to_group",
        target_username=target_sub,
        target_sub=target_sub,
        outcome="success",
    )
    AuditEvent.objects.create(
        actor_label="operator:ops",
        action="disable",
        target_username=nobody,
        target_sub=nobody,
        outcome="success",
    )
    listing = staff_client.get(AUDIT).content.decode()
    assert not BARE_SUB.search(listing)
    words = text_of(listing)
    assert "boss@example.com" in words and "annie" in words
    assert "user 5a5a5a5a…" in words  # nobody knows this one: marked as an id, never shown bare


def test_the_detail_title_has_the_time_zone_and_no_actor(cognito, staff_client):
    from accounts.staff.registry import Actor
    from accounts.staff.service import perform

    cognito.create_user("alice")
    event = perform("disable", "alice", actor=Actor.operator("operator:ops"))
    body = staff_client.get(f"{AUDIT}{event.pk}/change/").content.decode()
    stamp = f"{event.created_at:%Y-%m-%d %H:%M} UTC"
    heading = re.search(r"<h2>(.*?)</h2>", body).group(1)
    assert heading == f"{stamp} · disable · alice"
    assert f"<title>{stamp} · disable · alice |" in body
    crumbs = body.split('<div class="breadcrumbs">', 1)[1].split("</div>", 1)[0]
    assert f"{stamp} · disable · alice" in crumbs and "operator:ops" not in crumbs
    assert text_of(body).count("operator:ops") == 1  # the actor once, in its field


def test_a_group_row_names_and_links_its_group(cognito, staff_client):
    staff_client.post("/admin/cognito/groups/add/", {"name": "a/b"})
    event = AuditEvent.objects.get(action="create_group")
    body = staff_client.get(f"{AUDIT}{event.pk}/change/").content.decode()
    assert "<label>Group:</label>" in body
    assert 'href="/admin/cognito/groups/a_2Fb/">group a/b</a>' in body
    assert "Target username" not in body and "Target sub" not in body
    assert re.search(r"<h2>[^<]* · create_group · group a/b</h2>", body)
