"""The dependency audit CI runs: pip-audit on requirements.txt, reported honestly.

pip-audit says "No known vulnerabilities found" even when it could not look a single package up (its
vulnerability database unreachable). This script says that plainly instead, and exits 0 for it; it exits 1
only for real findings (or a broken audit setup), and claims "no known vulnerabilities" only for packages
that were actually checked.

    python deploy/dependency_audit.py [requirements.txt]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


@dataclass(frozen=True)
class Outcome:
    """What the audit found: ``status`` is "vulnerable", "clean", "partial" or "not-run"."""

    status: str
    message: str

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "vulnerable" else 0


def summarise(report: dict | None, error: str = "") -> Outcome:
    """Read pip-audit's JSON report (``None`` when it produced none) into an ``Outcome``."""
    if report is None:
        reason = error.strip().splitlines()[-1] if error.strip() else "pip-audit produced no report"
        return Outcome("not-run", f"Dependency audit NOT run: {reason}")
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    findings = [(d, v) for d in audited for v in d.get("vulns", [])]
    if findings:
        lines = [
            f"  {d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})"
            for d, v in findings
        ]
        return Outcome("vulnerable", "Known vulnerabilities in pinned dependencies:\n" + "\n".join(lines))
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no dependency was listed"
        return Outcome(
            "not-run",
            f"Dependency audit NOT run: no package could be looked up (the vulnerability service or PyPI "
            f"did not answer for any of the {len(dependencies)} packages, for example: {reason}). "
            f"Nothing was checked.",
        )
    if skipped:
        names = ", ".join(d["name"] for d in skipped)
        return Outcome(
            "partial",
            f"No known vulnerabilities in {len(audited)} packages; "
            f"{len(skipped)} could NOT be checked: {names}.",
        )
    return Outcome("clean", f"No known vulnerabilities in the {len(audited)} audited packages.")


def run_pip_audit(requirements: Path, *extra: str) -> Outcome:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        result = subprocess.run(  # noqa: S603 (our own pip-audit, fixed arguments)
            [
                str(PIP_AUDIT),
                "-r",
                str(requirements),
                "--progress-spinner",
                "off",
                "-f",
                "json",
                "-o",
                str(output),
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        report = json.loads(output.read_text()) if output.is_file() and output.stat().st_size else None
    return summarise(report, result.stderr)


def main() -> int:
    requirements = Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt")
    # A quick probe of the pinned packages alone: when the database is unreachable, say so at once.
    outcome = run_pip_audit(requirements, "--no-deps", "--disable-pip")
    if outcome.status in ("clean", "partial"):
        outcome = run_pip_audit(requirements)  # with everything they pull in
    print(outcome.message)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
