"""The user list's compact cells (issue #14 follow-up M2): where names, addresses and phone numbers may
wrap, and MFA methods by short names with the full name kept."""

from __future__ import annotations

import pytest

from accounts.cognito.types import CognitoUser
from accounts.staff.changelist import breakable
from accounts.staff.columns import Cell, cell, phone_breakable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("user000@example.com", "user000@<wbr>example.<wbr>com"),
        ("reader-with-a_name+tag", "reader-<wbr>with-<wbr>a_<wbr>name+<wbr>tag"),
        ("alice", "alice"),
        ("<b>@x", "&lt;b&gt;@<wbr>x"),  # escaped first
    ],
)
def test_names_and_addresses_may_wrap_only_after_separators(text, shown):
    assert breakable(text) == shown


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+491701234567", "+49<wbr>1701234567"),
        ("+14155550100", "+1<wbr>4155550100"),
        ("+74951234567", "+7<wbr>4951234567"),
        ("+380441234567", "+380<wbr>441234567"),
        ("+35312345678", "+353<wbr>12345678"),
        ("030 1234", "030 1234"),
        ("<script>", "&lt;script&gt;"),
    ],
)
def test_phone_numbers_wrap_after_their_country_code(number, shown):
    assert phone_breakable(number) == shown


def user(**attributes: str) -> CognitoUser:
    return CognitoUser(
        username="ann", status="CONFIRMED", enabled=True, attributes={"sub": "s", **attributes}
    )


def test_mfa_cells_use_short_names_and_keep_the_full_ones():
    assert cell(user(), "mfa", {"mfa": "SOFTWARE_TOKEN_MFA"}) == Cell("mfa", "TOTP", "SOFTWARE_TOKEN_MFA")
    both = cell(user(), "mfa", {"mfa": "SMS_MFA, SOFTWARE_TOKEN_MFA"})
    assert (both.text, both.full) == ("SMS, TOTP", "SMS_MFA, SOFTWARE_TOKEN_MFA")
    assert cell(user(), "mfa", {"mfa": "?"}) == Cell("mfa", "?")  # a failed call stays "?"
    assert cell(user(), "mfa", {"mfa": ""}) == Cell("mfa", "")
    assert cell(user(given_name="Ann"), "given_name", {}) == Cell("given_name", "Ann")
