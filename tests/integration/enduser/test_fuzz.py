"""Property test: whatever is posted to any end-user form, the answer is never a server error."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import RateCounter
from tests.integration.enduser.conftest import login_post, totp_post

FORMS = {
    "signup": ["username", "email", "password1", "password2"],
    "confirm": ["username", "code"],
    "resend": ["username"],
    "sign_in": ["username", "password", "next"],
    "new_password": ["new_password1", "new_password2"],
    "mfa_setup": ["code", "remember_device"],
    "mfa": ["code", "remember_device"],
    "password_reset": ["username"],
    "password_reset_confirm": ["username", "code", "new_password1", "new_password2"],
    "password_change": ["old_password", "new_password1", "new_password2"],
    "devices": ["device_key", "all"],
    "home": ["action"],
}

SIGNED_IN_FORMS = {"devices", "home", "password_change"}
STAGE_FORMS = {"mfa"}

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
interesting = st.sampled_from(
    ["", " ", "0", "123456", "alice", "a" * 300, "\x00", "' OR 1=1 --", "<script>", "//evil"]
)
value = st.one_of(text, interesting)


def data_for(fields: list[str]):
    return st.fixed_dictionaries({}, optional={name: value for name in [*fields, "session", "USERNAME"]})


@pytest.mark.parametrize("form", sorted(FORMS))
def test_random_posts_never_give_a_server_error(pool, form):
    pool.create_user("alice")
    secret = pool.enrol_totp("alice")
    signed_in = Client()
    if form in SIGNED_IN_FORMS:
        login_post(signed_in, "alice")
        assert totp_post(signed_in, secret, step=1).status_code == 302

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=data_for(FORMS[form]))
    def check(data):
        cache.clear()
        RateCounter.objects.all().delete()  # rate-limit counters: every example starts unlimited
        client = signed_in if form in SIGNED_IN_FORMS else Client()
        if form in STAGE_FORMS:
            login_post(client, "alice")  # a pending sign-in waiting at the TOTP step
        response = client.post(reverse(f"accounts:{form}"), data)
        assert response.status_code in (200, 302, 429), (form, data, response.status_code)

    check()
