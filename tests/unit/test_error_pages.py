"""Error pages read as the portal's own pages, never Django's bare defaults or a traceback."""

import pytest
from django.test import Client
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def broken_view(request):
    raise RuntimeError("boom: secret detail")


urlpatterns = [*portal_urlpatterns, path("broken/", broken_view)]


@pytest.mark.django_db
def test_unknown_address_gets_the_portals_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Go to your account" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.unit.test_error_pages")
def test_a_crash_gets_a_plain_500_page_without_details():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "boom" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_a_form_without_csrf_token_gets_a_clear_message():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": "x"})
    assert response.status_code == 403
    assert "Please try again" in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


def test_the_favicon_request_every_browser_makes_is_not_a_404(client):
    """No icon, said without an error: no 404 in the browser console or the server log on a first visit."""
    response = client.get("/favicon.ico")
    assert response.status_code == 204 and response.content == b""
