"""accounts.exporting: formula-safe RFC 4180 CSV and JSON, streamed row by row."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from accounts.cognito.types import CognitoUser
from accounts.exporting import USER_COLUMNS, csv_lines, json_array, json_lines, safe_cell, user_row


def make_user(username: str = "alice", **attributes: str) -> CognitoUser:
    attrs = {"sub": "1111-2222", "email": f"{username}@example.com", "email_verified": "true", **attributes}
    return CognitoUser(
        username=username,
        status="CONFIRMED",
        enabled=True,
        attributes=attrs,
        created=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        modified=datetime(2026, 1, 2, 3, 4, 6, 123456, tzinfo=UTC),
    )


DANGEROUS = ['=HYPERLINK("http://evil","x")', "+1", "-1", "@SUM(1)", "\tx", "\rx", "\nx", "\x00x"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_safe_cell_prefixes_formula_starts_with_a_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["alice", "", 'a,"b', "1+1", "x=y", "'quoted"])
def test_safe_cell_leaves_harmless_text_alone(value):
    assert safe_cell(value) == value


def test_user_row_follows_the_columns():
    row = user_row(make_user(phone_number="+4930123", name="Alice A"))
    assert dict(zip(USER_COLUMNS, row, strict=True)) == {
        "username": "alice",
        "email": "alice@example.com",
        "status": "CONFIRMED",
        "enabled": "true",
        "created": "2026-01-02T03:04:05Z",
        "modified": "2026-01-02T03:04:06Z",
        "sub": "1111-2222",
        "email_verified": "true",
        "phone_number": "+4930123",
        "name": "Alice A",
    }


def test_csv_lines_neutralises_every_dangerous_cell_and_round_trips_quotes():
    users = [make_user(f"user{i}", name=value) for i, value in enumerate([*DANGEROUS, 'a,"b'])]
    text = "".join(csv_lines(users))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(USER_COLUMNS)
    names = [row[USER_COLUMNS.index("name")] for row in rows[1:]]
    assert names[:-1] == ["'" + value for value in DANGEROUS]
    assert names[-1] == 'a,"b'


def test_csv_lines_is_rfc4180_quoted_with_crlf():
    lines = list(csv_lines([make_user()]))
    assert lines[0] == ",".join(f'"{c}"' for c in USER_COLUMNS) + "\r\n"
    assert lines[1].startswith('"alice","alice@example.com","CONFIRMED","true"')
    assert lines[1].endswith("\r\n")


def test_csv_lines_without_header():
    lines = list(csv_lines([make_user()], header=False))
    assert len(lines) == 1 and lines[0].startswith('"alice"')


def test_csv_lines_yields_one_line_per_user_before_reading_the_next():
    seen: list[str] = []

    def users():
        for name in ("a", "b", "c"):
            seen.append(name)
            yield make_user(name)

    stream = csv_lines(users())
    next(stream)  # header: no user read yet
    assert seen == []
    assert next(stream).startswith('"a"')
    assert seen == ["a"]


def test_json_lines_parse_back_with_types():
    lines = list(json_lines([make_user("a"), make_user("b", name="=1+1")]))
    records = [json.loads(line) for line in lines]
    assert [r["username"] for r in records] == ["a", "b"]
    assert records[0]["enabled"] is True and records[0]["email_verified"] is True
    assert records[1]["name"] == "=1+1"  # JSON is data, not a spreadsheet: kept verbatim
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_array_is_valid_json(count):
    users = [make_user(f"u{i}") for i in range(count)]
    data = json.loads("".join(json_array(users)))
    assert [r["username"] for r in data] == [f"u{i}" for i in range(count)]


# -- issue #14: phone numbers, the byte-order mark, optional columns -----------------------------------------
@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("+4930123456", '="+4930123456"'),  # E.164: shown as text, no apostrophe
        ("+1", '="+1"'),
        ("+49 30 123", "'+49 30 123"),  # not E.164: the formula guard as before
        ("+1+1", "'+1+1"),
        ('+1"),HYPERLINK("x', '\'+1"),HYPERLINK("x'),
        ("", ""),
    ],
)
def test_phone_cells(value, cell):
    from accounts.exporting import phone_cell

    assert phone_cell(value) == cell


def test_csv_has_a_bom_only_when_asked_and_only_once():
    lines = list(csv_lines([make_user("a"), make_user("b")], bom=True))
    assert lines[0].startswith('\ufeff"username"') and not any(
        line.startswith("\ufeff") for line in lines[1:]
    )
    assert not "".join(csv_lines([make_user()])).startswith("\ufeff")


def test_optional_columns_follow_the_allowlist():
    from accounts.exporting import columns_of

    user = make_user(given_name="Zoë", family_name="Lee", phone_number="+4930123456")
    extras = {"groups": "a, b", "mfa": "SOFTWARE_TOKEN_MFA"}
    rows = list(
        csv.reader(
            io.StringIO("".join(csv_lines([user], optional=["mfa", "given_name"], extras=lambda u: extras)))
        )
    )
    assert rows[0] == [*USER_COLUMNS, "given_name", "mfa"]
    assert rows[1][-2:] == ["Zoë", "SOFTWARE_TOKEN_MFA"]
    assert rows[1][USER_COLUMNS.index("phone_number")] == '="+4930123456"'
    assert columns_of(["phone_number", "custom:secret"]) == USER_COLUMNS  # nothing outside the allowlist
    record = json.loads(next(json_lines([user], optional=["groups"], extras=lambda u: extras)))
    assert record["groups"] == "a, b" and record["phone_number"] == "+4930123456"  # JSON keeps raw values
