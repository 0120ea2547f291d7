"""The audit trail: one ``AuditEvent`` row and one log line per staff or operator action on a Cognito user."""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from accounts.models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("accounts.audit")


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
    """Store one audit event (``outcome`` is ``"success"`` or ``"failure"``) and log it.

    The log line uses ``%r`` for every user-controlled value so CR/LF in a username cannot forge a record.
    """
    if outcome not in AuditEvent.Outcome.values:
        raise ValueError(f"outcome must be one of {AuditEvent.Outcome.values}, not {outcome!r}")
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
    logger.info(
        "audit action=%r outcome=%s actor=%r ip=%s target=%r target_sub=%r aws_request_id=%r",
        event.action,
        event.outcome,
        event.actor_label,
        event.actor_ip or "-",
        event.target_username,
        event.target_sub,
        event.aws_request_id,
    )
    return event
