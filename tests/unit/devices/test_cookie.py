"""accounts.devices: the multi-account cookie (entries, updates) without a database or Cognito."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from accounts import devices

A = "11111111-1111-1111-1111-111111111111." + "A" * 43
B = "22222222-2222-2222-2222-222222222222." + "B" * 43


def request_with(cookie: str | None):
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES[settings.DEVICE_COOKIE_NAME] = cookie
    return request


def test_entries_are_split_and_bounded():
    request = request_with("~".join([A, B, "junk"]))
    assert devices.cookie_entries(request) == [A, B, "junk"]
    assert devices.cookie_record_ids(request) == [
        "11111111-1111-1111-1111-111111111111",
        "22222222-2222-2222-2222-222222222222",
    ]
    many = request_with("~".join([A] * 50))
    assert len(devices.cookie_entries(many)) == devices.MAX_ENTRIES * 2


def test_parse_cookie_refuses_malformed_entries():
    assert devices._parse_cookie(A) is not None
    assert devices._parse_cookie("not-a-uuid." + "A" * 43) is None
    assert devices._parse_cookie("11111111-1111-1111-1111-111111111111.short") is None


def test_updated_cookie_keeps_other_accounts_and_reports_no_change():
    request = request_with(f"{A}~{B}")
    assert devices.updated_cookie(request) is None  # nothing to do: leave the cookie alone
    assert devices.updated_cookie(request, remove=[A]) == B  # the other account's entry stays
    assert devices.updated_cookie(request, remove=[A, B]) == ""  # '' means delete the cookie
    assert devices.updated_cookie(request_with(None), add=A) == A


def test_apply_cookie_sets_strict_http_only_or_deletes():
    request = request_with(None)
    response = devices.apply_cookie(request, HttpResponse(), A)
    morsel = response.cookies[settings.DEVICE_COOKIE_NAME]
    assert morsel.value == A and morsel["samesite"] == "Strict" and morsel["httponly"]
    deleted = devices.apply_cookie(request, HttpResponse(), "")
    assert deleted.cookies[settings.DEVICE_COOKIE_NAME].value == ""
    assert settings.DEVICE_COOKIE_NAME not in devices.apply_cookie(request, HttpResponse(), None).cookies
