"""localcognito's state on disk: moto's store, localcognito's own and the outbox, saved atomically.

The file is a pickle behind a header line; only the classes a saved state holds (``ALLOWED_GLOBALS``:
moto's Cognito models, localcognito's state, the signing key's loader, datetime) are accepted when it is
read, it is written with mode 0600, and a file another user could have written is refused. A file that
cannot be used (corrupt, another format or moto version) gives one line on stderr and a clean start; it is
moved aside to ``<name>.bad`` rather than overwritten.

Challenge sessions are not kept (they last minutes); codes, TOTP secrets, devices, revoked tokens and
pending attribute values are. The pools' signing key is moto's bundled key, so the JWKS, and tokens
issued before a restart, stay valid after it.
"""

from __future__ import annotations

import copyreg
import dataclasses
import fcntl
import io
import os
import pickle
import stat
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import moto
from joserfc.jwk import RSAKey

MAGIC = b"localcognito-state 1\n"
DEBOUNCE_SECONDS = 0.2
# Exactly the (module, name) pairs a saved state holds, and nothing else: no module prefixes and no dotted
# names (pickle protocol 4+ resolves "a.b" by walking attributes, so ("moto.settings", "os.system") would
# reach os.system through any module that imported os). tests/conformance/test_persistence.py saves a
# state with every kind of object a pool can hold and checks that it loads.
ALLOWED_GLOBALS = frozenset(
    {
        *(
            ("moto.cognitoidp.models", name)
            for name in (
                "CognitoIdpGroup",
                "CognitoIdpIdentityProvider",
                "CognitoIdpUser",
                "CognitoIdpUserPool",
                "CognitoIdpUserPoolAttribute",
                "CognitoIdpUserPoolClient",
                "CognitoIdpUserPoolDomain",
                "CognitoResourceServer",
                "UserStatus",
            )
        ),
        *(("localcognito.core", name) for name in ("State", "Code", "Totp", "Device")),
        ("localcognito.persistence", "_rsa_key"),
        ("collections", "OrderedDict"),
        ("datetime", "datetime"),
        ("datetime", "timezone"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
    }
)


class StateFileError(Exception):
    """The state file exists but cannot be used; the message is one line for the person running it."""


def _rsa_key(data: dict[str, Any]) -> RSAKey:
    return RSAKey.import_key(data)


def _reduce_rsa_key(key: RSAKey) -> tuple[Any, tuple[dict[str, Any]]]:
    # joserfc keys wrap cryptography key objects, which refuse to be pickled: keep the JWK instead.
    return _rsa_key, (key.as_dict(private=True),)


class _Unpickler(pickle.Unpickler):
    """Resolves only ALLOWED_GLOBALS; everything else (and any dotted name) is an UnpicklingError."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a localcognito state file")
        return super().find_class(module, name)


def dumps(payload: dict[str, Any]) -> bytes:
    """A state file's bytes: the header line, then ``payload`` (plus moto's version) pickled."""
    buffer = io.BytesIO()
    buffer.write(MAGIC)
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, RSAKey: _reduce_rsa_key}
    pickler.dump({"moto": moto.__version__, **payload})
    return buffer.getvalue()


def loads(data: bytes) -> dict[str, Any]:
    """The payload of a state file's bytes; StateFileError when they are not a usable state."""
    if not data.startswith(MAGIC):
        raise StateFileError("not a localcognito state file (or one of another format version)")
    try:
        payload = _Unpickler(io.BytesIO(data[len(MAGIC) :])).load()
    except Exception as exc:  # corrupt or foreign content: any unpickling error means the same
        raise StateFileError(f"unreadable ({type(exc).__name__})") from exc
    if not isinstance(payload, dict) or payload.get("moto") != moto.__version__:
        found = payload.get("moto") if isinstance(payload, dict) else None
        raise StateFileError(f"written with moto {found}, this is moto {moto.__version__}")
    return payload


def checked_state(state: Any) -> Any:
    """``state`` (localcognito's State from a file) with fields added since it was written started empty.

    Raises StateFileError (one line) when it is not a State, or a field does not hold the kind of
    container (and, for codes, TOTP secrets and devices, the kind of values) this version keeps there.
    """
    from .core import Code, Device, State, Totp

    if not isinstance(state, State):
        raise StateFileError("the state file holds no localcognito state")
    values = {"signup_codes": Code, "reset_codes": Code, "attribute_codes": Code}
    values.update(totp=Totp, devices=Device)
    for spec in dataclasses.fields(State):
        if spec.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            continue
        empty = spec.default_factory()  # type: ignore[misc]
        if not hasattr(state, spec.name):  # a file from before this field existed
            setattr(state, spec.name, empty)
        value = getattr(state, spec.name)
        kind = values.get(spec.name)
        if not isinstance(value, type(empty)) or (
            kind is not None and not all(isinstance(item, kind) for item in value.values())
        ):
            raise StateFileError(f"its {spec.name.replace('_', ' ')} are not what this localcognito keeps")
    return state


def _check_owner(path: Path) -> None:
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise StateFileError("owned by another user or writable by others; not loading it")


class StateFile:
    """Loads the state at start and saves it (debounced, atomically) after every change, and at stop.

    ``server`` is a LocalCognitoServer; ``path`` the file (its folder is created, mode 0700).
    """

    def __init__(self, server: Any, path: str | os.PathLike[str]) -> None:
        """StateFileError when ``path`` is a directory or another non-file (never moved aside), or in
        use by another localcognito (see ``acquire``)."""
        self.server = server
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            kind = "a directory" if self.path.is_dir() else "not a regular file"
            raise StateFileError(f"{self.path} is {kind}: give the path of a file to keep the state in")
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_fd: int | None = None
        self.acquire()

    def acquire(self) -> None:
        """Take the state file's lock (``.<name>.lock`` beside it, an advisory flock the kernel drops when
        the process ends, crash or not): StateFileError when another localcognito uses this file, whose
        saves would otherwise overwrite each other's users."""
        if self._lock_fd is not None:
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateFileError(f"cannot keep state in {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            in_use = f"{self.path} is in use by another localcognito: stop that one first"
            raise StateFileError(in_use) from None
        self._lock_fd = fd

    def load(self) -> bool:
        """Restore the saved state; False (after one line on stderr) when there is none usable."""
        if not self.path.exists():
            return False
        try:
            _check_owner(self.path)
            payload = loads(self.path.read_bytes())
            self.server.load_state(payload)
        except (StateFileError, OSError) as exc:
            aside = self.path.with_name(self.path.name + ".bad")
            try:
                os.replace(self.path, aside)
                moved = f"; moved to {aside}"
            except OSError:
                moved = ""
            print(
                f"localcognito: state file {self.path} ignored ({exc}){moved}; starting empty",
                file=sys.stderr,
            )
            return False
        return True

    def save(self) -> None:
        """Write the current state: a temporary file in the same folder, fsync, then os.replace."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self.server.ext.lock:  # a consistent picture: no operation runs while it is pickled
            self.server.prune_expired()  # what can never be used again is not worth writing (or keeping)
            data = dumps(self.server.state_payload())
        fd, temporary = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def changed(self) -> None:
        """Note that something changed: the saver thread writes the file shortly after."""
        self._dirty.set()

    def start(self) -> None:
        """Start the background saver (a daemon thread); ``stop`` ends it with a last write."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="localcognito-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if not self._dirty.wait(timeout=0.5):
                continue
            self._stopping.wait(DEBOUNCE_SECONDS)  # gather a burst of changes into one write
            self._dirty.clear()
            self._save_quietly()

    def _save_quietly(self) -> None:
        try:
            self.save()
        except OSError as exc:
            print(f"localcognito: could not save state to {self.path}: {exc}", file=sys.stderr)

    def stop(self) -> None:
        """Stop the saver; write once more if anything changed since the last write; release the lock."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._dirty.is_set():
            self._dirty.clear()
            self._save_quietly()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def without_sessions(state: Any) -> Any:
    """A shallow copy of localcognito's State with the (minutes-long) challenge sessions left out."""
    return dataclasses.replace(state, sessions={})
