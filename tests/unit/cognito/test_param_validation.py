"""botocore's client-side ParamValidationError is a one-line InvalidParameter (issue #14 follow-up, L10)."""

from __future__ import annotations

import pytest

from accounts.cognito import errors
from accounts.cognito.idp import CognitoIdentityProvider
from tests.boto import session as boto_session


def test_a_parameter_botocore_refuses_is_one_line_of_invalid_parameter():
    client = boto_session().client(
        "cognito-idp",
        region_name="eu-west-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    idp = CognitoIdentityProvider(
        user_pool_id="eu-west-1_abc", client_id="c", client_secret="", client_factory=lambda retry: client
    )
    with pytest.raises(errors.InvalidParameter) as caught:
        idp.create_group("y", description="", precedence=None, role_arn="nope")  # RoleArn: min 20
    assert caught.value.code == "ParamValidationError"
    assert "\n" not in caught.value.aws_message
    assert caught.value.aws_message.startswith("Parameter validation failed: Invalid length for parameter")
