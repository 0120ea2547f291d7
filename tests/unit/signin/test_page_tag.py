"""accounts.signin.state.page_tag / match_page: which pending sign-in a stage form was rendered for."""

from __future__ import annotations

from accounts.signin.state import PageMatch, PendingSignIn, match_page, page_tag


def pending(**changes) -> PendingSignIn:
    values = {"username": "ivy", "challenge": "MFA_SETUP", "session": "S" * 40, "expires_at": 0.0}
    return PendingSignIn(**{**values, "id": "sign-in-1", "totp_secret": "KEY1", **changes})


def test_a_form_matches_the_sign_in_it_was_rendered_for_and_an_untagged_one_is_let_through():
    current = pending()
    assert match_page(current, page_tag(current)) is PageMatch.CURRENT
    assert match_page(current, "") is PageMatch.UNTAGGED


def test_a_new_key_or_a_new_sign_in_of_the_same_account_is_the_same_account_only():
    current = pending()
    assert match_page(current, page_tag(pending(totp_secret="KEY0"))) is PageMatch.SAME_ACCOUNT
    assert match_page(current, page_tag(pending(id="sign-in-0"))) is PageMatch.SAME_ACCOUNT
    assert match_page(current, page_tag(pending(challenge="SOFTWARE_TOKEN_MFA"))) is PageMatch.SAME_ACCOUNT


def test_another_account_or_a_made_up_tag_is_other():
    current = pending()
    assert match_page(current, page_tag(pending(username="jon"))) is PageMatch.OTHER
    assert match_page(current, "not-a-tag") is PageMatch.OTHER


def test_the_tag_holds_no_secret_and_depends_on_secret_key(settings):
    current = pending()
    tag = page_tag(current)
    assert all(part not in tag for part in ("KEY1", "sign-in-1", current.session, "ivy"))
    settings.SECRET_KEY = "another-secret-key-" * 3
    assert page_tag(current) != tag
