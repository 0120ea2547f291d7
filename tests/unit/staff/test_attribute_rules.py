"""The change form's rules as pure functions (FIX14-A): line breaks, the one value rule per attribute, the
command's checks before any call, pending verification, and where an alias refusal belongs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.cognito import errors
from accounts.cognito.descriptions import PoolDescription, SchemaAttribute
from accounts.cognito.types import CognitoUser
from accounts.staff import attribute_changes, attributes


def user(**attrs: str) -> CognitoUser:
    values = {"sub": "sub-ann", "email": "ann@example.com", "email_verified": "true", **attrs}
    return CognitoUser(username="ann", status="CONFIRMED", enabled=True, attributes=values)


def pool(*schema: SchemaAttribute, **options) -> PoolDescription:
    return PoolDescription(
        pool_id="p",
        name="p",
        mfa_configuration="OFF",
        estimated_users=0,
        password_policy=None,  # type: ignore[arg-type]
        device_tracking=False,
        device_remembered_on_prompt=False,
        schema=schema or (SchemaAttribute("email", required=True),),
        **options,
    )


def test_line_breaks_compare_alike_however_written():
    assert attributes.same_text("a\nb", "a\r\nb") and attributes.same_text("a\rb", "a\nb")
    assert not attributes.same_text("  a ", "a") and not attributes.same_text("ab", "a\nb")
    assert attributes.plain_lines("a\r\nb\rc") == "a\nb\nc"
    assert attributes.multi_line("address", "") and attributes.multi_line("name", "x", "a\nb")
    assert not attributes.multi_line("name", "x", None)


def test_the_pool_description_reads_which_attributes_wait_for_verification():
    described = PoolDescription.from_api(
        {"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}}
    )
    assert described.attributes_require_verification_before_update == ("email",)
    assert PoolDescription.from_api({}).attributes_require_verification_before_update == ()


def clean(name: str, value: str, **schema) -> str:
    return attributes.value_field(SchemaAttribute(name, **schema)).clean(value)


@pytest.mark.parametrize(
    ("name", "value", "schema"),
    [
        ("email", "zoë@example.org", {}),  # SES cannot deliver to a non-ASCII local part
        ("email", "a" * 250 + "@x.io", {}),  # sign-up's 254 characters, whatever the schema allows
        ("email", "", {"required": True}),
        ("phone_number", "030 123456", {}),
        ("preferred_username", "two words", {}),
        ("preferred_username", "0f8fad5b-d9cb-469f-a165-70867728950e", {}),
        ("preferred_username", "ann@example.org", {}),
        ("preferred_username", "e\u0301", {}),  # changes under NFC
        ("custom:level", "high", {"data_type": "Number"}),
        ("custom:vip", "yes", {"data_type": "Boolean"}),
        ("custom:code", "abc", {"min_length": 4}),
        ("nickname", "x" * 2049, {}),
    ],
)
def test_values_the_portal_refuses(name, value, schema):
    with pytest.raises(ValidationError):
        clean(name, value, **schema)


@pytest.mark.parametrize(
    ("name", "value", "sent"),
    [
        ("nickname", "  as typed ", "  as typed "),
        ("email", "zoe@exämple.org", "zoe@exämple.org"),  # a Unicode domain is fine, as at sign-up
        ("phone_number", "+4930123456", "+4930123456"),
        ("preferred_username", "ann.b", "ann.b"),
        ("nickname", "", ""),  # clears an optional attribute
    ],
)
def test_values_the_portal_sends_as_given(name, value, sent):
    assert clean(name, value) == sent


def test_the_command_checks_every_pair_and_skips_untouched_ones():
    schema = (SchemaAttribute("email", required=True), SchemaAttribute("custom:badge", mutable=False))
    before = user(email="zoë@example.com", nickname="annie")
    values, switches, problems = attributes.clean_assignments(
        before,
        {"email": "zoë@example.com", "nickname": "", "given_name": "Ann", "phone_number_verified": "false"},
        pool(*schema),
    )
    assert (values, switches, problems) == (
        {"nickname": "", "given_name": "Ann"},
        {"phone_number_verified": False},
        [],
    )
    _, _, problems = attributes.clean_assignments(
        before,
        {"email": "", "custom:badge": "x", "updated_at": "1", "shoe_size": "9", "email_verified": "1"},
        pool(*schema),
    )
    assert problems == [
        "This pool has no editable attribute shoe_size.",
        "email: This field is required.",
        "custom:badge cannot be changed: the pool sets it once, when the user is created.",
        "Cognito maintains updated_at itself.",
        "email_verified takes true or false.",
    ]


@pytest.mark.parametrize(
    ("settings", "before", "choice", "pending", "sent"),
    [
        (("email",), "true", attribute_changes.SEND_CODE, ["email"], []),
        (
            ("email",),
            "false",
            attribute_changes.SEND_CODE,
            [],
            ["email"],
        ),  # nothing verified to keep in force
        (("email",), "true", attribute_changes.MARK_VERIFIED, [], []),
        ((), "true", attribute_changes.SEND_CODE, [], ["email"]),
    ],
)
def test_a_changed_email_waits_for_the_code_only_where_the_pool_keeps_the_old_one(
    settings, before, choice, pending, sent
):
    described = pool(attributes_require_verification_before_update=settings)
    ann = user(email_verified=before)
    change = attribute_changes.plan(
        ann, {"email": "new@example.com"}, verification={"email": choice}, pool=described
    )
    assert (change.pending_verification, change.sent_for_verification) == (pending, sent)
    again = attribute_changes.decode(change.encode(), user=ann, pool=described)
    assert (again.pending_verification, again.sent_for_verification) == (pending, sent)
    if pending:
        assert change.describe() == "pending verification: email"
        assert "takes effect only once" in attribute_changes.pending_notice(change, "ann")[0]


ALIASES = pool(alias_attributes=("email", "preferred_username"))


@pytest.mark.parametrize(
    ("message", "update", "field"),
    [
        (
            "An account with the given preferred_username already exists.",
            {"email": "x", "preferred_username": "y"},
            "preferred_username",
        ),
        (
            "An account with the given email already exists.",
            {"email": "x", "email_verified": "true"},
            "email",
        ),
        ("Alias exists.", {"preferred_username": "y", "given_name": "z"}, "preferred_username"),
        ("Alias exists.", {"email_verified": "true"}, "email"),  # verifying made the email a sign-in name
        ("Alias exists.", {"email": "x", "email_verified": "true", "preferred_username": "y"}, None),
    ],
)
def test_an_alias_refusal_belongs_to_the_attribute_that_caused_it(message, update, field):
    error = errors.AliasExists(message, code="AliasExistsException")
    name, said = attribute_changes.alias_refusal(error, attribute_changes.Plan(update=update), ALIASES)
    assert name == field
    if field is None:
        assert said.startswith(
            "Another account already signs in with one of these: email, preferred_username"
        )
    else:
        assert said == str(attribute_changes.ALIAS_TAKEN[field])


def test_a_partial_refusal_names_what_was_applied_and_what_was_refused_never_values():
    change = attribute_changes.Plan(update={"given_name": "Secret"}, delete=["nickname"])
    error = errors.InvalidParameter("cannot delete nickname", code="InvalidParameterException")
    said = attribute_changes.partial_refusal(change, error, "ann")
    assert "Applied: given_name. Refused: clearing nickname (Cognito: cannot delete nickname)" in said
    assert "Secret" not in said and "Run it again" not in said
