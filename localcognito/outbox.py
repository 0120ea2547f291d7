"""The local outbox: every code or temporary password localcognito would have e-mailed, oldest first."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

# Every message has these (strings); "code" or "temporary_password" may be added (strings too).
FIELDS = ("username", "destination", "kind", "pool_id", "time")
OPTIONAL_FIELDS = ("code", "temporary_password")


def check_messages(messages: Any) -> None:
    """ValueError (one line) unless ``messages`` is a list of messages as ``Outbox.deliver`` writes them."""
    if not isinstance(messages, list):
        raise ValueError("the outbox is not a list of messages")
    for message in messages:
        if (
            not isinstance(message, dict)
            or not all(isinstance(message.get(name), str) for name in FIELDS)
            or not all(isinstance(message.get(name, ""), str) for name in OPTIONAL_FIELDS)
        ):
            raise ValueError("the outbox holds something that is not a message")


class Outbox:
    """Every message localcognito would have sent, oldest first, as dicts (see ``deliver``); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []

    def deliver(
        self,
        *,
        kind: str,
        pool_id: str,
        username: str,
        destination: str,
        code: str | None = None,
        temporary_password: str | None = None,
        when: float,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "username": username,
            "destination": destination,
            "kind": kind,
            "pool_id": pool_id,
            "time": datetime.fromtimestamp(when, UTC).isoformat(),
        }
        if code is not None:
            message["code"] = code
        if temporary_password is not None:
            message["temporary_password"] = temporary_password
        with self._lock:
            self._messages.append(message)
        return message

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._messages]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def replace(self, messages: list[dict[str, Any]]) -> None:
        with self._lock:
            self._messages = [dict(m) for m in messages]
