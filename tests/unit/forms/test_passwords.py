"""accounts.password_rules and the password forms: password checks made before Cognito is called."""

from __future__ import annotations

import pytest

from accounts.cognito.descriptions import PasswordPolicy
from accounts.forms import NewPasswordForm, SignUpForm
from accounts.password_rules import password_guessability_problems

POLICY = PasswordPolicy(minimum_length=10)


@pytest.mark.parametrize("password", ["Password123!", "P@ssw0rd", "Password1!", "!!Qwerty123"])
def test_common_passwords_in_the_usual_disguises_are_refused(password):
    assert password_guessability_problems(password)


def test_a_strong_password_passes():
    assert password_guessability_problems("Correct-Horse-42!") == []


@pytest.mark.django_db
def test_a_password_like_the_username_is_refused():
    problems = password_guessability_problems(
        "Annabelle-Smith1", username="annabelle-smith", email="x@example.com"
    )
    assert problems and "similar" in problems[0]


@pytest.mark.django_db
def test_edge_blanks_are_refused_and_the_page_says_why_passwords_are_cleared():
    form = NewPasswordForm(
        {"new_password1": " Correct-Horse-42!", "new_password2": " Correct-Horse-42!"}, policy=POLICY
    )
    assert not form.is_valid()
    assert "start or end with a space" in form.errors["new_password1"][0]
    assert form.passwords_cleared


@pytest.mark.django_db
def test_sign_up_form_in_an_email_pool_has_no_username_and_uses_the_email():
    form = SignUpForm(
        {"email": "a@example.com", "password1": "Correct-Horse-42!", "password2": "Correct-Horse-42!"},
        policy=POLICY,
        email_is_username=True,
    )
    assert "username" not in form.fields
    assert form.is_valid(), form.errors
    assert form.sign_in_name == "a@example.com"
