"""collectstatic with production settings (whitenoise's manifest storage) succeeds and hashes every file."""

from __future__ import annotations

import json
import re
import secrets

from tests.deploy import server as deploy


def test_collectstatic_with_production_settings(tmp_path):
    static_root = tmp_path / "static"
    env = deploy.clean_environment(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS=deploy.HOST,
        DJANGO_STATIC_ROOT=str(static_root),
    )
    result = deploy.run((".venv/bin/python", "manage.py", "collectstatic", "--noinput"), env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js"):
        assert (static_root / manifest[name]).is_file()
        assert (static_root / (manifest[name] + ".gz")).is_file()
    # No collected file names a companion (a source map) that is not there.
    for name in manifest:
        text = (static_root / name).read_bytes().decode(errors="ignore")
        for reference in re.findall(r"sourceMappingURL=(\S+?)(?:\s|\*/|$)", text):
            assert (static_root / name).parent.joinpath(reference).exists(), (name, reference)
