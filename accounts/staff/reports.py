"""What to tell the person about an action's outcome, in the same words on the pages and in the command."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.cognito import errors
from accounts.management.cli import operation_name
from accounts.staff.outcomes import Outcome
from accounts.staff.registry import StaffAction
from accounts.staff.service import ActionResult


@dataclass(frozen=True)
class Report:
    """``level`` is "success", "warning" or "error" (the admin's message levels); ``text`` is the message."""

    level: str
    text: str


def unavailable(exc: errors.CognitoUnavailable) -> str:
    """Cognito could not be asked (or answered with a failure and nothing changed): try again later."""
    return _(
        "Cognito is busy or unreachable right now (%(operation)s: %(code)s). "
        "Nothing was changed by this page; please try again in a minute."
    ) % {"operation": exc.operation or "Cognito", "code": exc.code or exc.__class__.__name__}


def cognito_said(exc: errors.CognitoError) -> str:
    """The user-safe message plus Cognito's own words (staff need them to act; rendered escaped)."""
    if exc.aws_message and exc.aws_message != exc.code:
        return _("%(message)s (Cognito: %(detail)s)") % {
            "message": exc.user_message,
            "detail": exc.aws_message,
        }
    return str(exc.user_message)


def _steps(result: ActionResult, outcome: Outcome) -> str:
    return ", ".join(step.label for step in result.steps if step.outcome is outcome) or "—"


def _failed_part(result: ActionResult) -> str:
    """The write that failed or, when a read between writes failed (listing the devices), that read."""
    if any(step.outcome is Outcome.FAILED for step in result.steps):
        return _steps(result, Outcome.FAILED)
    return operation_name(result.error.operation) if result.error else "—"


def report(result: ActionResult, action: StaffAction, name: str, *, parameter: str | None = None) -> Report:
    """The message for ``result`` of ``action`` on the user staff know as ``name``; ``parameter`` is the
    action's parameter as staff know it (a device's name rather than its key) when it differs."""
    values = {"username": name, "parameter": result.parameter if parameter is None else parameter}
    sessions = _(" Their portal sessions were ended anyway.") if action.locks_out else ""
    if result.refusal:
        return Report("error", result.refusal)
    if result.outcome is Outcome.DONE:
        text = str(action.success % values)
        if any(step.how == "read back" for step in result.steps):
            text += " " + _("(Cognito's answer was lost; reading %(username)s back confirmed it.)") % values
        return Report("success", text)
    if result.outcome is Outcome.UNKNOWN:
        if action.sends_message:
            hint = _("It was not sent again: ask them whether the message arrived before sending another.")
        else:
            hint = _("Open the user again in a minute to see; trying again is safe.")
        return Report(
            "warning",
            _(
                "%(action)s: Cognito did not answer in time (%(steps)s), and reading %(username)s back "
                "could not tell whether it took effect; it may still happen. %(hint)s"
            )
            % {**values, "action": action.label, "steps": _steps(result, Outcome.UNKNOWN), "hint": hint}
            + sessions,
        )
    error = result.error
    if result.partial:
        return Report(
            "error",
            _(
                "%(action)s was not finished for %(username)s. Done: %(done)s. Failed: %(failed)s. "
                "Run it again to finish."
            )
            % {
                **values,
                "action": action.label,
                "done": _steps(result, Outcome.DONE),
                "failed": _failed_part(result),
            }
            + sessions,
        )
    if isinstance(error, errors.CognitoUnavailable):
        text = unavailable(error)
        if any(step.how == "read back" for step in result.steps):
            text = _(
                "Cognito failed on %(operation)s (%(code)s), and reading %(username)s back shows nothing was "
                "changed. Please try again in a minute."
            ) % {**values, "operation": error.operation or "Cognito", "code": error.code}
        return Report("error", text + (sessions if result.steps else ""))
    if error is not None:
        return Report("error", cognito_said(error))
    return Report("error", _("%(action)s failed.") % {"action": action.label})
