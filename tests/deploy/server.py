"""Run the README's deployment recipe, and talk HTTP to the gunicorn it starts (loopback only)."""

from __future__ import annotations

import http.client
import os
import queue
import re
import shlex
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RECIPE_MARK = "<!-- deployment recipe: tests/deploy runs exactly these lines -->"
HOST = "portal.example.com"


@dataclass(frozen=True)
class Recipe:
    """The README's deployment block: the variables it exports and the commands it runs, in order."""

    exported: tuple[str, ...]
    commands: tuple[tuple[str, ...], ...]


def readme_recipe() -> Recipe:
    text = README.read_text()
    opening = text.index("```sh\n", text.index(RECIPE_MARK)) + len("```sh\n")
    block = text[opening : text.index("\n```", opening)]
    exported: list[str] = []
    commands: list[tuple[str, ...]] = []
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if line.startswith("export "):
            exported += re.findall(r"\b([A-Z][A-Z0-9_]*)=", line)
        elif line.startswith(".venv/bin/"):
            commands.append(tuple(shlex.split(line)))
    return Recipe(tuple(exported), tuple(commands))


def resolve(command: tuple[str, ...]) -> list[str]:
    """``.venv/bin/X`` is the running interpreter's ``X`` (the same venv, wherever it lives)."""
    program = command[0].removeprefix(".venv/bin/")
    return [str(Path(sys.executable).parent / program), *command[1:]]


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any portal setting, plus ``extra``."""
    prefixes = ("DJANGO_", "COGNITO_", "DATABASE_", "CACHE_", "LOCAL_", "GUNICORN_", "WEB_CONCURRENCY")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(prefixes)}, **extra}


def run(command: tuple[str, ...], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(resolve(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def cookies(self) -> dict[str, str]:
        """Set-Cookie lines by cookie name (the whole line, attributes included)."""
        lines = self.headers.get_all("Set-Cookie") or []
        return {line.split("=", 1)[0]: line for line in lines}


@dataclass
class Server:
    """A gunicorn started from the recipe's last line, listening on a free loopback port."""

    process: subprocess.Popen
    port: int
    log: list[str] = field(default_factory=list)

    def request(
        self, method: str, path: str, *, https: bool = True, body: str = "", headers: dict | None = None
    ) -> Response:
        sent = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})}
        if body:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=sent)
            reply = connection.getresponse()
            return Response(reply.status, reply.headers, reply.read().decode(errors="replace"))
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(command: tuple[str, ...], env: dict[str, str]) -> Server:
    """Start gunicorn with GUNICORN_BIND=127.0.0.1:0 and wait for the port it reports."""
    process = subprocess.Popen(
        resolve(command),
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": "127.0.0.1:0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    server = Server(process, 0)

    def read() -> None:
        for line in process.stderr:
            server.log.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            server.stop()
            log = "".join(server.log)
            raise RuntimeError(f"gunicorn did not report a port within 60 s:\n{log}") from None
        if line is None:
            process.wait(timeout=30)
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n" + "".join(server.log))
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if found:
            server.port = int(found[1])
            return server
