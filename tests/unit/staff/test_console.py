"""Pure pieces of the staff console II: attribute plans, group URL names, temporary passwords, times, the
merged search's tokens and its merge (against a fake gateway), sign-in event page tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.cognito.descriptions import PoolDescription, SchemaAttribute
from accounts.cognito.types import CognitoUser, Page
from accounts.staff import attribute_changes, attributes, groups, history, merged
from accounts.staff.formats import staff_time


def user(username: str, email: str = "", **attrs: str) -> CognitoUser:
    values = {"sub": f"sub-{username}", **({"email": email} if email else {}), **attrs}
    return CognitoUser(username=username, status="CONFIRMED", enabled=True, attributes=values)


# -- attribute plans -------------------------------------------------------------------------------------
def pool(*schema: SchemaAttribute) -> PoolDescription:
    return PoolDescription(
        pool_id="p",
        name="p",
        mfa_configuration="OFF",
        estimated_users=0,
        password_policy=None,  # type: ignore[arg-type]
        device_tracking=False,
        device_remembered_on_prompt=False,
        schema=schema,
    )


def test_the_form_lists_standard_then_custom_attributes_and_reads_the_schema():
    listed = attributes.editable(
        pool(
            SchemaAttribute("email", required=True),
            SchemaAttribute("custom:team"),
            SchemaAttribute("sub", mutable=False),
        )
    )
    names = [a.name for a in listed]
    assert names[: len(attributes.STANDARD)] == list(attributes.STANDARD)
    assert names[-1] == "custom:team" and "sub" not in names and "email_verified" not in names
    assert next(a for a in listed if a.name == "email").required
    assert attributes.read_only(SchemaAttribute("custom:badge", mutable=False))
    assert attributes.read_only(SchemaAttribute("custom:x", developer_only=True))


@pytest.mark.parametrize(
    ("wanted", "options", "update", "delete", "sent"),
    [
        ({"given_name": "Ann", "nickname": ""}, {}, {"given_name": "Ann"}, ["nickname"], []),
        ({"email": "new@example.com"}, {}, {"email": "new@example.com"}, [], ["email"]),
        (
            {"email": "new@example.com"},
            {"verification": {"email": attribute_changes.MARK_VERIFIED}},
            {"email": "new@example.com", "email_verified": "true"},
            [],
            [],
        ),
        (
            {"email": "old@example.com"},
            {"verified": {"email_verified": False}},
            {"email_verified": "false"},
            [],
            [],
        ),
        ({"email": "old@example.com"}, {"verified": {"email_verified": True}}, {}, [], []),
    ],
)
def test_plans(wanted, options, update, delete, sent):
    before = user("ann", "old@example.com", email_verified="true", nickname="annie")
    plan = attribute_changes.plan(before, wanted, **options)
    assert (plan.update, plan.delete, plan.sent_for_verification) == (update, delete, sent)
    again = attribute_changes.decode(plan.encode())
    assert (again.update, again.delete, again.sent_for_verification) == (update, delete, sent)


def test_a_plan_describes_names_never_values():
    plan = attribute_changes.plan(
        user("ann", nickname="secret-nick"), {"nickname": "", "given_name": "Private"}
    )
    assert plan.describe() == "changed: given_name; removed: nickname"


def test_decode_refuses_anything_but_an_object_of_strings():
    for bad in ("[]", '{"a": 1}', "null"):
        with pytest.raises(ValueError):
            attribute_changes.decode(bad)


# -- group names in URLs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["editors", "a/b", "add", ".", "..", "_5F", "50%", "a?b#c\\d", "ünï"])
def test_every_group_name_has_one_url_segment(name):
    segment = groups.url_name(name)
    assert "/" not in segment and segment not in {"add", ".", ".."}
    assert groups.name_from_url(segment) == name


# -- times -----------------------------------------------------------------------------------------------
def test_staff_time_has_one_format_with_the_zone():
    assert staff_time(datetime(2026, 11, 26, 7, 2, 4, tzinfo=UTC)) == "2026-11-26 07:02 UTC"
    assert staff_time(datetime(2026, 11, 26, 7, 2)) == "2026-11-26 07:02 UTC"  # naive: taken as UTC
    assert staff_time(0.0) == "1970-01-01 00:00 UTC"
    assert staff_time(None) == ""


# -- the merged search -----------------------------------------------------------------------------------
class FakeDirectory:
    """ListUsers over two filters, in pages of ``size``, tokens are positions (as Cognito's are opaque)."""

    def __init__(self, users: list[CognitoUser]) -> None:
        self.users = users
        self.calls: list[tuple[str, str | None]] = []

    def list_users(
        self, *, filter: str, limit: int, pagination_token: str | None = None
    ) -> Page[CognitoUser]:
        self.calls.append((filter, pagination_token))
        attribute, value = filter.split(" ^= ")
        value = value.strip('"')
        if attribute == "username":
            matches = [u for u in self.users if u.username.lower().startswith(value.lower())]
        else:
            matches = [u for u in self.users if u.email.startswith(value)]
        start = int(pagination_token or 0)
        page = matches[start : start + limit]
        return Page(page, str(start + limit) if start + limit < len(matches) else None)


@pytest.fixture
def directory(monkeypatch):
    people = (
        [user(f"al{i:02d}", f"x{i}@example.com") for i in range(7)]
        + [user(f"zed{i:02d}", f"al.zed{i}@example.com") for i in range(6)]
        + [user(f"Alboth{i}", f"al.both{i}@example.com") for i in range(4)]
        + [user("bob", "bob@example.com")]
    )
    fake = FakeDirectory(people)
    monkeypatch.setattr(merged, "get_idp", lambda: fake)
    monkeypatch.setattr(merged, "_case_sensitive", lambda: False)
    return fake


@pytest.mark.parametrize("page_size", [1, 2, 3, 5, 60])
def test_merged_paging_never_misses_or_repeats(directory, page_size):
    seen, token, pages = [], None, 0
    while True:
        page = merged.fetch_page("al", token, page_size)
        assert len(page.items) <= page_size
        seen += [u.username for u in page.items]
        pages += 1
        token = page.next_token
        if token is None:
            break
        assert pages < 100
    expected = {u.username for u in directory.users if u.username != "bob"}
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_the_first_merged_page_asks_both_queries(directory):
    merged.fetch_page("al", None, 3)
    assert {call[0].split(" ")[0] for call in directory.calls} == {"username", "email"}


def test_merged_tokens_round_trip_and_refuse_junk():
    cursors = {"username": merged.Cursor("t1", 3, False), "email": merged.Cursor(None, 0, True)}
    assert merged.decode(merged.encode(cursors)) == cursors
    for junk in (
        '{"username": [1, 2, 3]}',
        "[]",
        '{"username": [null, "x", false], "email": [null, 0, true]}',
    ):
        with pytest.raises((ValueError, KeyError, TypeError)):
            merged.decode(junk)


# -- sign-in event page tokens ----------------------------------------------------------------------------
def test_event_tokens_are_bound_to_the_user():
    token = history.sign_token("sub-a", "cognito-next")
    assert history.read_token("sub-a", token) == "cognito-next"
    assert history.read_token("sub-b", token) is None
    assert history.read_token("sub-a", "forged") is None
