"""UpdateGroup replaces the group's fields: those left out of the request are reset (AWS CLI v2 reference
for update-group: "If you don't provide a value for an attribute, it will be set to the default value.")."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from .conftest import Cog, error_code

ARN = "arn:aws:iam::123456789012:role/Editors"


@pytest.fixture
def group(cog: Cog) -> Iterator[str]:
    name = "g" + uuid.uuid4().hex[:10]
    cog.idp.create_group(UserPoolId=cog.pool_id, GroupName=name, Description="d", Precedence=3, RoleArn=ARN)
    yield name
    with contextlib.suppress(ClientError):
        cog.idp.delete_group(UserPoolId=cog.pool_id, GroupName=name)


def test_fields_left_out_of_update_group_are_reset(cog: Cog, group: str):
    answer = cog.idp.update_group(UserPoolId=cog.pool_id, GroupName=group, Precedence=4)["Group"]
    stored = cog.idp.get_group(UserPoolId=cog.pool_id, GroupName=group)["Group"]
    for seen in (answer, stored):
        assert seen["Precedence"] == 4
        assert seen.get("Description", "") == "" and "RoleArn" not in seen


def test_update_group_with_no_fields_clears_them_all(cog: Cog, group: str):
    cog.idp.update_group(UserPoolId=cog.pool_id, GroupName=group)
    stored = cog.idp.get_group(UserPoolId=cog.pool_id, GroupName=group)["Group"]
    assert stored.get("Description", "") == "" and "Precedence" not in stored and "RoleArn" not in stored


def test_update_group_keeps_what_it_is_given(cog: Cog, group: str):
    cog.idp.update_group(UserPoolId=cog.pool_id, GroupName=group, Description="e", Precedence=5, RoleArn=ARN)
    stored = cog.idp.get_group(UserPoolId=cog.pool_id, GroupName=group)["Group"]
    assert (stored["Description"], stored["Precedence"], stored["RoleArn"]) == ("e", 5, ARN)


def test_update_group_of_an_unknown_group_is_resource_not_found(cog: Cog):
    with pytest.raises(ClientError) as caught:
        cog.idp.update_group(UserPoolId=cog.pool_id, GroupName="nobody-" + uuid.uuid4().hex[:6])
    assert error_code(caught) == "ResourceNotFoundException"
