"""What the client did wrong when moto fails on a request it implements: Cognito's 4xx instead of a 500.

moto answers some bad requests by crashing (HTTP 500 with an HTML page): a required parameter missing, a
user pool, app client or user that does not exist. A 500 is retried by every AWS SDK and tells the client
nothing, so ``explain`` names the mistake as Cognito would: ``InvalidParameterException`` for a missing
required member (the API's validation message), ``ResourceNotFoundException`` for an unknown pool or
client, ``UserNotFoundException`` for an unknown user. Only a failure none of these explains stays an
``InternalErrorException`` (500). ``relabel`` turns the few error codes moto invents into Cognito's.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from . import identity
from . import moto_adapter as moto
from .errors import CognitoError, invalid, not_found, user_not_found

# Error codes moto gives that Cognito does not have: bad pagination tokens (ListGroups, ListUserPools,
# ListUserPoolClients, ListUsersInGroup ...) are bad parameters, as localcognito's ListUsers answers them.
RELABELLED = {"InvalidToken": ("InvalidParameterException", "Invalid pagination token.")}


@functools.cache
def service_model():
    """botocore's cognito-idp service model (the API's operations and shapes), loaded once per process."""
    import botocore.session

    return botocore.session.get_session().get_service_model("cognito-idp")


@functools.cache
def _required_members(operation: str) -> tuple[str, ...]:
    try:
        shape = service_model().operation_model(operation).input_shape
    except Exception:  # an unknown name has no model: nothing is known to be required
        return ()
    return tuple(shape.required_members) if shape is not None else ()


def _missing(operation: str, body: dict[str, Any]) -> str | None:
    return next((name for name in _required_members(operation) if body.get(name) is None), None)


def explain(operation: str, raw: bytes) -> CognitoError:
    """The Cognito error for a request moto failed on (``raw`` is its JSON body); 500 when unexplained."""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return CognitoError("SerializationException", "Malformed JSON")
    missing = _missing(operation, body)
    if missing is not None:
        # Cognito's request validation message, with the member named as the API's wire format spells it.
        member = missing[:1].lower() + missing[1:]
        return invalid(
            f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
            "Member must not be null"
        )
    pool_id = body.get("UserPoolId")
    pool = moto.pool_info(pool_id) if isinstance(pool_id, str) and pool_id else None
    if pool_id is not None and pool is None:
        return not_found(f"User pool {pool_id} does not exist.")
    client_id = body.get("ClientId")
    if client_id is not None:
        client = moto.client_info(client_id) if isinstance(client_id, str) and client_id else None
        if client is None or (pool is not None and client.pool_id != pool.pool_id):
            return not_found(f"User pool client {client_id} does not exist.")
    if pool is not None and "Username" in body and identity.resolve(pool, body["Username"]) is None:
        return user_not_found()
    return CognitoError("InternalErrorException", f"localcognito (moto) failed on {operation}", 500)


def relabel(status: int, body: bytes) -> bytes | None:
    """moto's error ``body`` with Cognito's code where moto invents one (see RELABELLED); else None."""
    if status < 400 or status >= 500 or b"__type" not in body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    code = str(data.get("__type", "")).rsplit("#", 1)[-1] if isinstance(data, dict) else ""
    if code not in RELABELLED:
        return None
    return CognitoError(*RELABELLED[code]).body()
