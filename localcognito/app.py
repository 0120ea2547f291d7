"""The WSGI middleware in front of moto: control endpoints, faults, localcognito's operations, then moto."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from . import (
    accounts,
    attributes,
    auth,
    devices,
    events,
    failures,
    groups,
    identity,
    mfa,
    pool_settings,
    refresh,
    users,
)
from . import moto_adapter as moto
from .core import Ext, Request
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
        **refresh.OPERATIONS,
        **mfa.OPERATIONS,
        **devices.OPERATIONS,
        **pool_settings.OPERATIONS,
        **groups.OPERATIONS,
    }
)
JSON_HEADERS = [("Content-Type", "application/x-amz-json-1.1")]
HTTP_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}
# Operations that change nothing worth saving to the state file.
READ_ONLY_PREFIXES = ("Describe", "List", "AdminList", "AdminGet")
READ_ONLY = frozenset({"GetUser", "GetDevice", "GetGroup", "GetUserPoolMfaConfig", "GetSigningCertificate"})


def changes_state(operation: str) -> bool:
    """False for the operations that only read (Describe*, List*, AdminGet*, GetUser ...)."""
    return not (operation in READ_ONLY or operation.startswith(READ_ONLY_PREFIXES))


@functools.cache
def _api_operations() -> frozenset[str]:
    return frozenset(failures.service_model().operation_names)


def unsupported(operation: str) -> CognitoError:
    """The JSON error for an operation neither localcognito nor moto implements (or an unknown name)."""
    if operation not in _api_operations():
        return CognitoError("UnknownOperationException", f"Unknown operation {operation}")
    return CognitoError(
        "UnsupportedOperationException",
        f"localcognito does not implement {operation} (see the README's known differences from AWS).",
    )


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
        self.on_change: Callable[[], None] | None = None  # set when the state is saved to a file

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
            if self.on_change is not None and changes_state(operation):
                self.on_change()
            handler = HANDLERS.get(operation)
            if handler is not None:
                return self.handle(operation, handler, environ, start_response)
            if not moto.implements(operation):
                return self.reply(start_response, 400, unsupported(operation).body())
            return self.forward(operation, environ, start_response)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_local"):
            return self.control(path, environ, start_response)
        if path.startswith("/moto-api/reset"):
            self.ext.reset()
            self.faults.clear()
        return self.moto_app(environ, start_response)

    def forward(
        self, operation: str, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        """moto's answer, under the lock (moto is not thread-safe).

        A crash becomes the Cognito error for what the request got wrong (``failures.explain``: 400 for a
        missing parameter or an unknown pool, client or user), a 500 JSON body only when nothing explains
        it; error codes moto invents get Cognito's (``failures.relabel``).
        """
        raw = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        try:
            with self.ext.lock:
                status, headers, body = MotoWire(self.moto_app).raw(environ)
        except Exception:
            status, headers, body = 500, [], b""
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if status >= 500 and "json" not in content_type:
            with self.ext.lock:
                error = failures.explain(operation, raw)
            if error.status >= 500:
                log.error("moto failed on %s (HTTP %s)", operation, status)
            return self.reply(start_response, error.status, error.body())
        relabelled = failures.relabel(status, body)
        if relabelled is not None:
            return self.reply(start_response, status, relabelled)
        start_response(f"{status} {HTTP_REASONS.get(status, 'Error')}", headers)
        return [body]

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
            if not moto.implements(operation):  # never a crash (500) for what nothing here implements
                return self.reply(start_response, 400, unsupported(operation).body())
            environ["wsgi.input"] = io.BytesIO(result.body)
            environ["CONTENT_LENGTH"] = str(len(result.body))
            return self.forward(operation, environ, start_response)
        return self.reply(start_response, 200, json.dumps(result).encode())

    @staticmethod
    def reply(
        start_response: Callable[..., Any], status: int, body: bytes, content_type: str = JSON_HEADERS[0][1]
    ) -> list[bytes]:
        reason = HTTP_REASONS.get(status, "Error")
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
        if self.on_change is not None:
            self.on_change()
