"""accounts.signin.stages: the registry, the URLs it adds and what each stage accepts."""

from __future__ import annotations

from django.urls import reverse

from accounts.cognito.types import Challenge
from accounts.signin.stages import STAGES, CodeStage, MfaSetupStage, NewPasswordStage, stage_url


def test_each_challenge_with_a_page_is_registered_with_its_contract_url():
    assert set(STAGES) == {"SOFTWARE_TOKEN_MFA", "MFA_SETUP", "NEW_PASSWORD_REQUIRED"}
    assert stage_url("SOFTWARE_TOKEN_MFA") == reverse("accounts:mfa") == "/accounts/login/mfa/"
    assert stage_url("MFA_SETUP") == "/accounts/login/mfa-setup/"
    assert stage_url("NEW_PASSWORD_REQUIRED") == "/accounts/login/new-password/"


def test_code_stages_share_the_code_form_rate_limit_and_secrecy():
    code_stages = [stage for stage in STAGES.values() if issubclass(stage, CodeStage)]
    assert {stage.challenge for stage in code_stages} == {"SOFTWARE_TOKEN_MFA", "MFA_SETUP"}
    assert all(stage.rate_limit_action == "mfa" and "code" in stage.sensitive_fields for stage in code_stages)


def test_stages_refuse_challenges_they_cannot_complete():
    asks_profile = Challenge("NEW_PASSWORD_REQUIRED", "s", {"requiredAttributes": '["userAttributes.name"]'})
    assert not NewPasswordStage.accepts(asks_profile)
    assert NewPasswordStage.accepts(Challenge("NEW_PASSWORD_REQUIRED", "s", {"requiredAttributes": "[]"}))
    assert not MfaSetupStage.accepts(Challenge("MFA_SETUP", "s", {"MFAS_CAN_SETUP": '["SMS_MFA"]'}))
    assert MfaSetupStage.accepts(Challenge("MFA_SETUP", "s", {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]'}))


def test_a_new_code_stage_is_one_small_class(settings):
    from accounts.signin import stages

    class EmailOtpStage(CodeStage):
        challenge = "EMAIL_OTP"
        path = "login/email-code/"
        url_name = "mfa"  # reuse an existing URL name here: adding the URL needs a URLconf reload
        template = "accounts/mfa.html"
        response_key = "EMAIL_OTP_CODE"

    stages.register(EmailOtpStage)
    try:
        assert STAGES["EMAIL_OTP"] is EmailOtpStage
        assert EmailOtpStage.responses(EmailOtpStage.__new__(EmailOtpStage), _Form("123456")) == {
            "EMAIL_OTP_CODE": "123456"
        }
    finally:
        del STAGES["EMAIL_OTP"]


class _Form:
    def __init__(self, code: str) -> None:
        self.cleaned_data = {"code": code}
