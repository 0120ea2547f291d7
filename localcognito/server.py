"""LocalCognitoServer: moto's server app behind a WSGI layer that adds what moto lacks; /_local/ controls."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from . import accounts, attributes, auth, devices, events, identity, mfa, users
from . import moto_adapter as moto
from .core import Ext, Request, Settings
from .errors import CognitoError
from .faults import Fault, Faults, parse_fault
from .wire import TARGET_PREFIX, Forward, MotoWire

log = logging.getLogger("localcognito")
Handler = Callable[[Ext, Request], Any]
# events.recording: sign-in operations also log their events; AdminListUserAuthEvents serves them.
HANDLERS: dict[str, Handler] = events.recording(
    {
        **identity.OPERATIONS,
        **accounts.OPERATIONS,
        **users.OPERATIONS,
        **attributes.OPERATIONS,
        **auth.OPERATIONS,
        **mfa.OPERATIONS,
        **devices.OPERATIONS,
    }
)
JSON_HEADERS = [("Content-Type", "application/x-amz-json-1.1")]


def _region(environ: dict[str, Any]) -> str:
    auth_header = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return auth_header.split("Credential=", 1)[1].split("/")[2]
    except IndexError:
        return "us-east-1"


def _client_ip(environ: dict[str, Any]) -> str:
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    return forwarded.split(",")[0].strip() if forwarded else environ.get("REMOTE_ADDR", "")


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


class LocalCognitoApp:
    """The WSGI middleware: control endpoints, faults, localcognito's operations, then moto for the rest."""

    def __init__(self, moto_app: DomainDispatcherApplication, ext: Ext, faults: Faults) -> None:
        self.moto_app = moto_app
        self.ext = ext
        self.faults = faults

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target is not None and target.startswith(TARGET_PREFIX):
            operation = target[len(TARGET_PREFIX) :]
            if self.faults:
                fault = self.faults.take(operation)
                if fault is not None:
                    early = self.apply_fault(fault, operation, environ, start_response)
                    if early is not None:
                        return early
            handler = HANDLERS.get(operation)
            if handler is not None:
                return self.handle(operation, handler, environ, start_response)
            return self.moto_app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_local"):
            return self.control(path, environ, start_response)
        if path.startswith("/moto-api/reset"):
            self.ext.reset()
            self.faults.clear()
        return self.moto_app(environ, start_response)

    # ---- Cognito operations --------------------------------------------------------------------
    def handle(
        self, operation: str, handler: Handler, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        raw = _read_body(environ)
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            return self.reply(
                start_response, 400, CognitoError("SerializationException", "Malformed JSON").body()
            )
        request = Request(operation, body, _region(environ), _client_ip(environ))
        try:
            with self.ext.lock:
                result = handler(self.ext, request)
        except CognitoError as error:
            return self.reply(start_response, error.status, error.body())
        except Exception:
            log.exception("localcognito failed on %s", operation)
            error = CognitoError("InternalErrorException", f"localcognito failed on {operation}", 500)
            return self.reply(start_response, 500, error.body())
        if isinstance(result, Forward):
            environ["wsgi.input"] = io.BytesIO(result.body)
            environ["CONTENT_LENGTH"] = str(len(result.body))
            return self.moto_app(environ, start_response)
        return self.reply(start_response, 200, json.dumps(result).encode())

    @staticmethod
    def reply(
        start_response: Callable[..., Any], status: int, body: bytes, content_type: str = JSON_HEADERS[0][1]
    ) -> list[bytes]:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
        start_response(
            f"{status} {reason}",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ],
        )
        return [body]

    def apply_fault(
        self, fault: Fault, operation: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes] | None:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            # Raised as a dropped connection, which werkzeug hands to connection_dropped() quietly.
            raise ConnectionResetError("connection dropped by a localcognito fault")
        if fault.error:
            message = fault.message or f"Fault injected by localcognito for {operation}"
            return self.reply(start_response, fault.status, CognitoError(fault.error, message).body())
        return None

    # ---- control endpoints ---------------------------------------------------------------------
    def control(self, path: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        route = path.rstrip("/")
        try:
            status, payload = self.route(method, route, environ)
        except ValueError as error:
            status, payload = 400, {"error": str(error)}
        return self.reply(start_response, status, json.dumps(payload).encode(), "application/json")

    def route(self, method: str, route: str, environ: dict[str, Any]) -> tuple[int, Any]:
        if route == "/_local/outbox" and method == "GET":
            return 200, self.ext.outbox.messages()
        if route == "/_local/config" and method == "GET":
            return self.config(environ)
        if route == "/_local/reset" and method == "POST":
            self.reset()
            return 200, {"status": "reset"}
        if route == "/_local/faults":
            if method == "GET":
                return 200, self.faults.rules()
            if method == "DELETE":
                self.faults.clear()
                return 200, {"faults": []}
            if method == "POST":
                try:
                    data = json.loads(_read_body(environ) or b"null")
                except ValueError as exc:
                    raise ValueError("body is not valid JSON") from exc
                if isinstance(data, dict) and data.get("clear") is True and len(data) == 1:
                    self.faults.clear()
                else:
                    self.faults.add(parse_fault(data))
                return 200, {"faults": self.faults.rules()}
        raise ValueError(f"unknown control request: {method} {route}")

    def config(self, environ: dict[str, Any]) -> tuple[int, Any]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        wanted = query.get("pool_name", [None])[0]
        unknown = set(query) - {"pool_name"}
        if unknown:
            raise ValueError(f"unknown query parameters: {', '.join(sorted(unknown))}")
        pools = [p for p in moto.list_pools() if wanted is None or p.name == wanted]
        if not pools:
            reason = f"no user pool named {wanted!r}" if wanted else "no user pool exists yet"
            return 404, {"error": reason}
        pool = pools[0]
        if not pool.client_ids:
            return 404, {"error": f"user pool {pool.pool_id} has no app client"}
        client = moto.client_info(pool.client_ids[0])
        assert client is not None
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        return 200, {
            "pool_id": pool.pool_id,
            "client_id": client.client_id,
            "client_secret": client.secret or "",
            "region": pool.region,
            "endpoint_url": f"http://{host}",
        }

    def reset(self) -> None:
        with self.ext.lock:
            environ = MotoWire.environ("ListUserPools", "us-east-1", b"")
            environ.update({"PATH_INFO": "/moto-api/reset", "HTTP_X_AMZ_TARGET": ""})
            del environ["HTTP_X_AMZ_TARGET"]
            MotoWire(self.moto_app).raw(environ)
            self.ext.reset()
            self.faults.clear()


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
    ) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        self.moto_app = DomainDispatcherApplication(create_backend_app)
        self.ext = Ext(MotoWire(self.moto_app), settings)
        self.faults = Faults()
        self.app = LocalCognitoApp(self.moto_app, self.ext, self.faults)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

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

    def start(self) -> None:
        handler = _VerboseHandler if self.verbose else _QuietHandler
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="localcognito", daemon=True)
        self._thread.start()
        # moto builds its cognito-idp app lazily (~0.25 s): pay that now, not in the first request.
        self.ext.wire.call("ListUserPools", "us-east-1", {"MaxResults": 1})

    def serve_forever(self) -> None:
        """Run in the calling thread (used by ``python -m localcognito``)."""
        handler = _VerboseHandler if self.verbose else _QuietHandler
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)
        self._server.serve_forever()

    def reset(self) -> None:
        self.app.reset()

    def snapshot(self) -> Snapshot:
        """An in-memory copy of everything the server holds (moto's store and localcognito's own)."""
        with self.ext.lock:
            return Snapshot(moto.snapshot_store(), copy.deepcopy(self.ext.state), self.ext.outbox.messages())

    def restore(self, snapshot: Snapshot) -> None:
        """Put the server back to ``snapshot`` (reusable: the snapshot itself is never modified).

        Far cheaper than reset + bootstrap (well under a millisecond for a small pool), which is what the
        test fixtures use it for. Faults are cleared, as with ``reset()``.
        """
        with self.ext.lock:
            moto.restore_store(snapshot.store)
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

    def __enter__(self) -> LocalCognitoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
