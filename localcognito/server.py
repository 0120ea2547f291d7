"""LocalCognitoServer: moto's server app behind a WSGI layer that adds what moto lacks; /_local/ controls."""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from . import moto_store, refresh
from .app import LocalCognitoApp
from .core import Ext, Settings
from .faults import Faults
from .outbox import check_messages
from .persistence import StateFile, StateFileError, checked_state, without_sessions
from .wire import MotoWire


class _QuietHandler(MotoRequestHandler):
    """moto's request handler without the per-request access log (the embedded server stays silent)."""

    verbose = False

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.verbose:
            super().log_request(code, size)

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        """An injected 'drop' fault closes the socket on purpose; nothing to report."""


class _VerboseHandler(_QuietHandler):
    verbose = True


@dataclass(frozen=True)
class Snapshot:
    """What ``LocalCognitoServer.snapshot()`` returns; opaque to callers."""

    store: dict[tuple[str, str], dict[str, Any]]
    state: Any
    outbox: list[dict[str, Any]]


class LocalCognitoServer:
    """A faithful local Cognito user-pool endpoint, served from a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
        settings: Settings | None = None,
        state_file: str | os.PathLike[str] | None = None,
    ) -> None:
        """``state_file``: keep the state in this file (loaded at start, saved after changes)."""
        self.host = host
        self.port = port
        self.verbose = verbose
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self.ext = Ext(MotoWire(self.moto_app), settings)
        self.faults = Faults()
        self.app = LocalCognitoApp(self.moto_app, self.ext, self.faults)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.state_file = StateFile(self, state_file) if state_file is not None else None

    @property
    def settings(self) -> Settings:
        return self.ext.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.ext.settings = value

    @property
    def clock(self) -> Callable[[], float]:
        return self.ext.clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        self.ext.clock = value

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _open_state(self) -> None:
        if self.state_file is not None:
            self.state_file.acquire()  # StateFileError: another localcognito keeps its state there
            self.state_file.load()
            self.app.on_change = self.state_file.changed
            self.state_file.start()

    def start(self) -> None:
        handler = _VerboseHandler if self.verbose else _QuietHandler
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)
        self._open_state()
        self._thread = threading.Thread(target=self._server.serve_forever, name="localcognito", daemon=True)
        self._thread.start()
        # moto builds its cognito-idp app lazily (~0.25 s): pay that now, not in the first request.
        self.ext.wire.call("ListUserPools", "us-east-1", {"MaxResults": 1})

    def serve_forever(self) -> None:
        """Run in the calling thread (used by ``python -m localcognito``); StateFileError when the state
        file is in use by another localcognito."""
        handler = _VerboseHandler if self.verbose else _QuietHandler
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)
        try:
            self._open_state()
        except StateFileError:
            self._server.server_close()
            raise
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            if self.state_file is not None:
                self.state_file.stop()

    def reset(self) -> None:
        """Forget every pool, user, code and fault (saved to the state file too, when there is one)."""
        self.app.reset()

    def state_payload(self) -> dict[str, Any]:
        """What the state file keeps (call with ``ext.lock`` held): moto's store, localcognito's, outbox."""
        return {
            "store": moto_store.live_store(),
            "state": without_sessions(self.ext.state),
            "outbox": self.ext.outbox.messages(),
        }

    def load_state(self, payload: dict[str, Any]) -> None:
        """Replace everything with a payload read from a state file (see ``state_payload``).

        Every part is checked first: StateFileError (one line), and nothing restored, when one is unusable.
        """
        missing = [part for part in ("store", "state", "outbox") if part not in payload]
        if missing:
            raise StateFileError(f"it has no {missing[0]}")
        try:
            moto_store.check_store(payload["store"])
            check_messages(payload["outbox"])
        except ValueError as exc:
            raise StateFileError(str(exc)) from None
        state = checked_state(payload["state"])
        with self.ext.lock:
            moto_store.restore_store(payload["store"], copy=False)
            self.ext.state = state
            self.ext.outbox.replace(payload["outbox"])
            refresh.adopt_unrecorded_tokens(self.ext)

    def prune_expired(self) -> int:
        """Drop expired tokens, codes and rate-limit times (call with ``ext.lock`` held); the count."""
        return refresh.prune_expired_tokens(self.ext)

    def snapshot(self) -> Snapshot:
        """An in-memory copy of everything the server holds (moto's store and localcognito's own)."""
        with self.ext.lock:
            state = copy.deepcopy(self.ext.state)
            return Snapshot(moto_store.snapshot_store(), state, self.ext.outbox.messages())

    def restore(self, snapshot: Snapshot) -> None:
        """Put the server back to ``snapshot`` (reusable: the snapshot itself is never modified).

        Far cheaper than reset + bootstrap (well under a millisecond for a small pool), which is what the
        test fixtures use it for. Faults are cleared, as with ``reset()``.
        """
        with self.ext.lock:
            moto_store.restore_store(snapshot.store)
            self.ext.state = copy.deepcopy(snapshot.state)
            self.ext.outbox.replace(snapshot.outbox)
            self.faults.clear()

    def outbox(self) -> list[dict[str, Any]]:
        return self.ext.outbox.messages()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        if self.state_file is not None:
            self.state_file.stop()

    def __enter__(self) -> LocalCognitoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
