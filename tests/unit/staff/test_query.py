"""accounts.staff.query: which filter a query applies, how it reads, what Cognito is asked."""

from __future__ import annotations

import pytest

from accounts.cognito.filters import FilterError
from accounts.staff.query import Trail, UserQuery


def test_one_filter_is_applied_and_the_others_are_named():
    query = UserQuery(q="ali", status="CONFIRMED", enabled=True, group="g")
    assert query.applied == "search" and query.ignored == ["status", "enabled", "group"]
    assert query.describe() == "username starts with “ali”"
    assert query.cognito_filter() == 'username ^= "ali"'


@pytest.mark.parametrize(
    ("query", "words", "expression"),
    [
        (UserQuery(), "all users", ""),
        (UserQuery(q="x", attr="sub"), "sub is “x”", 'sub = "x"'),
        (UserQuery(status="confirmed"), "status is CONFIRMED", 'cognito:user_status = "CONFIRMED"'),
        (UserQuery(enabled=False), "disabled users only", 'status = "Disabled"'),
        (UserQuery(group="portal-staff"), "members of the group “portal-staff”", ""),
    ],
)
def test_describe_and_filter(query, words, expression):
    assert query.describe() == words
    assert query.cognito_filter() == expression


def test_an_unknown_attribute_is_described_but_refused_as_a_filter():
    query = UserQuery(q="x", attr="custom:team")
    assert "custom:team" in query.describe()
    with pytest.raises(FilterError, match="You cannot search by"):
        query.cognito_filter()


def test_a_trail_only_reads_back_for_the_same_filter(settings):
    trail = Trail().forward("t1").forward("t2")
    signed = trail.sign(UserQuery(status="CONFIRMED"))
    assert Trail.read(signed, UserQuery(status="CONFIRMED")) == trail
    assert Trail.read(signed, UserQuery(status="UNCONFIRMED")) is None
    assert Trail.read(signed + "x", UserQuery(status="CONFIRMED")) is None
    assert trail.page_number == 3 and trail.back().token == "t1"
