"""ListUsers filters: user input stays inside the quoted literal, whatever it contains."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.cognito import filters

# Cognito's grammar: <attribute> <op> "<value>", with \" (and \\) escaped inside the value.
GRAMMAR = re.compile(r'^(?P<attr>[\w:]+) (?P<op>\^?=) "(?P<value>(?:[^"\\]|\\.)*)"$', re.DOTALL)


def parse(expression: str) -> tuple[str, str, str]:
    match = GRAMMAR.fullmatch(expression)
    assert match, f"not a single well-formed filter: {expression!r}"
    return match["attr"], match["op"], re.sub(r"\\(.)", r"\1", match["value"])


@pytest.mark.parametrize(
    "value",
    [
        "alice",
        'a"b',
        '" or username ^= "',
        'x" ',
        "back\\slash",
        "ends with backslash\\",
        '\\"',
        '\\\\"',
        "ünïcödé ✓",
        "",
    ],
)
def test_tricky_values_round_trip(value):
    assert parse(filters.search_filter("email", value)) == ("email", "^=", value)


@settings(database=None)  # no .hypothesis directory in the work tree
@given(st.text(alphabet=st.characters(min_codepoint=32, blacklist_characters="\x7f"), max_size=60))
def test_any_printable_value_stays_inside_the_literal(value):
    assert parse(filters.search_filter("family_name", value)) == ("family_name", "^=", value)


def test_sub_is_an_exact_match_and_others_are_prefix():
    assert filters.search_filter("sub", "abc") == 'sub = "abc"'
    assert filters.search_filter("username", "al") == 'username ^= "al"'


@pytest.mark.parametrize("attribute", ["custom:tenant", "status", "cognito:user_status", "Email", "email "])
def test_unknown_attribute_is_refused(attribute):
    with pytest.raises(filters.FilterError) as caught:
        filters.search_filter(attribute, "x")
    assert "email" in str(caught.value)  # the message lists what can be searched


def test_too_long_is_refused():
    filters.search_filter("email", "a" * 200)
    with pytest.raises(filters.FilterError, match="too long"):
        filters.search_filter("email", "a" * 250)
    # Escaping counts: 130 quotes become 260 characters.
    with pytest.raises(filters.FilterError, match="too long"):
        filters.search_filter("email", '"' * 130)


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "tab\there", "nul\x00", "del\x7f"])
def test_control_characters_are_refused(value):
    with pytest.raises(filters.FilterError, match="control characters"):
        filters.search_filter("email", value)


@pytest.mark.parametrize("status", ["confirmed", "FORCE_CHANGE_PASSWORD", "Unconfirmed"])
def test_status_filter(status):
    assert parse(filters.status_filter(status)) == ("cognito:user_status", "=", status.upper())


@pytest.mark.parametrize("status", ['CONFIRMED" or "', "ACTIVE", ""])
def test_unknown_status_is_refused(status):
    with pytest.raises(filters.FilterError):
        filters.status_filter(status)


def test_enabled_filter():
    assert parse(filters.enabled_filter(True)) == ("status", "=", "Enabled")
    assert parse(filters.enabled_filter(False)) == ("status", "=", "Disabled")
