"""accounts.identity: which typed names find a user on each pool shape, display names, unsafe names."""

from __future__ import annotations

import pytest

from accounts.cognito.descriptions import PasswordPolicy, PoolDescription
from accounts.identity import (
    Identity,
    display_name,
    looks_like_sub,
    same_name,
    sign_in_label,
    username_problem,
)


def pool(**identity) -> PoolDescription:
    return PoolDescription(
        pool_id="eu-west-1_X",
        name="p",
        mfa_configuration="ON",
        estimated_users=0,
        password_policy=PasswordPolicy(),
        device_tracking=True,
        device_remembered_on_prompt=True,
        **identity,
    )


USERNAME_CS = pool(case_sensitive=True)
ALIASES_CI = pool(alias_attributes=("email", "preferred_username"), case_sensitive=False)
EMAIL_CI = pool(username_attributes=("email",), case_sensitive=False)
CAROL = Identity(
    sub="11111111-2222-3333-4444-555555555555",
    username="Carol",
    email="carol@example.com",
    email_verified=True,
    preferred_username="caz",
)


def test_case_is_folded_only_where_the_pool_folds_it():
    assert not same_name("Carol", "carol", USERNAME_CS)
    assert same_name("Carol", "carol", ALIASES_CI)
    assert not same_name("", "", ALIASES_CI)


@pytest.mark.parametrize(
    ("typed", "shape", "answers"),
    [
        ("Carol", USERNAME_CS, True),
        ("carol", USERNAME_CS, False),  # another person in a case-sensitive pool
        ("carol@example.com", USERNAME_CS, False),  # no aliases in this pool
        ("CAROL", ALIASES_CI, True),
        ("Carol@Example.com", ALIASES_CI, True),
        ("caz", ALIASES_CI, True),
        ("carol@example.com", EMAIL_CI, True),
        ("caz", EMAIL_CI, False),  # preferred_username is not a sign-in name there
    ],
)
def test_answers_to_follows_the_pools_sign_in_names(typed, shape, answers):
    assert CAROL.answers_to(typed, shape) is answers


def test_an_unverified_email_is_no_alias_but_is_a_username_attribute():
    unverified = Identity(sub="s", username="u", email="u@example.com", email_verified=False)
    assert not unverified.answers_to("u@example.com", ALIASES_CI)
    assert unverified.answers_to("u@example.com", EMAIL_CI)


def test_display_name_never_is_a_bare_sub():
    sub = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert Identity(sub=sub, username=sub, email="e@example.com").display_name == "e@example.com"
    assert Identity(sub=sub, username="ann", preferred_username="Annie").display_name == "Annie"
    assert display_name("ann", {}) == "ann"


def test_identity_from_claims_reads_cognito_username_and_boolean_strings():
    identity = Identity.from_claims(
        {"sub": "s-1", "cognito:username": "Ann", "email": "a@example.com", "email_verified": "true"}
    )
    assert (identity.username, identity.email_verified) == ("Ann", True)
    assert Identity.from_claims({"sub": "s-2"}).username == "s-2"


@pytest.mark.parametrize(
    "name",
    [
        "a b",
        "zero\u200bwidth",
        "rtl\u202eoverride",
        "bell\x07",
        "Ame\u0301lie",
        "0F8FAD5B-D9CB-469F-A165-70867728950E",
    ],
)
def test_unsafe_usernames_are_refused_with_a_reason(name):
    assert username_problem(name)


@pytest.mark.parametrize("name", ["ann", "zoë", "ann/actions/disable", "<b>\"'&", "李小龙"])
def test_ordinary_and_odd_but_safe_usernames_are_accepted(name):
    assert username_problem(name) is None


def test_sub_shape_and_labels():
    assert looks_like_sub("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert not looks_like_sub("0f8fad5b")
    assert sign_in_label(EMAIL_CI) == "Email address"
    assert sign_in_label(ALIASES_CI) == "Username or email address"
    assert sign_in_label(USERNAME_CS) == "Username"
    assert sign_in_label(None) == "Username"
