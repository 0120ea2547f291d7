#!/usr/bin/env python
"""Django's command-line utility for the Cognito portal.

In local development it first reads ``.local/env`` (KEY=VALUE lines that ``make run`` writes: the local
pool's ids, DJANGO_DEBUG=1 …), so operator commands in a second terminal use the local pool. Variables
already in the environment win, and the file is ignored when DJANGO_DEBUG is explicitly off. A settings
error (no secret key in production …) is one line on stderr, not a traceback.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
FALSE_VALUES = {"0", "false", "no", "off", "n", "f", ""}


def read_local_env() -> Path | None:
    """Load ``.local/env`` (``$LOCAL_DATA_DIR/env``, or ``PORTAL_LOCAL_ENV``) beneath the real environment,
    unless DJANGO_DEBUG=0. Returns the path looked for when it was not there (None otherwise)."""
    debug = os.environ.get("DJANGO_DEBUG")
    if debug is not None and debug.strip().lower() in FALSE_VALUES:
        return None
    from accounts.management.local_data import local_env_file

    path = local_env_file(ROOT)
    if not path.is_file():
        return path
    import environ

    environ.Env.read_env(path, overwrite=False)
    return None


def choose_local_database(argv: list[str]) -> None:
    """For ``manage.py runlocal`` (``make run``) without DATABASE_URL: the local-data folder's own database,
    chosen before the settings load so that runlocal, its migrate and the portal it starts share it."""
    if len(argv) > 1 and argv[1] == "runlocal" and not os.environ.get("DATABASE_URL"):
        from accounts.management.local_data import data_dir, database_url

        os.environ["DATABASE_URL"] = database_url(data_dir(ROOT))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    missing_env = read_local_env()
    choose_local_database(sys.argv)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        if settings.configured:  # the settings loaded: a command's own error keeps its traceback
            raise
        hint = ""
        if missing_env is not None and os.environ.get("DJANGO_DEBUG") is None:
            hint = (
                f" No local settings at {missing_env}: to use the pool of a running `make run`, start this"
                " in its checkout with the same LOCAL_DATA_DIR it was given (if any)."
            )
        sys.stderr.write(f"manage.py: {exc}{hint}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
