"""The pieces behind the commands that need no Cognito: terminal text, tables, QR and key helpers."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.cognito.outbox import endpoint_is_loopback
from accounts.management.cli import operation_name
from accounts.management.commands.cognito_scenario import describe_policy, group_key
from accounts.management.output import Column, fit, printable, stream_table
from accounts.totp import otpauth_uri, qr_text
from accounts.totp import seconds_left_in_window as seconds_left_in_totp_window


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("alice", "alice"),
        ("a\x1b[31mb", "a\\x1b[31mb"),
        ("x\ry", "x\\ry"),
        ("tab\there", "tab\\there"),
        ("é 名", "é 名"),
    ],
)
def test_printable_escapes_control_characters(text, shown):
    assert printable(text) == shown


def test_fit_pads_and_cuts_by_display_width():
    assert fit("abc", 5) == "abc  "
    assert fit("abcdefgh", 5) == "abcd…"
    assert fit("名前です", 5) == "名前…"  # wide characters take two columns
    assert fit("名前です", 6) == "名前… "


def test_stream_table_keeps_widths_from_the_first_rows_and_cuts_later_ones():
    lines: list[str] = []
    rows = [["a", "1"], ["bb", "2"], ["a-very-long-name", "3"]]

    count = stream_table([Column("NAME", 10), Column("N", 3)], rows, lines.append, sample=2)

    assert count == 3
    assert lines == ["NAME  N", "a     1", "bb    2", "a-v…  3"]


def test_operation_name():
    assert operation_name("admin_get_user") == "AdminGetUser"
    assert operation_name("") == ""


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:9229", True),
        ("http://localhost:9229", True),
        ("http://[::1]:9229", True),
        ("", False),
        ("https://cognito-idp.us-east-1.amazonaws.com", False),
        ("http://127.0.0.1.evil.example", False),
        ("http://127.1.2.3:9229", True),
        ("http://localhost.evil.example", False),
    ],
)
def test_endpoint_is_loopback(url, local):
    assert endpoint_is_loopback(url) is local


def test_otpauth_uri_names_issuer_and_account():
    uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ann smith", "Cognito Portal")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/Cognito%20Portal%3Aann%20smith"
    assert parse_qs(parts.query) == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["Cognito Portal"],
        "period": ["30"],
    }


def test_qr_text_draws_blocks():
    text = qr_text("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
    lines = text.splitlines()
    assert len(lines) > 10 and len({len(line) for line in lines}) == 1
    assert set("".join(lines)) <= {"█", "▀", "▄", " ", "\xa0"}


def test_group_key_and_window():
    assert group_key("ABCDEFGHIJ") == "ABCD EFGH IJ"
    assert seconds_left_in_totp_window(60.0) == 30 and seconds_left_in_totp_window(89.5) == 1


def test_describe_policy():
    from accounts.cognito.descriptions import PasswordPolicy

    assert describe_policy(PasswordPolicy(10, True, False, True, False)) == (
        "at least 10 characters, an uppercase letter, a number"
    )
