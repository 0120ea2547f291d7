"""The audit log in the admin: read-only, filterable, searchable, escaped."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from accounts.staff.registry import Actor
from accounts.staff.service import perform

from .conftest import client_for, detail_url, make_staff

pytestmark = pytest.mark.django_db

AUDIT = "/admin/accounts/auditevent/"


@pytest.fixture
def events(cognito):
    cognito.create_user("alice")
    cognito.create_user("bob")
    perform("disable", "alice", actor=Actor.operator("ops"), reason="<script>alert(1)</script>")
    perform("enable", "bob", actor=Actor.operator("ops"), reason="back from leave")
    return AuditEvent.objects.all()


def test_viewers_can_read_but_nobody_can_add_change_or_delete(events, staff_client):
    event = events.first()
    assert staff_client.get(AUDIT).status_code == 200
    assert staff_client.get(f"{AUDIT}{event.pk}/change/").status_code == 200
    assert staff_client.get(f"{AUDIT}add/").status_code == 403
    assert staff_client.post(f"{AUDIT}{event.pk}/change/", {"reason": "rewritten"}).status_code == 403
    assert staff_client.post(f"{AUDIT}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason
    superuser = make_staff("root", None)
    superuser.is_superuser = True
    superuser.save()
    root = client_for(superuser)
    assert root.get(f"{AUDIT}add/").status_code == 403
    assert root.post(f"{AUDIT}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert 'name="_save"' not in root.get(f"{AUDIT}{event.pk}/change/").content.decode()


def test_filters_and_search(events, staff_client):
    body = staff_client.get(AUDIT, {"action": "disable"}).content.decode()
    assert ">alice</a>" in body and ">bob</a>" not in body
    body = staff_client.get(AUDIT, {"q": "leave"}).content.decode()
    assert ">bob</a>" in body and ">alice</a>" not in body
    body = staff_client.get(AUDIT, {"target_username": "alice"}).content.decode()
    assert ">alice</a>" in body and ">bob</a>" not in body
    body = staff_client.get(AUDIT).content.decode()
    for title in ("By action", "By outcome", "By time"):
        assert title in body


def test_targets_link_to_the_cognito_user_and_reasons_are_escaped(cognito, events, staff_client):
    body = staff_client.get(AUDIT).content.decode()
    assert f'href="{detail_url(cognito, "alice")}"' in body  # by sub: the page of exactly that user
    detail = staff_client.get(f"{AUDIT}{events.get(action='disable').pk}/change/").content.decode()
    assert "<script>alert(1)</script>" not in detail
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail


def test_staff_without_view_permission_cannot_read_the_log(events):
    assert client_for(make_staff("bare", None)).get(AUDIT).status_code == 403


def test_the_detail_shows_the_actor_once_with_the_time_zone_and_no_history_button(events, staff_client):
    event = events.get(action="disable")
    body = staff_client.get(f"{AUDIT}{event.pk}/change/").content.decode()
    assert body.count("<label>Actor:</label>") == 1  # was twice: the account and its label
    assert "/history/" not in body and "historylink" not in body
    assert f"{event.created_at:%Y-%m-%d %H:%M} UTC" in body
    listing = staff_client.get(AUDIT).content.decode()
    assert f"{event.created_at:%Y-%m-%d %H:%M} UTC" in listing


def test_the_admin_index_lists_the_staff_members_own_recent_audited_actions(cognito):
    from accounts.staff.service import attempt

    cognito.create_user("carol")
    me = make_staff("me", "manage")
    other = make_staff("other", "manage")
    attempt("disable", "carol", actor=Actor(user=me, label="me"))
    attempt("enable", "carol", actor=Actor(user=other, label="other"))
    body = client_for(me).get("/admin/").content.decode()
    recent = body.split('id="recent-actions-module"', 1)[1]
    assert "disable: carol" in recent and "enable: carol" not in recent
    assert "None available" not in recent


def test_group_actions_link_to_the_group(cognito, staff_client):
    staff_client.post("/admin/cognito/groups/add/", {"name": "editors"})
    body = staff_client.get(AUDIT).content.decode()
    assert 'href="/admin/cognito/groups/editors/">group editors</a>' in body
