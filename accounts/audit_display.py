"""How the audit trail names people and groups on the pages: the identity rule's display names, never a
bare sub (audit list and detail, the admin index's "Recent actions", a user's "Audit history").

Rows keep the sub (the identity) beside a name. Rows written by the portal keep a human name as they are
written (``Actor.from_request``, ``service.target_name``: in email-as-username pools the username is a
generated id, so the email or preferred username is kept). Older rows, or names that are ids, are named
through the portal's mirror users (one query for a page of rows); failing that, as "user 9e41788c…". The
sub stays available as a title or a second line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.identity import looks_like_sub
from accounts.models import AuditEvent, User
from accounts.staff.formats import staff_time

GROUP_ACTIONS = frozenset({"create_group", "update_group", "delete_group"})  # the target is a group


@dataclass(frozen=True)
class Shown:
    """A name as the pages show it: ``text`` for people, ``sub`` (may be empty) for a title or second line,
    ``kind`` "user", "group", "many" (an export) or "" (no target)."""

    text: str
    sub: str = ""
    kind: str = "user"


def short_id(value: str) -> str:
    """A sub (or generated username) nobody could name: marked as an id and shortened, never shown bare."""
    return _("user %(id)s…") % {"id": value[:8]}


def _mirror_names(events: Iterable[AuditEvent]) -> dict[str, str]:
    """Display names of the mirror users behind the ids in ``events``, by sub and by username (one query)."""
    ids: set[str] = set()
    for event in events:
        values = (event.actor_label, event.target_sub, event.target_username)
        ids.update(value for value in values if looks_like_sub(value))
    if not ids:
        return {}
    names: dict[str, str] = {}
    for user in User.objects.filter(Q(cognito_sub__in=ids) | Q(username__in=ids)):
        shown = user.display_name
        if shown and not looks_like_sub(shown):
            names.update({key: shown for key in (user.cognito_sub, user.username) if key})
    return names


def actor_of(event: AuditEvent, names: dict[str, str] | None = None) -> Shown:
    """Who acted: the stored label (an operator, a staff member's name), or for a label that is an id the
    staff member's display name; with their sub when the portal knows it."""
    user = event.actor if event.actor_id else None
    sub = (user.cognito_sub or "") if user is not None else ""
    label = event.actor_label
    if not looks_like_sub(label):
        return Shown(label, sub)
    if user is not None and not looks_like_sub(user.display_name):
        return Shown(user.display_name, sub or label)
    names = _mirror_names([event]) if names is None else names
    return Shown(names.get(label) or names.get(sub) or short_id(label), sub or label)


def target_of(event: AuditEvent, names: dict[str, str] | None = None) -> Shown:
    """What was acted on: a group (by name), many users (an export), or a user by the name kept in the row,
    else their mirror's display name; with the sub."""
    target = event.target_username
    if event.action in GROUP_ACTIONS:
        return Shown(target, kind="group")
    if not target:
        return Shown(_("(many users)"), kind="many") if event.action == "export" else Shown("", kind="")
    sub = event.target_sub
    if not looks_like_sub(target):
        return Shown(target, sub)
    names = _mirror_names([event]) if names is None else names
    return Shown(names.get(sub) or names.get(target) or short_id(target), sub or target)


def annotate(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """``events`` as a list, each with ``actor_shown`` and ``target_shown`` (``Shown``) for templates."""
    rows = list(events)
    names = _mirror_names(rows)
    for event in rows:
        event.actor_shown = actor_of(event, names)
        event.target_shown = target_of(event, names)
    return rows


def title(event: AuditEvent) -> str:
    """One line naming the row (the detail page's title and breadcrumb): its time in the staff pages' one
    format with its zone, the action and the target; the actor is on the page once, below."""
    target = target_of(event)
    parts = [staff_time(event.created_at), event.action]
    if target.text:
        parts.append(_("group %(name)s") % {"name": target.text} if target.kind == "group" else target.text)
    return " · ".join(parts)
