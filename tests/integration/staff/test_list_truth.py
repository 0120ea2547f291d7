"""Issue #14, "the list tells the truth and fits": the merged username-or-email search and its paging, what
the search can do, the estimate with its age (refreshed after invitations and deletions), optional columns
kept per staff member, one date format, messages with usernames as typed, bulk no-ops, the CSV's BOM,
columns and phone numbers."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.contrib.messages import get_messages

from accounts.cognito import get_idp

from .conftest import action_url, create_users, inject_fault, sub_of

pytestmark = pytest.mark.django_db

LIST = "/admin/cognito/users/"


def usernames(response) -> list[str]:
    cells = r'<th class="field-username"><a href="[^"]*">(.*?)</a></th>'
    found = re.findall(cells, response.content.decode())
    return [name.replace("<wbr>", "") for name in found]  # names may wrap after @ . _ + -


def next_link(response) -> str | None:
    match = re.search(r'<a href="([^"]*)" rel="next"', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def add(pool, username: str, email: str) -> None:
    pool.admin.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": email}],
        MessageAction="SUPPRESS",
    )


# -- the merged search ------------------------------------------------------------------------------------
@pytest.fixture
def mixed(cognito):
    """Users found by username only, by email only, by both, and by neither, for the prefix "al"."""
    expected = set()
    for index in range(30):  # username matches
        add(cognito, f"al{index:03d}", f"x{index:03d}@example.com")
        expected.add(f"al{index:03d}")
    for index in range(30):  # email matches only
        add(cognito, f"zed{index:03d}", f"al.zed{index:03d}@example.com")
        expected.add(f"zed{index:03d}")
    for index in range(10):  # both: must appear once
        add(cognito, f"Alboth{index:02d}", f"al.both{index:02d}@example.com")
        expected.add(f"Alboth{index:02d}")
    for index in range(5):  # neither
        add(cognito, f"bob{index}", f"bob{index}@example.com")
    return expected


def test_the_merged_search_pages_without_missing_or_repeating_anyone(mixed, staff_client, cognito_calls):
    cognito_calls.clear()
    response = staff_client.get(LIST, {"q": "al", "attr": "username_or_email", "page_size": 25})
    assert cognito_calls["ListUsers"] == 2  # both prefix queries, issued together
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        page = usernames(response)
        assert len(page) <= 25
        seen += page
        link = next_link(response)
        if not link:
            break
        response = staff_client.get(LIST + link)
    assert pages == 3
    assert len(seen) == len(set(seen)), "a user was repeated"
    assert set(seen) == mixed, "a user was missed"
    assert "username or email starts with “al”" in response.content.decode()


def test_the_merged_search_goes_back_to_the_same_pages(mixed, staff_client):
    first = staff_client.get(LIST, {"q": "al", "attr": "username_or_email", "page_size": 25})
    second = staff_client.get(LIST + next_link(first))
    back = re.search(r'<a href="([^"]*)" rel="prev"', second.content.decode())
    assert usernames(staff_client.get(LIST + html.unescape(back.group(1)))) == usernames(first)


@pytest.mark.parametrize("cognito", ["username-cs"], indirect=True)
def test_the_merged_search_in_a_case_sensitive_pool(cognito, staff_client):
    add(cognito, "Alice", "someone@example.com")  # username "Al…": not a match for "al" here
    add(cognito, "alan", "alan@example.com")  # both
    add(cognito, "zoe", "al.zoe@example.com")
    response = staff_client.get(LIST, {"q": "al", "attr": "username_or_email"})
    assert sorted(usernames(response)) == ["alan", "zoe"]
    assert "Upper and lower case count" in response.content.decode()


def test_the_search_help_says_what_cognito_can_do(cognito, staff_client):
    body = staff_client.get(LIST).content.decode()
    assert "matches the start of a value" in body
    assert "Usernames ignore upper and lower case in this pool" in body
    assert '<option value="username_or_email" selected>' in body
    assert re.search(r'<label for="searchbar"[^>]*>.*Search users', body)  # a real label, not a title


def test_the_merged_export_streams_every_match_once(mixed, staff_client):
    response = staff_client.get(LIST + "export.csv", {"q": "al", "attr": "username_or_email", "bom": "0"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["username"] for row in rows) == sorted(mixed)


# -- the estimate ---------------------------------------------------------------------------------------
def estimate(response) -> str:
    return re.search(r'id="estimated-users">([^<]*)<', response.content.decode()).group(1)


def test_the_estimate_is_labelled_and_refreshed_after_an_invitation_and_a_deletion(cognito, staff_client):
    cognito.create_user("ann")
    assert "Cognito\u2019s estimate: about 1 user in the pool (as of " in estimate(staff_client.get(LIST))
    staff_client.post("/admin/cognito/invite/", {"username": "newbie", "email": "newbie@example.com"})
    assert "about 2 users" in estimate(staff_client.get(LIST))
    staff_client.post(action_url(cognito, "newbie", "delete"), {"confirm_username": "newbie"})
    assert "about 1 user in" in estimate(staff_client.get(LIST))


# -- optional columns and dates -------------------------------------------------------------------------
def test_optional_columns_are_remembered_per_staff_member(cognito, staff_client, viewer_client):
    cognito.create_user("ann", attributes={"given_name": "Ann", "phone_number": "+4930123456"})
    cognito.create_user("bob", groups=("portal-staff",))
    chosen = staff_client.get(LIST, {"set_columns": "1", "columns": ["given_name", "groups", "mfa"]})
    body = chosen.content.decode()
    assert "<span>Given name</span>" in body and "<span>Groups</span>" in body and "<span>MFA</span>" in body
    again = staff_client.get(LIST).content.decode()  # remembered in the session
    assert "<span>Groups</span>" in again and ">portal-staff<" in again and ">Ann<" in again
    assert "<span>Groups</span>" not in viewer_client.get(LIST).content.decode()  # per staff member
    staff_client.get(LIST, {"set_columns": "1"})
    assert "<span>Groups</span>" not in staff_client.get(LIST).content.decode()


def test_a_failed_call_for_a_column_costs_a_cell_not_the_page(cognito, staff_client):
    cognito.create_user("ann")
    staff_client.get(LIST, {"set_columns": "1", "columns": ["groups"]})
    inject_fault(cognito, operation="AdminListGroupsForUser", error="TooManyRequestsException")
    response = staff_client.get(LIST)
    assert response.status_code == 200 and usernames(response) == ["ann"]
    assert '<td class="field-optional field-groups">?</td>' in response.content.decode()
    assert any("could not be read" in text for text in messages_of(response))


def test_dates_have_one_format_with_the_time_zone(cognito, staff_client):
    cognito.create_user("ann")
    created = get_idp().admin_get_user("ann").created
    stamp = f"{created:%Y-%m-%d %H:%M} UTC"
    cell = re.search(r'<td class="field-created">(.*?)</td>', staff_client.get(LIST).content.decode()).group(
        1
    )
    assert re.sub(r"<[^>]+>", "", cell) == stamp  # may wrap between the date and the time
    assert stamp in staff_client.get(f"{LIST}{sub_of(cognito, 'ann')}/").content.decode()


# -- messages and bulk no-ops ----------------------------------------------------------------------------
def test_messages_keep_usernames_as_typed(cognito, staff_client):
    cognito.create_user("user003")
    response = staff_client.post(action_url(cognito, "user003", "disable"), {"reason": ""}, follow=True)
    body = response.content.decode()
    assert "user003 is disabled." in body and "User003" not in body


def test_bulk_reports_no_ops_separately(cognito, staff_client):
    names = create_users(cognito, 20, prefix="u")
    cognito.admin.admin_disable_user(UserPoolId=cognito.pool_id, Username=names[0])
    data = {"action": "enable", "_selected_action": [sub_of(cognito, name) for name in names], "post": "yes"}
    response = staff_client.post(LIST, data, follow=True)
    said = messages_of(response)
    assert "19 users were already enabled." in said
    assert any(f"done for 1 user ({names[0]})" in text for text in said)
    assert len(said) == 2


# -- CSV ------------------------------------------------------------------------------------------------
def export(client, **params) -> bytes:
    return b"".join(client.get(LIST + "export.csv", params).streaming_content)


def test_the_csv_starts_with_a_bom_unless_asked_not_to(cognito, staff_client):
    cognito.create_user("zoe", attributes={"name": "Zoë"})
    data = export(staff_client)
    assert data.startswith(b"\xef\xbb\xbf") and "Zoë".encode() in data
    assert not export(staff_client, bom="0").startswith(b"\xef\xbb\xbf")


def test_phone_numbers_show_without_an_apostrophe_and_formulas_stay_guarded(cognito, staff_client):
    cognito.create_user("ann", attributes={"phone_number": "+4930123456", "name": "=HYPERLINK(1)"})
    rows = list(csv.DictReader(io.StringIO(export(staff_client, bom="0").decode())))
    assert rows[0]["phone_number"] == '="+4930123456"'
    assert rows[0]["name"] == "'=HYPERLINK(1)"


def test_the_csv_has_the_chosen_optional_columns(cognito, staff_client):
    cognito.create_user("ann", attributes={"given_name": "Ann"}, groups=("portal-staff",))
    staff_client.get(LIST, {"set_columns": "1", "columns": ["given_name", "groups"]})
    rows = list(csv.DictReader(io.StringIO(export(staff_client, bom="0").decode())))
    assert (rows[0]["given_name"], rows[0]["groups"]) == ("Ann", "portal-staff")
    assert "mfa" not in rows[0]
