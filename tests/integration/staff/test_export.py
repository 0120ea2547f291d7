"""CSV export: streamed page by page, formula-safe, RFC 4180, the current filter, audited."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.contrib.messages import get_messages

from accounts.models import AuditEvent

from .conftest import create_users, inject_fault

pytestmark = pytest.mark.django_db

EXPORT = "/admin/cognito/users/export.csv"


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # a BOM first (issue #14)
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_of_1000_users_is_streamed_page_by_page(cognito, cognito_calls, staff_client):
    everyone = set(create_users(cognito, 1000))
    cognito_calls.clear()
    response = staff_client.get(EXPORT)
    assert response.status_code == 200
    assert response.streaming is True
    # Only the first page is fetched before the response starts; the rest while it streams.
    assert cognito_calls["ListUsers"] == 1
    rows = rows_of(response)
    assert cognito_calls["ListUsers"] == 17  # ceil(1000 / 60)
    header, body = rows[0], rows[1:]
    assert header[:6] == ["username", "email", "status", "enabled", "created", "modified"]
    assert len(body) == 1000
    assert {row[0] for row in body} == everyone
    assert all(row[1] == f"{row[0]}@example.com" for row in body)


def test_export_headers(cognito, staff_client):
    cognito.create_user("alice")
    response = staff_client.get(EXPORT)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="cognito-users-{date.today():%Y%m%d}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert response["X-Content-Type-Options"] == "nosniff"
    rows_of(response)
    event = AuditEvent.objects.get(action="export")
    assert event.actor_label == "staff-admin"
    assert "all users" in event.detail


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil","x")', "+1", "-1", "@SUM(1)", "\tx", "\rx", "\nx", "\x00x"],
)
def test_formula_cells_are_neutralised(cognito, staff_client, value):
    cognito.create_user("mallory", attributes={"name": value})
    rows = rows_of(staff_client.get(EXPORT))
    name = rows[1][rows[0].index("name")]
    assert name == "'" + value


def test_quotes_and_commas_round_trip(cognito, staff_client):
    cognito.create_user("alice", attributes={"name": 'a,"b'})
    rows = rows_of(staff_client.get(EXPORT))
    assert rows[1][rows[0].index("name")] == 'a,"b'


def test_export_uses_the_current_filter(cognito, staff_client):
    cognito.create_user("alice", groups=("portal-staff",))
    cognito.create_user("bob", enabled=False)
    assert [r[0] for r in rows_of(staff_client.get(EXPORT, {"enabled": "false"}))[1:]] == ["bob"]
    assert [r[0] for r in rows_of(staff_client.get(EXPORT, {"group": "portal-staff"}))[1:]] == ["alice"]
    assert [r[0] for r in rows_of(staff_client.get(EXPORT, {"q": "ali", "attr": "username"}))[1:]] == [
        "alice"
    ]


def test_list_page_links_to_the_export_of_the_same_search(cognito, staff_client):
    body = staff_client.get("/admin/cognito/users/", {"status": "CONFIRMED"}).content.decode()
    assert 'href="/admin/cognito/users/export.csv?status=CONFIRMED"' in body


def test_throttled_export_returns_to_the_list_with_a_message(cognito, staff_client):
    inject_fault(cognito, operation="ListUsers", error="TooManyRequestsException", count=1)
    response = staff_client.get(EXPORT, {"status": "CONFIRMED"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/cognito/users/?status=CONFIRMED"
    assert any("try again in a minute" in str(m) for m in get_messages(response.wsgi_request))
    assert not AuditEvent.objects.exists()


# -- issue #10.7: a failed stream is visible, and audited as a failure -----------------------------------
def read_until_it_fails(response) -> tuple[str, BaseException | None]:
    chunks, failure = [], None
    try:
        for chunk in response.streaming_content:
            chunks.append(chunk.decode("utf-8"))
    except Exception as exc:  # the WSGI server sees this and aborts the transfer
        failure = exc
    return "".join(chunks), failure


def test_cognito_failing_mid_export_aborts_the_download_and_audits_failure(cognito, staff_client):
    from accounts.cognito import errors

    create_users(cognito, 70)
    response = staff_client.get(EXPORT)
    assert response.status_code == 200
    header = next(iter(response.streaming_content)).decode()  # the stream starts: the audit row is written
    event = AuditEvent.objects.get(action="export")
    assert event.outcome == "unknown" and event.detail.startswith("started as csv to download")
    inject_fault(cognito, operation="ListUsers", error="InternalErrorException", status=500)

    text, failure = read_until_it_fails(response)
    text = header + text

    assert isinstance(failure, errors.CognitoUnavailable)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 1 + 60 + 1
    assert rows[-1][0].startswith("# EXPORT INCOMPLETE after 60 users")
    event.refresh_from_db()
    assert event.outcome == "failure"
    assert event.detail.startswith("stopped after 60 users as csv to download; filter: all users")


def test_the_export_is_a_success_only_after_its_last_row(cognito, staff_client):
    create_users(cognito, 61)
    response = staff_client.get(EXPORT)
    chunks = iter(response.streaming_content)
    for _ in range(1 + 61):
        next(chunks)
    assert AuditEvent.objects.get(action="export").outcome == "unknown"
    assert list(chunks) == []  # the end of the stream
    event = AuditEvent.objects.get(action="export")
    assert (event.outcome, event.target_username) == ("success", "")
    assert event.detail == "61 users as csv to download; filter: all users"


def test_an_interrupted_download_is_audited_as_a_failure(cognito, staff_client):
    create_users(cognito, 5)
    response = staff_client.get(EXPORT)
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)
    response.close()  # what the WSGI server does when the browser goes away
    event = AuditEvent.objects.get(action="export")
    assert event.outcome == "failure" and "interrupted" in event.detail
