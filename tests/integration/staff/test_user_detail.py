"""The user detail: everything Cognito knows about one user, in three concurrent calls, escaped."""

from __future__ import annotations

import html
import threading

import pytest

from accounts.models import AuditEvent
from accounts.staff.registry import Actor
from accounts.staff.service import perform

from .conftest import NOBODY, client_for, detail_url, inject_fault, make_staff, remember_device, sub_of

pytestmark = pytest.mark.django_db


def test_detail_shows_account_attributes_groups_devices_and_mfa(cognito, staff_client):
    cognito.create_user(
        "alice", email="alice@example.org", groups=("portal-staff",), attributes={"given_name": "Alice"}
    )
    device_key = remember_device(cognito, "alice", name="Alice's laptop")
    superuser = client_for(make_staff("root", "delete", is_superuser=True))  # alice is staff: superusers act
    response = superuser.get(detail_url(cognito, "alice"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Cognito user alice" in body
    assert "alice@example.org" in body
    assert "given_name:" in body and "Alice" in body
    assert "sub:" in body
    assert 'cognito-badge ok">CONFIRMED' in body
    assert "SOFTWARE_TOKEN_MFA" in body  # UserMFASettingList
    assert "portal-staff" in body
    assert device_key in body
    assert "Alice&#x27;s laptop" in body
    assert "127.0.0.1" in body  # the device's last IP
    assert "Reset MFA" in body and "Disable" in body and "Delete" in body


def test_detail_makes_exactly_four_calls(cognito, cognito_calls, staff_client):
    cognito.create_user("alice")
    staff_client.get("/admin/cognito/users/")  # staff reach the page from the list (or a lookup)
    cognito_calls.clear()
    staff_client.get(detail_url(cognito, "alice"))
    # Issue #14 adds the sign-in events (AdminListUserAuthEvents), issued with the other three.
    assert dict(cognito_calls) == {
        "AdminGetUser": 1,
        "AdminListGroupsForUser": 1,
        "AdminListDevices": 1,
        "AdminListUserAuthEvents": 1,
    }


def test_the_four_calls_run_concurrently(cognito, staff_client):
    """With each call held up by the server, all four are in flight at the same time."""
    from accounts.cognito.client import get_client

    cognito.create_user("alice")
    lock = threading.Lock()
    state = {"in_flight": 0, "most": 0}

    def before(**kwargs):
        with lock:
            state["in_flight"] += 1
            state["most"] = max(state["most"], state["in_flight"])

    def after(**kwargs):
        with lock:
            state["in_flight"] -= 1

    url = staff_client.get("/admin/cognito/users/alice/")["Location"]  # the lookup notes the username
    events = get_client(retry=True).meta.events
    events.register("before-call.cognito-idp", before)
    events.register("after-call.cognito-idp", after)
    get_client(retry=False).meta.events.register("before-call.cognito-idp", before)
    get_client(retry=False).meta.events.register("after-call.cognito-idp", after)
    for operation in (
        "AdminGetUser",
        "AdminListGroupsForUser",
        "AdminListDevices",
        "AdminListUserAuthEvents",
    ):
        inject_fault(cognito, operation=operation, delay=0.3, count=1)
    assert staff_client.get(url).status_code == 200
    assert state["most"] == 4  # the sign-in events too (issue #14)
    for client in (get_client(retry=True), get_client(retry=False)):
        client.meta.events.unregister("before-call.cognito-idp", before)
        client.meta.events.unregister("after-call.cognito-idp", after)


def test_detail_is_never_cached(cognito, staff_client):
    cognito.create_user("alice")
    response = staff_client.get(detail_url(cognito, "alice"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_unknown_user_is_a_404_with_a_link_back(cognito, staff_client):
    response = staff_client.get("/admin/cognito/users/ghost/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "There is no user “ghost”" in body
    assert 'href="/admin/cognito/users/"' in body
    response = staff_client.get(f"/admin/cognito/users/{NOBODY}/")
    assert response.status_code == 404
    assert f"There is no user “{NOBODY}”" in response.content.decode()


def test_outage_gives_the_friendly_error(cognito, staff_client):
    cognito.create_user("alice")
    inject_fault(cognito, operation="AdminListGroupsForUser", error="InternalErrorException", count=1)
    response = staff_client.get(detail_url(cognito, "alice"))
    assert response.status_code == 503
    body = response.content.decode()
    assert 'class="error"' in body and "try again in a minute" in body
    assert "Try again" in body


def test_xss_payloads_in_attributes_show_as_text(cognito, staff_client):
    cognito.create_user(
        "mallory",
        attributes={
            "name": "<img src=x onerror=alert(1)>",
            "given_name": '"><img src=x onerror=alert(1)>',
            "website": "javascript:alert(1)",
            "profile": "https://example.com/mallory",
        },
    )
    body = staff_client.get(detail_url(cognito, "mallory")).content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert 'href="javascript:' not in body
    assert "javascript:alert(1)" in body  # shown as text
    assert 'href="https://example.com/mallory"' in body  # http(s) URLs become links


def test_audit_history_is_shown_and_linked(cognito, staff_client):
    cognito.create_user("alice")
    perform("disable", "alice", actor=Actor.operator("ops"), reason="<b>why</b>")
    body = staff_client.get(detail_url(cognito, "alice")).content.decode()
    audit_url = f"/admin/accounts/auditevent/?target_sub={sub_of(cognito, 'alice')}"
    assert f'href="{audit_url}"' in body
    assert ">alice</a>" in staff_client.get(audit_url).content.decode()  # the link filters the log
    event = AuditEvent.objects.get()
    assert f'href="/admin/accounts/auditevent/{event.pk}/change/"' in body
    assert "&lt;b&gt;why&lt;/b&gt;" in body
    assert "Enable" in body  # a disabled user is offered "Enable"


def test_viewer_sees_no_action_buttons(cognito):
    cognito.create_user("alice", groups=("portal-staff",))
    body = client_for(make_staff("viewer", "view")).get(detail_url(cognito, "alice")).content.decode()
    assert "/actions/" not in body


# An email-format username exists only where email is not an alias (Cognito refuses it in alias pools).
@pytest.mark.parametrize("cognito", ["username-cs"], indirect=True)
def test_usernames_with_odd_characters_round_trip(cognito, staff_client):
    for name in ("a.b+c@example.com", "o'brien", "percent%20name", "question?mark"):
        cognito.create_user(name, email="x@example.com")
        listing = staff_client.get("/admin/cognito/users/", {"q": name, "attr": "username"}).content.decode()
        link = listing.split('<th class="field-username"><a href="')[1].split('"')[0]
        response = staff_client.get(html.unescape(link))
        assert response.status_code == 200, (name, link)
        assert response.context["cognito_user"].username == name


def test_a_device_listing_refusal_is_shown_in_its_section(cognito, staff_client):
    cognito.create_user("alice", groups=("portal-staff",))
    inject_fault(cognito, operation="AdminListDevices", error="InvalidParameterException", count=1)
    response = staff_client.get(detail_url(cognito, "alice"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The devices could not be listed: InvalidParameterException" in body
    assert "portal-staff" in body  # the rest of the page is there
