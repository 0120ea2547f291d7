"""accounts.staff.outcomes: how one write's outcome is settled (done / failed / unknown), without Cognito."""

from __future__ import annotations

import pytest

from accounts.cognito import errors
from accounts.staff.outcomes import ActionContext, Outcome, OutcomeUnknown


def context() -> ActionContext:
    return ActionContext(action="disable", username="alice", sub="s-1", before=None, params={})


def lost(*, answered: bool) -> errors.CognitoUnavailable:
    """A write whose answer never came (timeout) or came as a 5xx (Cognito answered, with a request id)."""
    return errors.CognitoUnavailable(
        "no answer",
        code="InternalErrorException" if answered else "ReadTimeoutError",
        request_id="req-5xx" if answered else "",
        outcome_unknown=True,
    )


def failing(exc: Exception):
    def write(*args, **kwargs):
        raise exc

    return write


def test_an_answered_write_is_done_and_keeps_the_request_id():
    ctx = context()
    assert ctx.call("AdminDisableUser", lambda name: "req-1", "alice") == "req-1"
    assert ctx.outcome is Outcome.DONE and ctx.request_id == "req-1" and ctx.plain


def test_a_throttled_write_failed_and_is_not_read_back():
    ctx = context()
    read = []
    throttled = errors.CognitoUnavailable("slow down", code="TooManyRequestsException")
    with pytest.raises(errors.CognitoUnavailable):
        ctx.call("AdminDisableUser", failing(throttled), read_back=lambda: read.append(1))
    assert read == [] and ctx.outcome is Outcome.FAILED and not ctx.changed_anything


def test_a_refusal_failed():
    ctx = context()
    with pytest.raises(errors.UserNotFound):
        ctx.call("AdminDisableUser", failing(errors.UserNotFound("gone", code="UserNotFoundException")))
    assert ctx.outcome is Outcome.FAILED
    assert ctx.steps[0].describe() == "AdminDisableUser: UserNotFoundException: gone"


@pytest.mark.parametrize("answered", [True, False])
def test_a_lost_answer_whose_change_is_there_is_done(answered):
    ctx = context()
    assert ctx.call("AdminDisableUser", failing(lost(answered=answered)), read_back=lambda: True) is None
    assert ctx.outcome is Outcome.DONE and not ctx.plain
    assert "read back: done" in ctx.steps[0].describe()


def test_a_5xx_whose_change_is_not_there_failed_and_is_settled():
    ctx = context()
    exc = lost(answered=True)
    with pytest.raises(errors.CognitoUnavailable) as raised:
        ctx.call("AdminDisableUser", failing(exc), read_back=lambda: False)
    assert raised.value.outcome_unknown is False  # settled: nothing changed
    assert ctx.outcome is Outcome.FAILED and not ctx.changed_anything


def test_a_timeout_whose_change_is_not_there_yet_is_unknown():
    """The request may still be in flight and apply later: "not there yet" proves nothing."""
    ctx = context()
    with pytest.raises(OutcomeUnknown):
        ctx.call("AdminDisableUser", failing(lost(answered=False)), read_back=lambda: False)
    assert ctx.outcome is Outcome.UNKNOWN and ctx.changed_anything


@pytest.mark.parametrize("read_back", [None, lambda: None])
def test_a_lost_answer_nobody_can_read_back_is_unknown(read_back):
    ctx = context()
    with pytest.raises(OutcomeUnknown):
        ctx.call("AdminUserGlobalSignOut", failing(lost(answered=True)), read_back=read_back)
    assert ctx.outcome is Outcome.UNKNOWN


def test_a_failing_read_back_is_unknown():
    ctx = context()

    def read_back():
        raise errors.CognitoUnavailable("still down", code="ReadTimeoutError", outcome_unknown=True)

    with pytest.raises(OutcomeUnknown):
        ctx.call("AdminDisableUser", failing(lost(answered=True)), read_back=read_back)
    assert "could not tell" in ctx.steps[0].describe()


def test_steps_add_up():
    ctx = context()
    ctx.call("AdminUserGlobalSignOut", lambda: "r1")
    with pytest.raises(errors.CognitoUnavailable):
        ctx.call("AdminForgetDevice (1 of 1)", failing(lost(answered=True)), read_back=lambda: False)
    assert ctx.outcome is Outcome.FAILED and ctx.changed_anything  # part-way: the sign-out happened
