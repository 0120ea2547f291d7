"""accounts.backends: the mirror user from verified ID-token claims, keyed by sub (DESIGN §8)."""

from __future__ import annotations

import pytest

from accounts.backends import upsert_user
from accounts.models import User

pytestmark = pytest.mark.django_db

SUB = "11111111-2222-3333-4444-555555555555"


def claims(**extra):
    return {
        "sub": SUB,
        "cognito:username": "Ann",
        "email": "ann@example.com",
        "email_verified": True,
        **extra,
    }


def test_a_new_user_is_created_with_its_names_and_no_usable_password():
    user = upsert_user(claims(preferred_username="annie"))
    assert (user.cognito_sub, user.username, user.email, user.preferred_username) == (
        SUB,
        "Ann",
        "ann@example.com",
        "annie",
    )
    assert user.email_verified and not user.has_usable_password()
    assert user.display_name == "annie"


def test_the_same_sub_updates_the_same_row_even_under_a_new_email():
    first = upsert_user(claims())
    second = upsert_user(claims(email="new@example.com", email_verified="false"))
    assert first.pk == second.pk and User.objects.count() == 1
    assert (second.email, second.email_verified) == ("new@example.com", False)


def test_a_reused_username_on_an_old_row_gives_the_name_up_never_the_identity():
    old = User.objects.create_user("Ann", cognito_sub="99999999-0000-0000-0000-000000000000")
    user = upsert_user(claims())
    old.refresh_from_db()
    assert user.pk != old.pk and user.username == "Ann"
    assert old.username.startswith("Ann~") and not old.is_active


def test_an_email_pool_user_is_shown_by_email_not_by_its_generated_username():
    user = upsert_user(claims(**{"cognito:username": SUB}))
    assert user.username == SUB and user.display_name == "ann@example.com"
