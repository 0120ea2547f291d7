"""UpdateGroup as Cognito does it: the request replaces the group's description, precedence and IAM role.

Source: the UpdateGroup reference as the AWS CLI v2 publishes it (``aws cognito-idp update-group``,
https://awscli.amazonaws.com/v2/documentation/api/2.0.34/reference/cognito-idp/update-group.html): "If you
don't provide a value for an attribute, it will be set to the default value." moto keeps the old value of
every field left out of the request; here those fields are cleared (no description, precedence or role).
"""

from __future__ import annotations

from typing import Any

from . import moto_adapter as moto
from .core import Ext, Request
from .errors import invalid

FIELDS = ("Description", "Precedence", "RoleArn")


def update_group(ext: Ext, req: Request) -> dict[str, Any]:
    """UpdateGroup: moto applies the fields given (and answers for an unknown pool or group); the fields
    left out are then reset; the answer is the group as it now is (GetGroup)."""
    pool_id, name = req.body.get("UserPoolId"), req.body.get("GroupName")
    if not isinstance(pool_id, str) or not pool_id or not isinstance(name, str) or not name:
        raise invalid("UpdateGroup needs UserPoolId and GroupName.")
    ext.call("UpdateGroup", pool_id, req.body)
    moto.reset_group_fields(pool_id, name, [field for field in FIELDS if req.body.get(field) is None])
    return ext.call("GetGroup", pool_id, {"UserPoolId": pool_id, "GroupName": name})


OPERATIONS = {"UpdateGroup": update_group}
