"""The staff change form (issue #14): every attribute the pool defines, immutable ones read-only, verified
switches, AdminUpdateUserAttributes / AdminDeleteUserAttributes with Cognito's refusals as field errors, and
an audit row naming the changed attributes (never their values)."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.messages import get_messages

from accounts.cognito import get_idp, reset_caches
from accounts.models import AuditEvent

from .conftest import inject_fault, sub_of

pytestmark = pytest.mark.django_db


def change_url(pool, username: str) -> str:
    return f"/admin/cognito/users/{sub_of(pool, username)}/change/"


def attributes_of(pool, username: str) -> dict[str, str]:
    response = pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in response["UserAttributes"]}


def current_values(response) -> dict[str, str]:
    """The form as a browser would post it back unchanged (inputs, checked boxes, selected radios)."""
    body = response.content.decode()
    data = {}
    for name, value in re.findall(r'<input type="(?:text|email)" name="([^"]+)" value="([^"]*)"', body):
        data[html.unescape(name)] = html.unescape(value)
    for tag in re.findall(r"<input [^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if name and ('type="checkbox"' in tag and "checked" in tag):
            data[name.group(1)] = "on"
        if name and 'type="radio"' in tag and "checked" in tag:
            data[name.group(1)] = re.search(r'value="([^"]*)"', tag).group(1)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def custom_pool(cognito):
    cognito.admin.add_custom_attributes(
        UserPoolId=cognito.pool_id,
        CustomAttributes=[
            {"Name": "team", "AttributeDataType": "String", "Mutable": True},
            {"Name": "badge", "AttributeDataType": "String", "Mutable": False},
        ],
    )
    reset_caches(clients=False)  # the pool description is cached per process
    return cognito


def test_the_form_groups_every_attribute_and_keeps_immutable_ones_read_only(custom_pool, admin_client):
    custom_pool.create_user("ann", attributes={"custom:badge": "B-17", "given_name": "Ann"})
    response = admin_client.get(change_url(custom_pool, "ann"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Standard attributes" in body and "Custom attributes" in body
    for name in ("given_name", "family_name", "phone_number", "email", "custom:team"):
        assert f'name="{name}"' in body, name
    assert 'name="custom:badge"' not in body and "B-17" in body  # immutable: shown, not editable
    assert 'name="sub"' not in body and sub_of(custom_pool, "ann") in body
    assert 'name="email_verified"' in body and 'name="email_verification"' in body
    assert current_values(response)["given_name"] == "Ann"


def test_changes_and_cleared_attributes_are_saved_and_audited_by_name(cognito, admin_client, cognito_calls):
    cognito.create_user("ann", attributes={"given_name": "Ann", "nickname": "annie"})
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    data.update(given_name="Anne", nickname="", family_name="Smith-Jones", reason="ticket 9")
    cognito_calls.clear()
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    after = attributes_of(cognito, "ann")
    assert (after["given_name"], after["family_name"]) == ("Anne", "Smith-Jones")
    assert "nickname" not in after
    assert cognito_calls["AdminUpdateUserAttributes"] == 1 and cognito_calls["AdminDeleteUserAttributes"] == 1
    event = AuditEvent.objects.get()
    assert event.action == "set_attributes" and event.outcome == "success" and event.reason == "ticket 9"
    assert event.detail.endswith("changed: family_name, given_name; removed: nickname")
    for value in ("Anne", "Smith-Jones", "annie"):
        assert value not in event.detail
    assert "The attributes of ann are saved." in messages_of(response)


def test_an_unchanged_form_sends_nothing(cognito, admin_client, cognito_calls):
    cognito.create_user("ann")
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    cognito_calls.clear()
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert "Nothing was changed." in messages_of(response)
    assert cognito_calls["AdminUpdateUserAttributes"] == 0 and not AuditEvent.objects.exists()


def test_a_new_email_can_be_marked_verified(cognito, admin_client):
    cognito.create_user("ann")
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    data.update(email="ann.new@example.com", email_verification="mark_verified")
    assert admin_client.post(url, data).status_code == 302
    after = attributes_of(cognito, "ann")
    assert (after["email"], after["email_verified"]) == ("ann.new@example.com", "true")
    assert AuditEvent.objects.get().detail == "changed: email, email_verified"


def test_a_new_email_can_be_sent_for_verification(cognito, admin_client):
    cognito.create_user("ann")
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    data.update(email="ann.new@example.com", email_verification="send_code")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert "Cognito sends ann a code to verify the new email." in messages_of(response)
    after = attributes_of(cognito, "ann")
    # Either the address waits for the code (AttributesRequireVerificationBeforeUpdate) or it is unverified.
    assert after["email"] == "ann@example.com" or after["email_verified"] == "false"
    assert AuditEvent.objects.get().detail == "changed: email; sent for verification: email"


def test_the_verified_switch_alone_is_sent(cognito, admin_client):
    cognito.create_user("ann")
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    data.pop("email_verified")  # switched off
    assert admin_client.post(url, data).status_code == 302
    assert attributes_of(cognito, "ann")["email_verified"] == "false"


def test_a_required_attribute_cannot_be_cleared(cognito, admin_client, cognito_calls):
    cognito.create_user("ann")
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    data.update(email="", given_name="Kept as typed")
    cognito_calls.clear()
    response = admin_client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and 'value="Kept as typed"' in body
    assert cognito_calls["AdminUpdateUserAttributes"] == 0


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Invalid phone number format.", "phone_number"),
        ("1 validation error: given_name must be at most 2048 characters", "given_name"),
        ("Attributes did not conform to the schema.", None),
    ],
)
def test_cognitos_refusal_lands_on_the_field_it_names(cognito, admin_client, message, field):
    cognito.create_user("ann")
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    data.update(phone_number="+4930123456", given_name="Ann")
    inject_fault(
        cognito, operation="AdminUpdateUserAttributes", error="InvalidParameterException", message=message
    )
    response = admin_client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message.rstrip(".") in body
    if field:
        # The error list sits in the field's own form row, before its input.
        row = body.split(f'name="{field}"', 1)[0].rsplit('class="form-row', 1)[1]
        assert "errorlist" in row
    else:
        assert 'class="errornote"' in body
    assert 'value="+4930123456"' in body  # what was typed is kept
    event = AuditEvent.objects.get()
    assert event.outcome == "failure" and "+4930123456" not in event.detail


def test_an_email_another_user_holds_is_a_field_error(cognito, admin_client):
    cognito.create_user("ann")
    cognito.create_user("bob", email="bob@example.com")
    url = change_url(cognito, "ann")
    data = current_values(admin_client.get(url))
    data.update(email="bob@example.com", email_verification="mark_verified")
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "already used by another account" in response.content.decode()
    assert attributes_of(cognito, "ann")["email"] == "ann@example.com"


def test_hostile_attribute_values_are_escaped_on_the_form(cognito, admin_client):
    payload = '"><script>alert(1)</script>'
    cognito.create_user("ann", attributes={"given_name": payload})
    body = admin_client.get(change_url(cognito, "ann")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert html.escape(payload, quote=True) in body


def test_an_unknown_sub_is_a_404(cognito, admin_client):
    from .conftest import NOBODY

    assert admin_client.get(f"/admin/cognito/users/{NOBODY}/change/").status_code == 404


def test_the_detail_page_links_the_form_for_those_who_may_edit(cognito, admin_client, staff_client):
    cognito.create_user("ann")
    url = change_url(cognito, "ann")
    detail = url.replace("change/", "")
    assert f'href="{url}"' in admin_client.get(detail).content.decode()
    assert f'href="{url}"' not in staff_client.get(detail).content.decode()
    assert get_idp().admin_get_user("ann").username == "ann"
