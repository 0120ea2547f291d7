"""How the gateway sends one Cognito call: which client, when to retry, and the one error translator.

``send(client_factory, operation, params)`` is the only place a boto3 call is made for the portal.
``translate(exc, operation)`` turns any botocore failure into a domain exception from ``errors``; the
gateway and the operator tasks (``provisioning``) both use it, so bad input is never reported as an outage.
``pages(...)`` walks Cognito's token-based pagination lazily.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
    StubResponseError,
)
from django.conf import settings

from accounts.cognito import errors

logger = logging.getLogger("accounts.cognito.idp")

# Calls that are safe to repeat after any transient failure (reads, and admin writes whose effect is the
# same however often they run). Everything else is sent once by the client; see ``send``.
RETRY_SAFE = frozenset(
    {
        "list_users",
        "list_users_in_group",
        "list_groups",
        "admin_get_user",
        "get_user",
        "admin_list_groups_for_user",
        "admin_list_devices",
        "list_devices",
        "describe_user_pool",
        "describe_user_pool_client",
        "admin_list_user_auth_events",
        "get_group",
        "admin_disable_user",
        "admin_enable_user",
        "admin_add_user_to_group",
        "admin_remove_user_from_group",
        "admin_user_global_sign_out",
        "global_sign_out",
        "admin_set_user_mfa_preference",
        "update_device_status",
        "admin_update_device_status",
        "forget_device",
        "admin_forget_device",
        "admin_delete_user",
        "admin_confirm_sign_up",
        "revoke_token",
    }
)
# Failures where the request cannot have been processed, so even a one-shot call may be sent again.
NOT_PROCESSED_CODES = frozenset({"TooManyRequestsException", "ThrottlingException"})
NOT_SENT_ERRORS = (ConnectTimeoutError, EndpointConnectionError)

_local = threading.local()


def last_request_id() -> str:
    """The AWS request id of this thread's last Cognito call (empty if none or if it never arrived)."""
    return getattr(_local, "request_id", "")


def translate(exc: Exception, operation: str = "") -> errors.CognitoError:
    """The domain exception for a botocore failure of ``operation`` (snake_case or API name).

    - ``ClientError``: by Cognito's error code (``errors.error_for``; any 5xx is ``CognitoUnavailable``
      with ``outcome_unknown``).
    - ``ParamValidationError`` (botocore's client-side check, e.g. an empty name): ``InvalidParameter`` —
      bad input, never an outage; its message on one line.
    - missing credentials or region: ``InvalidConfiguration``, with what to set.
    - no connection, or a connect timeout: ``CognitoUnavailable`` (nothing was sent).
    - a read timeout or a dropped connection: ``CognitoUnavailable(outcome_unknown=True)``.
    """
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        return errors.error_for(
            error.get("Code", ""),
            error.get("Message", ""),
            status=int(meta.get("HTTPStatusCode") or 400),
            request_id=meta.get("RequestId", ""),
            operation=operation or getattr(exc, "operation_name", ""),
        )
    name = exc.__class__.__name__
    if isinstance(exc, ParamValidationError):
        # botocore's report spans lines ("Parameter validation failed:\nInvalid length for …"): one line.
        message = " ".join(str(exc).split())
        return errors.InvalidParameter(message, code="ParamValidationError", operation=operation)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, NoRegionError)):
        return errors.InvalidConfiguration(
            f"{str(exc).rstrip('.')}. Set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY) and AWS_REGION, or COGNITO_ENDPOINT_URL for a local Cognito",
            code=name,
            operation=operation,
        )
    if isinstance(exc, NOT_SENT_ERRORS):
        return errors.CognitoUnavailable(str(exc), code=name, operation=operation)
    if isinstance(exc, (ReadTimeoutError, ConnectionClosedError, BotoCoreError)):
        # The request may have been sent and processed: whoever asked must read the state back.
        return errors.CognitoUnavailable(str(exc), code=name, operation=operation, outcome_unknown=True)
    raise TypeError(f"not a botocore failure: {exc!r}")


def _backoff(attempt: int) -> None:
    time.sleep(min(1.0, 0.05 * 2**attempt) * random.random())  # noqa: S311 (jitter, not crypto)


def send(client_factory: Callable[..., Any], operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """Make one Cognito call (``operation`` in boto3's snake_case) and return its response dict.

    Reads and idempotent writes (``RETRY_SAFE``) use the retrying client (botocore standard mode,
    ``COGNITO_MAX_ATTEMPTS`` in all). Other calls use the single-attempt client and are sent again here only
    when they cannot have been processed (throttled, or never connected), up to ``COGNITO_MAX_ATTEMPTS``
    times with jittered back-off. Raises a ``errors.CognitoError`` subclass (see ``translate``).
    """
    retry_safe = operation in RETRY_SAFE
    client = client_factory(retry=retry_safe)
    attempts = 1 if retry_safe else max(1, settings.COGNITO_MAX_ATTEMPTS)
    for attempt in range(1, attempts + 1):
        try:
            response = getattr(client, operation)(**params)
        except StubResponseError:
            raise  # botocore's Stubber reporting a test mismatch: never disguise it as an outage
        except (ClientError, BotoCoreError) as exc:
            error = translate(exc, operation)
            _local.request_id = error.request_id
            not_processed = (
                isinstance(exc, ClientError) and error.code in NOT_PROCESSED_CODES
            ) or isinstance(exc, NOT_SENT_ERRORS)
            if not_processed and attempt < attempts:
                _backoff(attempt)
                continue
            if isinstance(error, errors.CognitoUnavailable):
                logger.warning("Cognito %s unavailable: %s", operation, error.code)
            elif isinstance(error, errors.InvalidConfiguration) and not isinstance(exc, ClientError):
                logger.error("Cognito %s: no usable AWS credentials (%s)", operation, error.code)
            else:
                logger.info("Cognito %s failed: %s %s", operation, error.code, error.aws_message)
            raise error from exc
        _local.request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        return response
    raise AssertionError("unreachable")  # pragma: no cover


def pages(
    fetch: Callable[[str | None], tuple[list[Any], str | None]],
) -> Iterator[list[Any]]:
    """Cognito's forward-only pagination, lazily: ``fetch(token) -> (items, next_token)`` until no token.

    Stop iterating and no further call is made.
    """
    token: str | None = None
    while True:
        items, token = fetch(token)
        yield items
        if not token:
            return
