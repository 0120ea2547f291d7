"""accounts.devices: the sealed record (AES-GCM under HKDF(cookie key, SECRET_KEY), bound to record, user
and device), without Cognito."""

from __future__ import annotations

import uuid

import pytest
from cryptography.exceptions import InvalidTag

from accounts import devices
from accounts.models import RememberedDevice, User

pytestmark = pytest.mark.django_db
PAYLOAD = {"device_group_key": "-group", "device_password": "device-password-0123456789"}


def record_for(user: User, device_key: str = "us-east-1_d1") -> tuple[RememberedDevice, bytes]:
    record_id, entry = devices.remember(
        user, device_key, PAYLOAD["device_group_key"], PAYLOAD["device_password"]
    )
    _parsed_id, key = devices._parse_cookie(entry)
    return RememberedDevice.objects.get(pk=record_id), key


def test_a_sealed_record_opens_only_with_its_cookie_key_and_its_own_binding(settings):
    ann = User.objects.create_user("ann")
    record, key = record_for(ann)
    assert devices.unseal(record, key) == PAYLOAD
    assert PAYLOAD["device_password"] not in record.sealed  # the database alone reveals nothing
    for tampered in (
        {"user_id": User.objects.create_user("bob").pk},  # moved to another user
        {"device_key": "us-east-1_other"},  # moved to another device
        {"id": uuid.uuid4()},  # copied under another record id
    ):
        fields = {"id": record.id, "user_id": record.user_id, "device_key": record.device_key}
        moved = RememberedDevice(**{**fields, **tampered}, sealed=record.sealed)
        with pytest.raises(InvalidTag):
            devices.unseal(moved, key)
    with pytest.raises(InvalidTag):
        devices.unseal(record, bytes(32))
    settings.SECRET_KEY = "another-secret-key-" * 4  # a rotated SECRET_KEY: every browser asks once
    with pytest.raises(InvalidTag):
        devices.unseal(record, key)


def test_remembering_again_replaces_the_record_of_that_device_only():
    ann = User.objects.create_user("ann")
    first, _ = record_for(ann, "us-east-1_d1")
    other, _ = record_for(ann, "us-east-1_d2")
    again, _ = record_for(ann, "us-east-1_d1")
    assert set(RememberedDevice.objects.values_list("pk", flat=True)) == {other.pk, again.pk}
    assert first.pk != again.pk
