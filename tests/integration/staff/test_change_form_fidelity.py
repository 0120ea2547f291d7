"""The staff change form sends only what the person changed (issue #14 follow-up, FIX14-A).

Every test posts the form the way a browser would (``browser_submission``): text inputs lose their line
breaks, email inputs their edge blanks, every line break goes out as CRLF, hidden inputs go back as
rendered. Covered: untouched values are neither rewritten nor re-validated (M1, M3), alias refusals land on
the attribute that caused them (M4), a pending email change is reported as pending (L5), preferred usernames
follow the username rule (L6), a partly applied edit says what was applied and what was refused (L12).
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.core.management.base import CommandError

from accounts.cognito import reset_caches
from accounts.models import AuditEvent
from tests.integration.commands.conftest import run_command

from .conftest import inject_fault, sub_of

pytestmark = pytest.mark.django_db

TEXT_INPUTS = {"text", "search", "tel", "url", "password"}


class _Controls(HTMLParser):
    """The successful controls of ``<form id="user-change-form">``, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.pairs: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.text = ""
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.in_form = a.get("id") == "user-change-form"
        if not self.in_form or (not a.get("name") and tag != "option"):
            return
        kind = a.get("type", "text")
        if tag == "input" and kind in TEXT_INPUTS:
            # The value sanitization algorithm of text inputs: "strip newlines from the value".
            self.pairs.append((a["name"], a.get("value", "").replace("\n", "")))
        elif tag == "input" and kind == "email":
            # … and of email inputs: also strip leading and trailing ASCII whitespace.
            self.pairs.append((a["name"], a.get("value", "").replace("\n", "").strip(" \t\f")))
        elif tag == "input" and kind == "hidden":
            self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "input" and kind in {"checkbox", "radio"} and "checked" in a:
            self.pairs.append((a["name"], a.get("value", "on")))
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.pairs.append((self.select, a.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea is not None:
            # A newline right after <textarea> is not part of its value.
            value = self.text[1:] if self.text.startswith("\n") else self.text
            self.pairs.append((self.textarea, value))
            self.textarea = None
        elif tag == "select":
            self.select = None


def browser_submission(response) -> dict[str, str]:
    """What a browser posts for the page, untouched: the document's line breaks read as LF (input stream
    preprocessing), each control's value sanitised, every line break sent as CRLF."""
    body = response.content.decode().replace("\r\n", "\n").replace("\r", "\n")
    parser = _Controls()
    parser.feed(body)
    return {name: value.replace("\n", "\r\n") for name, value in parser.pairs}


def change_url(pool, username: str) -> str:
    return f"/admin/cognito/users/{sub_of(pool, username)}/change/"


def attributes_of(pool, username: str) -> dict[str, str]:
    response = pool.admin.admin_get_user(UserPoolId=pool.pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in response["UserAttributes"]}


def set_directly(pool, username: str, **values: str) -> None:
    """AdminUpdateUserAttributes with the test's own client (not through the portal)."""
    pool.admin.admin_update_user_attributes(
        UserPoolId=pool.pool_id,
        Username=username,
        UserAttributes=[{"Name": k, "Value": v} for k, v in values.items()],
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def edit(client, pool, username: str, **changes: str):
    """Open the form, change ``changes`` as a person would, press Save."""
    url = change_url(pool, username)
    data = browser_submission(client.get(url))
    data.update(changes)
    return client.post(url, data)


def error_row(body: str, field: str) -> str:
    """The form row of ``field`` up to its input (where the admin puts the field's errors)."""
    return body.split(f'name="{field}"', 1)[0].rsplit('class="form-row', 1)[1]


# -- M1: untouched values are not rewritten ---------------------------------------------------------------
def test_untouched_blanks_at_the_edges_are_kept_and_not_sent(cognito, admin_client, cognito_calls):
    cognito.create_user("bob")
    set_directly(cognito, "bob", family_name="  spaced  ")
    cognito_calls.clear()
    response = edit(admin_client, cognito, "bob", nickname="bobby")
    assert response.status_code == 302, response.content.decode()[:3000]
    after = attributes_of(cognito, "bob")
    assert (after["family_name"], after["nickname"]) == ("  spaced  ", "bobby")
    assert AuditEvent.objects.get().detail == "changed: nickname"
    assert cognito_calls["AdminUpdateUserAttributes"] == 1


def test_an_untouched_multi_line_address_keeps_its_line_breaks(cognito, admin_client):
    cognito.create_user("bob")
    set_directly(cognito, "bob", address="Line 1\nLine 2")
    body = admin_client.get(change_url(cognito, "bob")).content.decode()
    assert '<textarea name="address"' in body
    response = edit(admin_client, cognito, "bob", nickname="bobby")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert attributes_of(cognito, "bob")["address"] == "Line 1\nLine 2"
    assert AuditEvent.objects.get().detail == "changed: nickname"


def test_any_value_with_a_line_break_gets_a_textarea_and_an_edited_one_keeps_its_lines(cognito, admin_client):
    cognito.create_user("bob")
    set_directly(cognito, "bob", name="Bob\nthe Builder")
    body = admin_client.get(change_url(cognito, "bob")).content.decode()
    assert '<textarea name="name"' in body and '<input type="text" name="nickname"' in body
    response = edit(admin_client, cognito, "bob", address="Main Street 1\r\n12345 Town")
    assert response.status_code == 302
    after = attributes_of(cognito, "bob")
    assert (after["address"], after["name"]) == ("Main Street 1\n12345 Town", "Bob\nthe Builder")
    assert AuditEvent.objects.get().detail == "changed: address"


def test_a_typed_value_is_kept_as_typed(cognito, admin_client):
    cognito.create_user("bob")
    assert edit(admin_client, cognito, "bob", nickname="  bobby ").status_code == 302
    assert attributes_of(cognito, "bob")["nickname"] == "  bobby "


def test_a_value_changed_elsewhere_meanwhile_is_not_overwritten_by_the_stale_page(cognito, admin_client):
    cognito.create_user("bob", attributes={"given_name": "Bob"})
    url = change_url(cognito, "bob")
    data = browser_submission(admin_client.get(url))
    set_directly(cognito, "bob", given_name="Robert")  # another staff member, after the page was opened
    data["nickname"] = "bobby"
    assert admin_client.post(url, data).status_code == 302
    assert attributes_of(cognito, "bob")["given_name"] == "Robert"


def test_hostile_values_are_escaped_in_the_textarea_and_come_back_untouched(cognito, admin_client):
    payload = 'x</textarea><script>alert(1)</script>\n"><img src=x onerror=alert(2)>'
    cognito.create_user("bob")
    set_directly(cognito, "bob", address=payload)
    body = admin_client.get(change_url(cognito, "bob")).content.decode()
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert html.escape("</textarea><script>", quote=False) in body
    assert edit(admin_client, cognito, "bob", nickname="bobby").status_code == 302
    assert attributes_of(cognito, "bob")["address"] == payload
    assert AuditEvent.objects.get().detail == "changed: nickname"


# -- M3: an untouched email is never checked again; one email rule ------------------------------------------
def test_a_user_with_a_non_ascii_email_can_be_edited(cognito, admin_client):
    cognito.create_user("zoe", email="zoë@example.com")
    response = edit(admin_client, cognito, "zoe", given_name="Zoë")
    assert response.status_code == 302, response.content.decode()[:3000]
    after = attributes_of(cognito, "zoe")
    assert (after["given_name"], after["email"]) == ("Zoë", "zoë@example.com")
    assert AuditEvent.objects.get().detail == "changed: given_name"


LONG_ADDRESS = "a" * 100 + "@" + ".".join(["b" * 60] * 3) + ".com"  # 287 characters: valid but for length


def email_errors(response) -> list[str]:
    """The errors under the email field of the page a POST answered (none after a redirect)."""
    if response.status_code == 302:
        return []
    return list(response.context["form"].errors.get("email", []))


@pytest.mark.parametrize(
    ("address", "valid"),
    [("zoë@example.org", False), (LONG_ADDRESS, False), ("zoe@example.org", True)],
)
def test_one_email_rule_for_the_change_form_set_attributes_invite_and_sign_up(
    cognito, admin_client, client, cognito_calls, address, valid
):
    cognito.create_user("zoe")
    cognito.create_user("zed")
    cognito_calls.clear()
    refusals = {
        "change form": email_errors(edit(admin_client, cognito, "zoe", email=address, given_name="Zoë")),
        "invite": email_errors(
            admin_client.post("/admin/cognito/invite/", {"username": "zia", "email": address})
        ),
        "sign-up": email_errors(
            client.post(
                "/accounts/signup/",
                {"username": "zia", "email": address, "password1": "x", "password2": "y"},
            )
        ),
    }
    try:
        run_command("cognito_users", "set-attributes", "zed", f"email={address}", "--yes")
        refusals["set-attributes"] = []
    except CommandError as exc:
        refusals["set-attributes"] = [str(exc)] if "email:" in str(exc) else []
    assert {way: bool(said) for way, said in refusals.items()} == dict.fromkeys(refusals, not valid)
    if address == "zoë@example.org":
        assert all("Enter a valid email address." in " ".join(said) for said in refusals.values()), refusals
    if not valid:
        assert cognito_calls["AdminUpdateUserAttributes"] == 0 and cognito_calls["AdminCreateUser"] == 0


# -- M4: an alias conflict lands on the attribute that caused it ---------------------------------------------
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("preferred_username", "caz", "This preferred username is already used by another account."),
        ("email", "carol@example.com", "This email address is already used by another account."),
    ],
)
def test_an_alias_another_user_holds_is_refused_on_its_own_field(
    cognito, admin_client, field, value, message
):
    cognito.create_user("alice")
    cognito.create_user("carol", attributes={"preferred_username": "caz"})
    response = edit(admin_client, cognito, "alice", email_verification="mark_verified", **{field: value})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in error_row(body, field)
    other = "email" if field == "preferred_username" else "preferred_username"
    assert "already used" not in error_row(body, other)
    assert attributes_of(cognito, "alice").get(field) != value


def test_an_unclear_alias_conflict_is_a_form_error_naming_the_candidates(cognito, admin_client):
    cognito.create_user("alice")
    inject_fault(
        cognito, operation="AdminUpdateUserAttributes", error="AliasExistsException", message="Alias exists."
    )
    response = edit(
        admin_client,
        cognito,
        "alice",
        preferred_username="ally",
        email="ally@example.com",
        email_verification="mark_verified",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Another account already signs in with one of these: email, preferred_username." in body
    assert "already used" not in error_row(body, "email")


# -- L5: a change that waits for the user's code is reported as pending --------------------------------------
@pytest.fixture
def verify_before_update(cognito):
    """The pool keeps a verified email in force until the new one is verified."""
    described = cognito.admin.describe_user_pool(UserPoolId=cognito.pool_id)["UserPool"]
    keep = ("Policies", "AutoVerifiedAttributes", "DeviceConfiguration", "AccountRecoverySetting")
    cognito.admin.update_user_pool(
        UserPoolId=cognito.pool_id,
        **{k: described[k] for k in keep if k in described},
        MfaConfiguration=described.get("MfaConfiguration", "OFF"),
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
    )
    reset_caches(clients=False)  # the pool description is cached per process
    return cognito


def test_an_email_change_waiting_for_the_code_is_reported_as_pending(verify_before_update, admin_client):
    pool = verify_before_update
    pool.create_user("bob")
    response = edit(admin_client, pool, "bob", email="bob.new@example.com", email_verification="send_code")
    assert response.status_code == 302
    said = " ".join(messages_of(response))
    assert "The new email address of bob takes effect only once they enter the code Cognito sent" in said
    assert "Until then their old address stays in force." in said
    assert attributes_of(pool, "bob")["email"] == "bob@example.com"  # still in force
    assert pool.last_code_to("bob.new@example.com")  # the code went to the new address
    detail = AuditEvent.objects.get().detail
    assert detail == "pending verification: email" and "bob.new" not in detail


# -- L6: a preferred username follows the username rule ------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("bob the builder", "cannot contain spaces"),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", "cannot have the form of a user ID"),
        ("bob@example.org", "cannot have the form of an email address"),
    ],
)
def test_a_preferred_username_sign_up_would_refuse_is_refused(
    cognito, admin_client, cognito_calls, value, message
):
    cognito.create_user("bob")
    cognito_calls.clear()
    response = edit(admin_client, cognito, "bob", preferred_username=value)
    assert response.status_code == 400
    assert message in error_row(response.content.decode(), "preferred_username")
    assert cognito_calls["AdminUpdateUserAttributes"] == 0


def test_only_a_typed_preferred_username_is_held_to_the_rule(cognito, admin_client):
    cognito.create_user("bob", attributes={"preferred_username": "old style"})  # from before the rule
    assert edit(admin_client, cognito, "bob", nickname="bobby").status_code == 302
    assert edit(admin_client, cognito, "bob", preferred_username="new style").status_code == 400
    assert attributes_of(cognito, "bob")["preferred_username"] == "old style"


# -- L12: a refusal after part of the change was applied ----------------------------------------------------
def test_a_refused_deletion_after_the_update_says_what_was_applied(cognito, admin_client):
    cognito.create_user("ann", attributes={"nickname": "annie"})
    inject_fault(
        cognito,
        operation="AdminDeleteUserAttributes",
        error="InvalidParameterException",
        message="nickname cannot be deleted",
    )
    response = edit(admin_client, cognito, "ann", given_name="Anne", nickname="")
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert "only partly saved. Applied: given_name. Refused: clearing nickname" in body
    assert "nickname cannot be deleted" in body and "Run it again" not in body
    assert attributes_of(cognito, "ann")["given_name"] == "Anne"
