"""Run localcognito alone in the foreground: ``python -m localcognito --port 9229 [--state FILE]``."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from .persistence import StateFileError
from .server import LocalCognitoServer


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # the same clean stop as Ctrl-C: the state file gets its last write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localcognito", description="A local Amazon Cognito user pool."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9229, help="port to listen on (default 9229)")
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep pools, users, codes, TOTP secrets and devices in FILE across restarts "
        "(default: memory only)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    try:
        server = LocalCognitoServer(
            host=args.host, port=args.port, verbose=not args.quiet, state_file=args.state
        )
    except StateFileError as exc:
        print(f"localcognito: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    where = f"state: {args.state}" if args.state else "state in memory"
    print(
        f"localcognito listening on http://{args.host}:{args.port}  (outbox: /_local/outbox; {where})",
        flush=True,
    )
    try:
        server.serve_forever()
    except StateFileError as exc:
        print(f"localcognito: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("localcognito stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
