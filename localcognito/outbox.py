"""The local outbox: every code or temporary password localcognito would have e-mailed, oldest first."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any


class Outbox:
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
