"""Run localcognito alone in the foreground: ``python -m localcognito --port 9229``."""

from __future__ import annotations

import argparse
import sys

from .server import LocalCognitoServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localcognito", description="A local Amazon Cognito user pool."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9229, help="port to listen on (default 9229)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    server = LocalCognitoServer(host=args.host, port=args.port, verbose=not args.quiet)
    print(f"localcognito listening on http://{args.host}:{args.port}  (outbox: /_local/outbox)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("localcognito stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
