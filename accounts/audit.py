"""The audit trail: one ``AuditEvent`` row and one log line per staff or operator action on Cognito users.

Rows are written by ``record()``. A long-running action (an export) writes its row as it starts, with the
outcome ``unknown``, and ``settle()`` sets the outcome once it ends, so an export that dies half-way is never
left looking like a success. Log lines quote and escape every value that a user or staff member chose
(``log_value``), so a CR/LF in a username cannot forge a line or a field.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from accounts.management.output import printable
from accounts.models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("accounts.audit")

# The target of an action on many users at once (exports): no username is empty, so it names nobody.
MANY_USERS = ""


def log_value(value: object) -> str:
    """``value`` as one double-quoted token for a log line: backslashes and quotes escaped, then every
    control or invisible character shown as an escape (``\\r``, ``\\n``, ``\\x1b``, ``\\u2028``).

    The result never contains a line break and always ends where its closing quote is, so neither a new
    line nor a ``key=value`` field can be forged from user input.
    """
    text = "" if value is None else str(value)
    return '"' + printable(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _clip(value: str, field_name: str) -> str:
    """Cut a value to its column's length: an over-long label must not lose the whole record."""
    max_length = AuditEvent._meta.get_field(field_name).max_length
    value = value or ""
    return value[:max_length] if max_length else value


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _log(event: AuditEvent, verb: str) -> None:
    logger.info(
        "audit %s action=%s outcome=%s actor=%s ip=%s target=%s target_sub=%s aws_request_id=%s",
        verb,
        log_value(event.action),
        event.outcome,
        log_value(event.actor_label),
        event.actor_ip or "-",
        log_value(event.target_username),
        log_value(event.target_sub),
        log_value(event.aws_request_id),
    )


def _check(outcome: str) -> None:
    if outcome not in AuditEvent.Outcome.values:
        raise ValueError(f"outcome must be one of {AuditEvent.Outcome.values}, not {outcome!r}")


def record(
    action: str,
    target_username: str,
    *,
    outcome: str,
    actor: User | None = None,
    actor_label: str = "",
    actor_ip: str | None = None,
    reason: str = "",
    target_sub: str = "",
    detail: str = "",
    aws_request_id: str = "",
) -> AuditEvent:
    """Store one audit event and log it; returns the saved row.

    ``outcome`` is ``AuditEvent.Outcome``: ``success``, ``failure`` or ``unknown`` (Cognito's answer never
    came and reading the user back could not tell). ``detail`` names attributes, never their values.
    Raises ``ValueError`` for any other outcome.
    """
    _check(outcome)
    if not actor_label and actor is not None:
        actor_label = actor.get_username()
    event = AuditEvent.objects.create(
        actor=actor,
        actor_label=_clip(actor_label, "actor_label"),
        actor_ip=_valid_ip(actor_ip),
        action=_clip(action, "action"),
        target_username=_clip(target_username, "target_username"),
        target_sub=_clip(target_sub, "target_sub"),
        reason=reason or "",
        outcome=outcome,
        detail=detail or "",
        aws_request_id=_clip(aws_request_id, "aws_request_id"),
    )
    _log(event, "recorded")
    return event


def settle(event: AuditEvent, *, outcome: str, detail: str) -> AuditEvent:
    """Set the final outcome and detail of a row ``record()`` wrote when the action started; logs it."""
    _check(outcome)
    event.outcome = outcome
    event.detail = detail
    event.save(update_fields=["outcome", "detail"])
    _log(event, "settled")
    return event
