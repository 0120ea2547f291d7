"""accounts.flows.trust: what a new password ends, against a recording fake gateway (no Cognito)."""

from __future__ import annotations

import pytest

from accounts.cognito import errors
from accounts.flows import trust
from accounts.models import RememberedDevice, User

pytestmark = pytest.mark.django_db


class FakeIdp:
    def __init__(self, fail: type[Exception] | None = None, gone: set[str] = frozenset()) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.fail = fail
        self.gone = gone

    def admin_update_device_status(self, username: str, key: str, *, remembered: bool) -> str:
        self.calls.append(("not_remembered" if not remembered else "remembered", username, key))
        return "req"

    def admin_forget_device(self, username: str, key: str) -> str:
        if self.fail:
            raise self.fail("down", code="X")
        if key in self.gone:
            raise errors.ResourceNotFound("gone", code="ResourceNotFoundException")
        self.calls.append(("forget", username, key))
        return "req"


@pytest.fixture
def ann():
    user = User.objects.create_user("ann", cognito_sub="11111111-2222-3333-4444-555555555555")
    for key in ("k-this", "k-other", "k-gone"):
        RememberedDevice.objects.create(user=user, device_key=key, sealed="x")
    return user


def test_other_devices_are_forgotten_this_one_kept_working_and_the_records_go(monkeypatch, ann):
    fake = FakeIdp(gone={"k-gone"})
    monkeypatch.setattr(trust, "get_idp", lambda: fake)
    ended = trust.new_password_ends_trust(user=ann, username="ann", current_device_key="k-this")
    assert sorted(fake.calls) == [("forget", "ann", "k-other"), ("not_remembered", "ann", "k-this")]
    assert ended.complete and ended.devices_untrusted == 2  # a device already gone is no failure
    assert not RememberedDevice.objects.filter(user=ann).exists()


def test_cognito_being_away_never_undoes_the_password_and_says_so(monkeypatch, ann):
    monkeypatch.setattr(trust, "get_idp", lambda: FakeIdp(fail=errors.CognitoUnavailable))
    ended = trust.new_password_ends_trust(user=ann, username="ann")
    assert not ended.complete
    assert not RememberedDevice.objects.filter(user=ann).exists()  # the portal's own trust ends regardless


def test_an_unknown_user_ends_nothing_locally_and_asks_cognito_for_nothing(monkeypatch):
    fake = FakeIdp()
    monkeypatch.setattr(trust, "get_idp", lambda: fake)
    ended = trust.new_password_ends_trust(user=None, username="ghost")
    assert (ended.sessions_ended, ended.devices_untrusted, fake.calls) == (0, 0, [])
