"""accounts.staff.selectors: the names staff see (never a bare sub)."""

from __future__ import annotations

import pytest

from accounts.cognito.types import CognitoUser
from accounts.staff.selectors import staff_label

SUB = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


@pytest.mark.parametrize(
    ("username", "attributes", "label"),
    [
        ("alice", {"email": "a@example.com", "preferred_username": "al"}, "alice"),
        (SUB, {"sub": SUB, "email": "a@example.com"}, "a@example.com"),
        (SUB, {"sub": SUB, "preferred_username": "al", "email": "a@example.com"}, "al"),
        ("<b>\"'&", {}, "<b>\"'&"),  # shown as it is; templates escape it
    ],
)
def test_staff_label(username, attributes, label):
    assert (
        staff_label(CognitoUser(username=username, status="CONFIRMED", enabled=True, attributes=attributes))
        == label
    )
