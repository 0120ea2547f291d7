"""accounts.signin.flow: advancing through Cognito's answers, with a fake gateway (no Cognito)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from accounts.cognito import errors
from accounts.cognito.types import Challenge
from accounts.signin import flow as flow_module
from accounts.signin import state
from accounts.signin.steps import Kind

pytestmark = pytest.mark.django_db


class FakeIdp:
    """Answers AdminInitiateAuth with the given result; records what was sent."""

    def __init__(self, result) -> None:
        self.result = result
        self.sent: list[tuple] = []

    def admin_initiate_auth(self, username, password, *, device_key=None):
        self.sent.append(("initiate", username, device_key))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def flow_for(result, monkeypatch):
    monkeypatch.setattr(flow_module, "get_idp", lambda: FakeIdp(result))
    request = RequestFactory().post("/accounts/login/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.COOKIES = {}
    return flow_module.SignInFlow(request), request


def test_a_registered_challenge_becomes_a_pending_sign_in_under_the_canonical_username(monkeypatch):
    challenge = Challenge("SOFTWARE_TOKEN_MFA", "s" * 40, {"USER_ID_FOR_SRP": "Quinn"})
    flow, request = flow_for(challenge, monkeypatch)
    step = flow.start("quinn@example.org", "pw", "/next/")
    assert (step.kind, step.url) == (Kind.STAGE, "/accounts/login/mfa/")
    pending = state.load_pending(request.session)
    assert (pending.username, pending.typed_name, pending.next_url) == (
        "Quinn",
        "quinn@example.org",
        "/next/",
    )


@pytest.mark.parametrize(
    "challenge",
    [
        Challenge("SELECT_MFA_TYPE", "s" * 40, {}),
        Challenge("MFA_SETUP", "s" * 40, {"MFAS_CAN_SETUP": '["SMS_MFA"]'}),
        Challenge("DEVICE_SRP_AUTH", "s" * 40, {"USERNAME": "Quinn"}),  # no remembered device here
    ],
)
def test_a_challenge_without_a_stage_stops_cleanly_with_nothing_pending(challenge, monkeypatch):
    flow, request = flow_for(challenge, monkeypatch)
    step = flow.start("quinn", "pw", "")
    assert step.kind is Kind.UNSUPPORTED and step.challenge == challenge.name
    assert state.load_pending(request.session) is None


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (errors.NotAuthorized("x"), Kind.FAILED),
        (errors.UserNotFound("x"), Kind.FAILED),
        (errors.UserNotConfirmed("x"), Kind.UNCONFIRMED),
        (errors.PasswordResetRequired("x"), Kind.RESET_REQUIRED),
    ],
)
def test_cognitos_refusals_become_steps_that_reveal_nothing(error, kind, monkeypatch):
    flow, _request = flow_for(error, monkeypatch)
    step = flow.start("quinn", "pw", "")
    assert step.kind is kind
    if kind is Kind.FAILED:
        assert "Incorrect username or password" in step.message  # one message whoever the user is
