"""In-process client for moto's Cognito wire API: X-Amz-Target JSON requests to moto's own WSGI app."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from .errors import CognitoError

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Forward:
    """Handler result meaning: send this request body on to moto and relay its answer untouched."""

    def __init__(self, body: bytes) -> None:
        self.body = body


class MotoWire:
    """Calls moto through WSGI (no socket), signed so moto routes to cognito-idp in the right region."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def raw(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], body

    def call(self, operation: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params).encode()
        status, _, payload = self.raw(self.environ(operation, region, body))
        data = json.loads(payload) if payload else {}
        if status >= 400:
            code = str(data.get("__type", "InternalErrorException")).rsplit("#", 1)[-1]
            raise CognitoError(code, data.get("message") or data.get("Message") or "", status)
        return data

    @staticmethod
    def environ(operation: str, region: str, body: bytes) -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/",
            "QUERY_STRING": "",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost",
            "CONTENT_TYPE": "application/x-amz-json-1.1",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": TARGET_PREFIX + operation,
            "HTTP_AUTHORIZATION": (
                f"AWS4-HMAC-SHA256 Credential=localcognito/20240101/{region}/cognito-idp/aws4_request, "
                "SignedHeaders=host;x-amz-target, Signature=0"
            ),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
