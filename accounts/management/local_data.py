"""The local-data folder of ``make run`` (``runlocal``): what local mode keeps between two starts.

``.local/`` at the repository root, or LOCAL_DATA_DIR, holds, all mode 0600: ``localcognito-state.pickle``
(the pool, users, TOTP secrets, devices, outbox), ``portal.sqlite3`` (the portal's own database: sessions,
mirror users, audit trail — unless DATABASE_URL names another), ``staff.json`` (the staff password runlocal
generated, so the next start prints the same one), ``env`` (the variables another terminal's
``manage.py`` needs to use the local pool) and ``.lock``, which a running ``make run`` holds
(``lock_data_dir``) so that a second one cannot share the folder. Nothing here talks to Cognito, and
nothing here needs Django: ``python -m accounts.management.local_data --reset`` is what
``make reset-local`` runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import sys
from pathlib import Path

STATE_FILE = "localcognito-state.pickle"
STAFF_FILE = "staff.json"
DATABASE_FILE = "portal.sqlite3"
ENV_FILE = "env"
LOCK_FILE = ".lock"


class DataDirInUse(Exception):
    """Another process (a running ``make run`` or its local Cognito) holds the local-data folder's lock."""


def lock_data_dir(folder: Path) -> int:
    """Take the local-data folder's lock; returns its file descriptor, held until closed (or exit).

    An advisory ``flock`` on ``.lock`` in the folder (created mode 0700/0600): the kernel releases it when
    every process holding the descriptor has ended, crash or not, so a stale lock cannot outlive them.
    Pass the descriptor to a child (``pass_fds``) to keep the folder locked while the child lives.
    Raises DataDirInUse when another process holds it, OSError when the folder cannot be made.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DataDirInUse(str(folder)) from None
    return fd


def stop_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``).

    Local mode's processes use it so that none outlives the one that started it: ``make run`` stopped
    by a process manager gets SIGTERM in ``make``, which exits without passing it on; runlocal then stops
    its servers as for SIGTERM instead of leaving them orphaned, holding the ports and this folder. The
    setting survives ``exec`` but not ``fork``. Elsewhere than Linux it does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1  # <linux/prctl.h>
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def data_dir(base_dir: Path) -> Path:
    """The local-data folder: LOCAL_DATA_DIR, else ``.local`` in ``base_dir`` (git-ignored)."""
    return Path(os.environ.get("LOCAL_DATA_DIR") or base_dir / ".local")


def local_env_file(base_dir: Path) -> Path:
    """The env file ``manage.py`` reads in local development: PORTAL_LOCAL_ENV, else ``env`` in the
    local-data folder (``$LOCAL_DATA_DIR/env``, else ``.local/env`` in ``base_dir``)."""
    named = os.environ.get("PORTAL_LOCAL_ENV")
    return Path(named) if named else data_dir(base_dir) / ENV_FILE


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), replacing it atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def generated_password() -> str:
    """A random password that meets the local pool's policy (length, upper, lower, digit, symbol)."""
    return f"Staff-{secrets.token_urlsafe(9)}-7a!"


def staff_password(folder: Path, username: str) -> tuple[str, bool]:
    """(password, generated now) for the local staff account.

    LOCAL_STAFF_PASSWORD when set; else the one generated and stored in ``staff.json`` on an earlier
    start (for the same username); else a new one, stored there (mode 0600) for the next start.
    """
    given = os.environ.get("LOCAL_STAFF_PASSWORD")
    if given:
        return given, False
    path = folder / STAFF_FILE
    with contextlib.suppress(OSError, ValueError, TypeError):
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("username") == username and isinstance(stored.get("password"), str):
            return stored["password"], False
    password = generated_password()
    _write_private(path, json.dumps({"username": username, "password": password}) + "\n")
    return password, True


def write_env_file(folder: Path, variables: dict[str, str]) -> Path:
    """``env`` in the local-data folder: KEY=VALUE lines (mode 0600) for manage.py in another terminal."""
    path = folder / ENV_FILE
    _write_private(path, "".join(f"{key}={value}\n" for key, value in variables.items()))
    return path


def database_url(folder: Path) -> str:
    """The portal database of local mode: ``sqlite:////abs/folder/portal.sqlite3`` (django-environ form).

    One database per local-data folder, so two ``make run`` with their own LOCAL_DATA_DIR never share
    sessions, mirror users or audit rows (their pools are different, and so are the subs in them).
    """
    return f"sqlite:///{folder.resolve() / DATABASE_FILE}"


def reset_local_data(folder: Path) -> list[Path]:
    """Delete what local mode keeps (state, database, staff password, env file); returns what was removed.

    The lock file stays (deleting a held lock file would let a second process lock a new one); hold the
    lock (``lock_data_dir``) while calling this.
    """
    removed = []
    kept = [*folder.glob(STATE_FILE + "*"), *folder.glob(DATABASE_FILE + "*"), folder / STAFF_FILE]
    for path in [*kept, folder / ENV_FILE]:
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def main(argv: list[str] | None = None) -> int:
    """``python -m accounts.management.local_data --reset`` (``make reset-local``): forget the local pool.

    Refuses (exit status 1, one line) while a ``make run`` holds the folder.
    """
    args = sys.argv[1:] if argv is None else argv
    if args != ["--reset"]:
        print("usage: python -m accounts.management.local_data --reset", file=sys.stderr)
        return 2
    folder = data_dir(Path.cwd())
    if not folder.is_dir():
        return 0
    try:
        fd = lock_data_dir(folder)
    except DataDirInUse:
        print(f"{folder} is in use by a running make run: stop it first.", file=sys.stderr)
        return 1
    try:
        for path in reset_local_data(folder):
            print(f"Removed {path}")
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
