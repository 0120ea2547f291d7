"""Outcomes of staff actions: every Cognito write is ``done``, ``failed`` or ``unknown``, and said so.

An action's callable makes each write through ``ActionContext.call``. When Cognito's answer is lost (a read
timeout, a dropped connection, a 5xx: ``CognitoUnavailable.outcome_unknown``), the write's *read-back* runs
(AdminGetUser, AdminListGroupsForUser, AdminListDevices …) and decides:

- the change is there → ``done``;
- the change is not there and Cognito *answered* with its error (a 5xx carries a request id) → ``failed``:
  nothing changed;
- the change is not there but Cognito never answered (timeout, drop: the request may still be in flight and
  apply later), or the read-back itself failed, or the write cannot be observed → ``unknown``.

Nothing is ever sent again automatically: a code or an invitation must not go out twice, and for the other
writes the person is told that trying again is safe.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.cognito import errors, get_idp
from accounts.cognito.types import CognitoUser, Device, Group

ReadBack = Callable[[], "bool | None"]


class Outcome(enum.StrEnum):
    """What became of a write, or of a whole action."""

    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Step:
    """One Cognito write of an action and what became of it (``how``: "answer" or "read back")."""

    label: str  # what was attempted, e.g. "AdminDisableUser" or "AdminForgetDevice (2 of 3)"
    outcome: Outcome
    how: str = "answer"
    code: str = ""  # Cognito's error code or the transport failure
    message: str = ""  # Cognito's own words (never an attribute value the portal sent)

    def describe(self) -> str:
        """One clause for the audit detail (operation names, error codes, no attribute values)."""
        if self.how == "answer":
            if self.outcome is Outcome.DONE:
                return f"{self.label}: done"
            return f"{self.label}: {self.code}: {self.message}".rstrip(": ")
        read = {Outcome.DONE: "done", Outcome.FAILED: "not applied", Outcome.UNKNOWN: "could not tell"}
        return f"{self.label}: no answer ({self.code}), read back: {read[self.outcome]}"


class OutcomeUnknown(Exception):
    """A write whose answer was lost and whose effect the read-back could not establish; the action stops."""

    def __init__(self, step: Step, cause: errors.CognitoError) -> None:
        super().__init__(step.describe())
        self.step = step
        self.cause = cause


@dataclass
class ActionContext:
    """What an action's callable works with: the verified target, its parameters, and ``call()``.

    ``before`` is the user as read just before the action (None for invite). ``steps`` records every
    write; ``request_id`` is the AWS request id of the last answered write; ``notes`` are extra clauses for
    the audit detail (counts, names of attributes set, never their values); ``parameter_name`` is how staff
    know the parameter when that differs from its value (a device's name, not its key).
    """

    action: str
    username: str
    sub: str
    before: CognitoUser | None
    params: dict[str, str]
    steps: list[Step] = field(default_factory=list)
    request_id: str = ""
    notes: list[str] = field(default_factory=list)
    created: CognitoUser | None = None  # the user an invitation created
    parameter_name: str = ""

    # -- writes ------------------------------------------------------------------------------------------
    def call(
        self,
        label: str,
        write: Callable[..., Any],
        *args: Any,
        read_back: ReadBack | None = None,
        **kwargs: Any,
    ) -> Any:
        """Make one Cognito write and settle its outcome; returns what ``write`` returned (None if read back).

        Raises the ``CognitoError`` when the write failed (with ``outcome_unknown`` cleared when the read-back
        proved nothing changed) and ``OutcomeUnknown`` when nobody can tell.
        """
        try:
            result = write(*args, **kwargs)
        except errors.CognitoUnavailable as exc:
            if not exc.outcome_unknown:
                self._record(Step(label, Outcome.FAILED, code=exc.code or type(exc).__name__))
                raise
            verdict = self._read(read_back)
            step = Step(
                label, self._settle(verdict, exc), how="read back", code=exc.code or type(exc).__name__
            )
            self.steps.append(step)
            if step.outcome is Outcome.DONE:
                return None
            if step.outcome is Outcome.FAILED:
                exc.outcome_unknown = False  # settled: reading back proved nothing changed
                raise
            raise OutcomeUnknown(step, exc) from exc
        except errors.CognitoError as exc:
            self._record(
                Step(label, Outcome.FAILED, code=exc.code or type(exc).__name__, message=exc.aws_message)
            )
            raise
        self._record(Step(label, Outcome.DONE))
        if isinstance(result, str) and result:
            self.request_id = result
        return result

    @staticmethod
    def _settle(verdict: bool | None, exc: errors.CognitoUnavailable) -> Outcome:
        if verdict is True:
            return Outcome.DONE
        if verdict is False and exc.request_id:
            # Cognito answered (a 5xx with its request id): it has finished with the request, and the
            # read-back shows it did not apply it.
            return Outcome.FAILED
        return Outcome.UNKNOWN

    @staticmethod
    def _read(read_back: ReadBack | None) -> bool | None:
        if read_back is None:
            return None
        try:
            return read_back()
        except errors.CognitoError:
            return None

    def _record(self, step: Step) -> None:
        self.steps.append(step)

    # -- read-backs --------------------------------------------------------------------------------------
    def current_user(self) -> CognitoUser | None:
        """AdminGetUser on the target now; None when the user no longer exists (or is another person)."""
        try:
            user = get_idp().admin_get_user(self.username)
        except errors.UserNotFound:
            return None
        if self.sub and user.sub != self.sub:
            return None
        return user

    def current_groups(self) -> list[Group]:
        """AdminListGroupsForUser on the target now."""
        return get_idp().admin_list_groups_for_user(self.username)

    def current_devices(self) -> list[Device]:
        """Every device of the target now (AdminListDevices, all pages)."""
        return get_idp().all_devices(username=self.username)

    # -- the result --------------------------------------------------------------------------------------
    @property
    def outcome(self) -> Outcome:
        """UNKNOWN if any write is, FAILED if any failed, DONE when every write was done."""
        outcomes = {step.outcome for step in self.steps}
        if Outcome.UNKNOWN in outcomes:
            return Outcome.UNKNOWN
        if Outcome.FAILED in outcomes:
            return Outcome.FAILED
        return Outcome.DONE

    @property
    def changed_anything(self) -> bool:
        """True when some write may have taken effect (done or unknown)."""
        return any(step.outcome is not Outcome.FAILED for step in self.steps)

    @property
    def plain(self) -> bool:
        """One write, answered and done: nothing about the steps is worth telling."""
        return (
            len(self.steps) == 1 and self.steps[0].how == "answer" and self.steps[0].outcome is Outcome.DONE
        )
