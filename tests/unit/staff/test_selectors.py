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


# -- resolving a sub: the answer is always checked (a fake gateway stands in for Cognito) -----------------
class FakeIdp:
    """AdminGetUser by username or (like AWS) by sub; ListUsers with a ``sub = "…"`` filter. Counts calls."""

    user_pool_id = "us-east-1_test"

    def __init__(self, *users: CognitoUser, subs_as_usernames: bool = True) -> None:
        self.users = list(users)
        self.subs_as_usernames = subs_as_usernames
        self.calls: list[tuple[str, str]] = []

    def admin_get_user(self, name: str) -> CognitoUser:
        from accounts.cognito import errors

        self.calls.append(("AdminGetUser", name))
        for user in self.users:
            if user.username == name:
                return user
        for user in self.users:
            if self.subs_as_usernames and user.sub == name:
                return user
        raise errors.UserNotFound("User does not exist.", code="UserNotFoundException")

    def list_users(self, *, filter: str, limit: int):
        from accounts.cognito.types import Page

        self.calls.append(("ListUsers", filter))
        wanted = filter.split('"')[1]
        return Page([user for user in self.users if user.sub == wanted][:limit])


def person(username: str, sub: str) -> CognitoUser:
    return CognitoUser(username=username, status="CONFIRMED", enabled=True, attributes={"sub": sub})


ALICE_SUB = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def fake(monkeypatch):
    from accounts.staff import selectors

    def install(*users: CognitoUser, **options) -> FakeIdp:
        idp = FakeIdp(*users, **options)
        monkeypatch.setattr(selectors, "get_idp", lambda: idp)
        selectors._usernames.clear()
        return idp

    yield install
    selectors._usernames.clear()


def test_a_sub_accepted_as_username_resolves_in_one_call_and_is_remembered(fake):
    from accounts.staff.selectors import resolve_sub

    idp = fake(person("alice", ALICE_SUB))
    assert resolve_sub(ALICE_SUB).username == "alice"
    assert idp.calls == [("AdminGetUser", ALICE_SUB)]
    idp.calls.clear()
    resolve_sub(ALICE_SUB)
    assert idp.calls == [("AdminGetUser", "alice")]  # the cached canonical username


def test_a_username_equal_to_the_sub_is_never_taken_for_the_user(fake):
    from accounts.staff.selectors import resolve_sub

    impostor = person(ALICE_SUB, "22222222-2222-4222-8222-222222222222")
    idp = fake(impostor, person("alice", ALICE_SUB))
    assert resolve_sub(ALICE_SUB).username == "alice"
    assert ("ListUsers", f'sub = "{ALICE_SUB}"') in idp.calls


def test_pools_that_do_not_take_subs_as_usernames_fall_back_to_list_users(fake):
    from accounts.staff.selectors import resolve_sub

    idp = fake(person("alice", ALICE_SUB), subs_as_usernames=False)
    assert resolve_sub(ALICE_SUB).username == "alice"
    assert [call[0] for call in idp.calls] == ["AdminGetUser", "ListUsers", "AdminGetUser"]


def test_a_cached_username_now_worn_by_someone_else_is_not_trusted(fake):
    from accounts.cognito import errors
    from accounts.staff.selectors import remember, resolve_sub

    fake(person("alice", "33333333-3333-4333-8333-333333333333"), subs_as_usernames=False)
    remember([person("alice", ALICE_SUB)])  # alice was deleted; her name was reused
    with pytest.raises(errors.UserNotFound):
        resolve_sub(ALICE_SUB)


def test_find_user_tries_a_sub_shaped_value_as_a_sub_then_as_a_name(fake):
    from accounts.staff.selectors import find_user

    fake(person(ALICE_SUB, "44444444-4444-4444-8444-444444444444"), subs_as_usernames=False)
    assert find_user(ALICE_SUB).username == ALICE_SUB  # nobody has that sub: it is a username here
