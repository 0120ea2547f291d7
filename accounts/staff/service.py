"""Running a staff action: ``attempt()`` is the one way the pages, the bulk actions and the command act.

``attempt(action, user, actor=…)`` resolves the target to its verified canonical username and sub, applies
the portal's own rules (``StaffAction.refused``: the role guard), runs the action's writes (``outcomes``),
ends the user's portal sessions for lock-outs whatever Cognito answered, keeps the mirror user in step, and
writes exactly one ``AuditEvent``. ``perform()`` is the same for scripts: it raises when the action failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from accounts import audit, roles
from accounts.cognito import errors, get_idp
from accounts.cognito.types import CognitoUser
from accounts.models import AuditEvent, RememberedDevice, User
from accounts.sessions import end_sessions
from accounts.staff import registry, selectors
from accounts.staff.outcomes import ActionContext, Outcome, OutcomeUnknown, Step
from accounts.staff.registry import Actor, StaffAction

logger = logging.getLogger(__name__)

AUDIT_OUTCOME = {
    Outcome.DONE: AuditEvent.Outcome.SUCCESS,
    Outcome.FAILED: AuditEvent.Outcome.FAILURE,
    Outcome.UNKNOWN: AuditEvent.Outcome.UNKNOWN,
}


class ActionRefused(PermissionDenied):
    """The portal's own rules refuse the action (e.g. a staff member changing their own groups).

    The message is user-safe and says what to do instead; the refusal is audited as a failure.
    """


def _checked(action: str, params: dict[str, Any]) -> StaffAction:
    try:
        spec = registry.get(action)
    except KeyError:
        names = ", ".join(a.name for a in registry.all_actions())
        raise ValueError(f"Unknown action {action!r}; choose one of {names}.") from None
    if spec.parameter and not params.get(spec.parameter):
        raise ValueError(f"The action {action!r} needs {spec.parameter}=.")
    unexpected = set(params) - ({spec.parameter} if spec.parameter else set())
    if unexpected:
        raise ValueError(f"The action {action!r} does not take {', '.join(sorted(unexpected))}.")
    return spec


def mirror_of(sub: str, username: str) -> User | None:
    """The portal's mirror user of a Cognito user: by sub, else a row with that username and no sub yet."""
    model = get_user_model()
    if sub:
        found = model.objects.filter(cognito_sub=sub).first()
        if found is not None:
            return found
    return (
        model.objects.filter(username=username)
        .filter(Q(cognito_sub__isnull=True) | Q(cognito_sub=""))
        .first()
    )


def _detail(spec: StaffAction, params: dict[str, str], context: ActionContext | None, extra: str = "") -> str:
    """Parameter names and values (never attribute values; a device by its name, then its key), then the
    steps when they are worth telling."""
    parts = []
    if context is not None and context.parameter_name and spec.parameter:
        # How staff know it first (device=Firefox on a laptop), the value after (device_key=…).
        parts.append(f"{spec.parameter.removesuffix('_key')}={context.parameter_name}")
    if (
        spec.parameter
        and spec.parameter in params
        and not (spec.parameter_is_attribute or spec.parameter_is_secret)
    ):
        parts.append(f"{spec.parameter}={params[spec.parameter]}")
    if context is not None:
        if not context.plain:
            parts.extend(step.describe() for step in context.steps)
        parts.extend(context.notes)
    if extra:
        parts.append(extra)
    return "; ".join(parts)


def _parameter(spec: StaffAction, params: dict[str, str]) -> str:
    """The parameter as messages may show it: never a secret (a password)."""
    if not spec.parameter or spec.parameter_is_secret:
        return ""
    return params.get(spec.parameter, "")


def _after(spec: StaffAction, context: ActionContext, outcome: Outcome, mirror: User | None) -> None:
    """Bring the portal's own records in step with what was (or may have been) done in Cognito."""
    if mirror is None or (outcome is Outcome.FAILED and not context.changed_anything):
        return
    if spec.name == "forget_device":
        RememberedDevice.objects.filter(user=mirror, device_key=context.params["device_key"]).delete()
    elif spec.name in {"forget_all_devices", "reset_mfa", "delete"}:
        RememberedDevice.objects.filter(user=mirror).delete()
    if spec.name in {"add_to_group", "remove_from_group"} and roles.is_role_group(context.params["group"]):
        # The mirror's roles follow at once (not at their next token refresh).
        try:
            roles.apply_groups(mirror, [group.name for group in context.current_groups()])
        except errors.CognitoError:
            # Could not read the groups back: take every role away until the next check re-applies them.
            roles.apply_groups(mirror, [])


@dataclass(frozen=True)
class ActionResult:
    """What became of one action: the audit row, the outcome and, when it failed, why.

    ``error`` is Cognito's failure (its ``outcome_unknown`` is False once a read-back proved nothing
    changed); ``refusal`` the portal's own rule that refused it, with ``instead`` naming the action that
    fits the user instead when that is why; ``partial`` is True when some writes took (or may have taken)
    effect before the failure; ``user`` is the target as read before acting.
    """

    event: AuditEvent
    outcome: Outcome
    error: errors.CognitoError | None = None
    refusal: str = ""
    partial: bool = False
    user: CognitoUser | None = None
    steps: tuple[Step, ...] = ()
    parameter: str = ""
    instead: str = ""

    @property
    def done(self) -> bool:
        return self.outcome is Outcome.DONE


def _role_holder_refusal(actor: Actor, username: str) -> str | None:
    """``roles.target_refusal`` for a non-superuser staff member: reads the target's groups (one call)."""
    if actor.user is None or actor.user.is_superuser:
        return None
    try:
        groups = [group.name for group in get_idp().admin_list_groups_for_user(username)]
    except errors.UserNotFound:
        return None  # the action itself will say the user is gone
    return roles.target_refusal(actor.user, target_groups=groups)


def refusal(spec: StaffAction, user: CognitoUser, *, actor: Actor, params: dict[str, str]) -> str | None:
    """Why the portal's own rules refuse ``spec`` on ``user`` for ``actor`` (None: they do not): the
    action's rule (group memberships), then the role-holder rule (for non-superusers: one
    AdminListGroupsForUser call). The pages ask it before showing a form, so a GET and a POST refuse alike."""
    return spec.refused(actor, user, params) or _role_holder_refusal(actor, user.username)


def _refused(
    spec: StaffAction, before: CognitoUser, *, actor: Actor, reason: str, params: dict[str, str]
) -> ActionResult | None:
    """The refusal of ``spec`` on ``before``, audited (a failure), or None when the portal does not refuse.

    An action that does not fit the user, where another does (``StaffAction.instead``), is refused too,
    with ``instead`` naming the other action.
    """
    # The user's state (audit-trail reads for some) only for actions that name another one instead, and
    # the refusal (maybe a Cognito call) only when no other action was named.
    instead = spec.alternative(selectors.user_state(before)) if spec.instead else None
    if instead:
        refused = spec.instead_message(instead, selectors.staff_label(before))
    else:
        refused = refusal(spec, before, actor=actor, params=params)
    if not refused:
        return None
    event = audit.record(
        spec.name,
        target_name(before),
        outcome=AuditEvent.Outcome.FAILURE,
        target_sub=before.sub,
        detail=_detail(spec, params, None, f"refused: {refused}"),
        actor=actor.user,
        actor_label=actor.label,
        actor_ip=actor.ip,
        reason=reason,
    )
    return ActionResult(
        event,
        Outcome.FAILED,
        refusal=refused,
        user=before,
        parameter=_parameter(spec, params),
        instead=instead or "",
    )


def target_name(user: CognitoUser) -> str:
    """The name an audit row keeps for its target (``target_username``): the username, or where that is a
    generated id (email-as-username pools) the person's email or preferred username, recorded now so the
    row still reads well after the user changes or is deleted. The row keeps the sub beside it."""
    return selectors.staff_label(user)


def refuse(
    action: str, user: CognitoUser, *, actor: Actor, reason: str = "", **params: Any
) -> ActionResult | None:
    """Audit and return the portal's refusal of ``action`` on ``user`` without acting, or None when the
    portal does not refuse it (then ``attempt`` runs it). For pages that refuse before their form is
    valid (a refused POST is audited, as ``attempt`` would)."""
    spec = registry.get(action)
    return _refused(
        spec, user, actor=actor, reason=reason, params={k: str(v) for k, v in params.items() if v}
    )


def attempt(
    action: str, user: str | CognitoUser, *, actor: Actor, reason: str = "", **params: Any
) -> ActionResult:
    """Run one staff action on one Cognito user and audit it (exactly one ``AuditEvent``).

    ``user`` is a verified ``CognitoUser`` (the pages resolve subs themselves) or a username, alias or sub
    (``selectors.find_user``); for ``invite`` it is the new username. ``params`` carries the action's
    parameter (``device_key``, ``group`` or ``email``). Raises ``ValueError`` for an unknown action or
    wrong parameters, before any call and with nothing audited; every other outcome is in the result.
    """
    spec = _checked(action, params)
    params = {name: str(value) for name, value in params.items()}
    common = {"actor": actor.user, "actor_label": actor.label, "actor_ip": actor.ip, "reason": reason}

    if spec.creates_user:
        username, sub, before, target = str(user), "", None, str(user)
    else:
        try:
            before = user if isinstance(user, CognitoUser) else selectors.find_user(str(user))
        except errors.CognitoError as exc:
            event = audit.record(
                action,
                str(user),
                outcome=AuditEvent.Outcome.FAILURE,
                detail=_detail(spec, params, None, f"{exc.code or type(exc).__name__}: {exc.aws_message}"),
                aws_request_id=exc.request_id,
                **common,
            )
            return ActionResult(event, Outcome.FAILED, error=exc, parameter=_parameter(spec, params))
        username, sub, target = before.username, before.sub, target_name(before)
        refused = _refused(spec, before, actor=actor, reason=reason, params=params)
        if refused is not None:
            return refused

    context = ActionContext(action=action, username=username, sub=sub, before=before, params=params)
    mirror = mirror_of(sub, username) if not spec.creates_user else None
    failure: errors.CognitoError | None = None
    try:
        spec.run(context)
    except OutcomeUnknown:
        pass
    except errors.CognitoError as exc:
        failure = exc
    finally:
        if spec.locks_out:
            # Whatever Cognito answered: a lock-out must not leave the portal session behind.
            end_sessions(mirror)
    if context.created is not None:
        sub, target = context.created.sub, target_name(context.created)
        selectors.remember([context.created])
    outcome = context.outcome if failure is None else Outcome.FAILED
    _after(spec, context, outcome, mirror)
    if (spec.creates_user or spec.name == "delete") and context.changed_anything:
        selectors.forget_estimate()  # the pool's size changed (or may have): read the estimate again
    extra = ""
    if failure is not None and not context.steps:
        extra = f"{failure.code or type(failure).__name__}: {failure.aws_message}"
    event = audit.record(
        action,
        target,
        outcome=AUDIT_OUTCOME[outcome],
        target_sub=sub,
        detail=_detail(spec, params, context, extra),
        aws_request_id=context.request_id or (failure.request_id if failure else ""),
        **common,
    )
    return ActionResult(
        event,
        outcome,
        error=failure,
        partial=failure is not None and context.changed_anything,
        user=context.created or before,
        steps=tuple(context.steps),
        parameter=context.parameter_name or _parameter(spec, params),
    )


def perform(
    action: str, user: str | CognitoUser, *, actor: Actor, reason: str = "", **params: Any
) -> AuditEvent:
    """``attempt()`` for scripts and shells: returns the audit row when the outcome is ``success`` or
    ``unknown`` (see ``event.outcome``); raises the ``CognitoError`` or ``ActionRefused`` when it failed."""
    result = attempt(action, user, actor=actor, reason=reason, **params)
    if result.refusal:
        raise ActionRefused(result.refusal)
    if result.error is not None:
        raise result.error
    return result.event
