"""Fault injection rules set through POST /_local/faults: errors, delays and dropped connections."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

ALLOWED_KEYS = {"operation", "error", "message", "status", "delay", "drop", "count"}


@dataclass
class Fault:
    operation: str
    error: str | None = None
    message: str | None = None
    status: int = 400
    delay: float = 0.0
    drop: bool = False
    count: int | None = 1  # None = until cleared

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_fault(data: Any) -> Fault:
    """Validate a control request body; ValueError carries the reason for the 400 answer."""
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    unknown = set(data) - ALLOWED_KEYS
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    operation = data.get("operation")
    if not isinstance(operation, str) or not operation.strip():
        raise ValueError("'operation' must be an operation name such as 'ListUsers' (or '*')")
    error = data.get("error")
    if error is not None and (not isinstance(error, str) or not error.isidentifier()):
        raise ValueError("'error' must be an error code such as 'TooManyRequestsException', or null")
    message = data.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError("'message' must be a string")
    status = data.get("status", 500 if error == "InternalErrorException" else 400)
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError("'status' must be an HTTP error status (400-599)")
    delay = data.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 60:
        raise ValueError("'delay' must be a number of seconds between 0 and 60")
    drop = data.get("drop", False)
    if not isinstance(drop, bool):
        raise ValueError("'drop' must be true or false")
    count = data.get("count", 1)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError("'count' must be a positive integer, or null for 'until cleared'")
    if error is None and not drop and not delay:
        raise ValueError("a fault needs at least one of 'error', 'delay' or 'drop'")
    return Fault(operation.strip(), error, message, status, float(delay), drop, count)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def __bool__(self) -> bool:
        return bool(self._rules)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def take(self, operation: str) -> Fault | None:
        """The first rule matching this call, consuming one of its counts."""
        with self._lock:
            for rule in self._rules:
                if rule.operation in (operation, "*"):
                    if rule.count is not None:
                        rule.count -= 1
                        if rule.count <= 0:
                            self._rules.remove(rule)
                    return rule
        return None
