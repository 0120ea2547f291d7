"""Test settings: the project's one settings module, in local (debug) mode."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from portal.settings import *  # noqa: F403
