"""Issue #13 (M4, L8): the account page names every attribute in the person's language, never by its raw
Cognito name, and shows a generated username (email-as-username pools) nowhere, the User ID once."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.views.attributes import ATTRIBUTE_LABELS, attribute_label, attribute_rows
from tests.integration.enduser.conftest import login_post, totp_post

# Every standard attribute Cognito defines (developer guide, "Standard attributes"), plus its own two.
STANDARD = [
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "sub",
    "identities",
]


@pytest.fixture
def back_to_english():
    yield
    translation.deactivate()


def labels(response) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
        for text in re.findall(r"<dt[^>]*>(.*?)</dt>", response.content.decode(), re.DOTALL)
    ]


def sign_in(pool, client: Client, name: str, sign_in_name: str | None = None) -> None:
    pool.enrol_totp(name)
    login_post(client, sign_in_name or name)
    assert totp_post(client, pool.totp_secrets[name], step=1).url == reverse("accounts:home")


def test_every_standard_attribute_has_a_label():
    assert set(STANDARD) <= set(ATTRIBUTE_LABELS)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("custom:cost_centre", "Cost centre"),
        ("custom:employeeId", "Employee id"),
        ("custom:team-name", "Team name"),
        ("dev:custom:tier", "Tier"),
    ],
)
def test_custom_attributes_are_labelled_by_their_name_humanised(name, label):
    assert attribute_label(name) == label


def test_rows_keep_the_standard_order_then_custom_ones_and_the_user_id_last():
    rows = attribute_rows(
        {"sub": "s-1", "custom:zone": "b", "email": "e@example.com", "custom:area": "a", "updated_at": "0"}
    )
    assert [label for label, _value in rows] == [
        "Email address",
        "Profile last updated",
        "Area",
        "Zone",
        "User ID",
    ]
    assert "1970" in rows[1][1]  # seconds since the epoch, shown as a date


def test_a_german_browser_sees_no_raw_attribute_name(pool, back_to_english):
    pool.admin.add_custom_attributes(
        UserPoolId=pool.pool_id,
        CustomAttributes=[{"Name": "cost_centre", "AttributeDataType": "String", "Mutable": True}],
    )
    pool.create_user(
        "kim", attributes={"preferred_username": "kimmy", "custom:cost_centre": "A-17", "locale": "de"}
    )
    german = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    sign_in(pool, german, "kim")
    response = german.get(reverse("accounts:home"))
    shown = labels(response)
    assert "Bevorzugter Benutzername" in shown and "Benutzer-ID" in shown
    assert "Cost centre" in shown
    raw = [label for label in shown if re.search(r"[_:]|^[a-z]+$", label)]
    assert raw == []
    body = response.content.decode()
    assert "A-17" in body and "kimmy" in body


def test_username_pools_show_the_username_once(pool, client):
    pool.create_user("lena")
    sign_in(pool, client, "lena")
    response = client.get(reverse("accounts:home"))
    assert labels(response).count("Username") == 1
    assert labels(response).count("User ID") == 1


@pytest.mark.parametrize("cognito", ["email"], indirect=True)
def test_email_as_username_pools_show_no_generated_username_and_the_user_id_once(pool, client):
    username = pool.create_user("mia", email="mia@example.com")
    sign_in(pool, client, username, "mia@example.com")
    response = client.get(reverse("accounts:home"))
    shown = labels(response)
    assert "Username" not in shown
    assert shown.count("User ID") == 1 and "Email address" in shown
    assert response.content.decode().count(username) == 1  # the generated username is the sub
