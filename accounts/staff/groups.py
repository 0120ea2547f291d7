"""The pool's Cognito groups: reading them, counting members, and creating, editing and deleting them.

Writes (CreateGroup, UpdateGroup, DeleteGroup) are audited like the user actions, with the group's name as
the audit row's target and the changed field *names* in the detail (``create_group``, ``update_group``,
``delete_group``). A lost answer is read back with GetGroup (created: it exists; deleted: it is gone;
updated: its fields match) before anyone is told what happened, and nothing is sent again. The portal's
own role groups (``COGNITO_STAFF_GROUP``, ``COGNITO_ADMIN_GROUP``) cannot be deleted here, and only
superusers may edit them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.utils.translation import gettext as _

from accounts import audit, roles
from accounts.cognito import errors, get_idp
from accounts.cognito.idp import last_request_id
from accounts.cognito.types import Group
from accounts.models import AuditEvent
from accounts.staff import selectors
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import Actor

COUNT_PAGE_LIMIT = 100  # ListUsersInGroup pages counted at most (6,000 members) before "at least"

# -- group names in URLs: admin-style escapes, so any name (slashes, "add", "..") has exactly one URL -----
_ESCAPED = set("/_%?#\\")
_RESERVED = {"add", ".", ".."}


def url_name(name: str) -> str:
    """``name`` as one URL path segment: ``/ _ % ? # \\`` become ``_XX``; a reserved word gets its first
    character escaped too (``add`` → ``_61dd``), so it never meets the pages' own paths."""
    escaped = "".join(f"_{ord(c):02X}" if c in _ESCAPED else c for c in name)
    if escaped in _RESERVED:
        escaped = f"_{ord(escaped[0]):02X}{escaped[1:]}"
    return escaped


def name_from_url(value: str) -> str:
    """Undo ``url_name``."""
    return re.sub(r"_([0-9A-F]{2})", lambda match: chr(int(match.group(1), 16)), value)


# -- reading --------------------------------------------------------------------------------------------
def is_role_group(name: str) -> bool:
    """One of the portal's own groups, exactly (they grant staff or superuser): marked, never deleted
    here. A case variant is an ordinary group (Cognito group names are case-sensitive)."""
    return roles.is_exact_role_group(name)


def count_members(name: str) -> tuple[int, bool]:
    """(members counted, complete): ListUsersInGroup page by page, at most ``COUNT_PAGE_LIMIT`` pages.

    Raises ``ResourceNotFound`` for an unknown group and ``CognitoUnavailable`` when Cognito is down.
    """
    limit = COUNT_PAGE_LIMIT * 60
    counted = sum(1 for _user in islice(get_idp().iter_users_in_group(name), limit + 1))
    return min(counted, limit), counted <= limit


# -- writing --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupResult:
    """What became of one group write: the audit row, the outcome and, when it failed, Cognito's error."""

    event: AuditEvent
    outcome: Outcome
    error: errors.CognitoError | None = None
    group: Group | None = None


def _read_back(name: str) -> Group | None:
    try:
        return get_idp().get_group(name)
    except errors.ResourceNotFound:
        return None


def _write(
    action: str,
    name: str,
    call: Callable[[], Any],
    took_effect: Callable[[Group | None], bool],
    *,
    actor: Actor,
    reason: str,
    detail: str,
) -> GroupResult:
    """Make one group write, settle a lost answer by reading the group back, and audit it (one row)."""
    outcome, error, group = Outcome.DONE, None, None
    try:
        answer = call()
        group = answer if isinstance(answer, Group) else None
    except errors.CognitoUnavailable as exc:
        error = exc
        outcome = Outcome.FAILED
        if exc.outcome_unknown:
            try:
                now = _read_back(name)
            except errors.CognitoError:
                outcome = Outcome.UNKNOWN
            else:
                if took_effect(now):
                    outcome, error, group = Outcome.DONE, None, now
                elif not exc.request_id:
                    outcome = Outcome.UNKNOWN  # never answered: it may still apply
                detail += "; no answer, read back"
    except errors.CognitoError as exc:
        outcome, error = Outcome.FAILED, exc
    if error is not None:
        detail += f"; {error.code or type(error).__name__}: {error.aws_message}".rstrip(": ")
    event = audit.record(
        action,
        name,
        outcome={
            Outcome.DONE: AuditEvent.Outcome.SUCCESS,
            Outcome.FAILED: AuditEvent.Outcome.FAILURE,
            Outcome.UNKNOWN: AuditEvent.Outcome.UNKNOWN,
        }[outcome],
        actor=actor.user,
        actor_label=actor.label,
        actor_ip=actor.ip,
        reason=reason,
        detail=detail.strip("; "),
        aws_request_id=last_request_id() if outcome is Outcome.DONE else (error.request_id if error else ""),
    )
    if action != "update_group":
        selectors.forget_group_names()
    return GroupResult(event, outcome, None if outcome is Outcome.UNKNOWN else error, group)


def _fields(description: str, precedence: int | None, role_arn: str) -> str:
    given = [("description", description), ("precedence", precedence), ("role_arn", role_arn)]
    return "fields: " + (", ".join(field for field, value in given if value not in ("", None)) or "none")


def create(
    name: str, *, description: str, precedence: int | None, role_arn: str, actor: Actor, reason: str = ""
) -> GroupResult:
    """CreateGroup, audited as ``create_group``. Never raises for Cognito: see ``GroupResult``."""
    return _write(
        "create_group",
        name,
        lambda: get_idp().create_group(
            name, description=description, precedence=precedence, role_arn=role_arn
        ),
        lambda now: now is not None,
        actor=actor,
        reason=reason,
        detail=_fields(description, precedence, role_arn),
    )


def update(
    before: Group,
    *,
    description: str,
    precedence: int | None,
    role_arn: str,
    actor: Actor,
    reason: str = "",
) -> GroupResult:
    """UpdateGroup, audited as ``update_group`` with the names of the fields that changed."""
    wanted = {"description": description, "precedence": precedence, "role_arn": role_arn}
    changed = [field for field, value in wanted.items() if getattr(before, field) != value]

    def matches(now: Group | None) -> bool:
        return now is not None and all(getattr(now, field) == value for field, value in wanted.items())

    return _write(
        "update_group",
        before.name,
        lambda: get_idp().update_group(
            before.name, description=description, precedence=precedence, role_arn=role_arn
        ),
        matches,
        actor=actor,
        reason=reason,
        detail="changed: " + (", ".join(changed) or "nothing"),
    )


def delete(name: str, *, members: str, actor: Actor, reason: str = "") -> GroupResult:
    """DeleteGroup, audited as ``delete_group`` (``members``: how many lost it, as counted before)."""
    if is_role_group(name):
        raise ValueError(
            _("The group “%(group)s” gives portal roles: it cannot be deleted here.") % {"group": name}
        )
    return _write(
        "delete_group",
        name,
        lambda: get_idp().delete_group(name),
        lambda now: now is None,
        actor=actor,
        reason=reason,
        detail=f"members: {members}",
    )
