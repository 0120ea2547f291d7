"""The CI's dependency audit never reports "no known vulnerabilities" for packages it could not check."""

from __future__ import annotations

import runpy

from tests.deploy.server import ROOT

AUDIT = runpy.run_path(str(ROOT / "deploy" / "dependency_audit.py"))
summarise = AUDIT["summarise"]

UNREACHABLE = "Dependency not found on PyPI and could not be audited: django (5.2.19)"


def test_an_audit_that_checked_nothing_says_so_and_does_not_fail():
    report = {"dependencies": [{"name": "django", "skip_reason": UNREACHABLE}], "fixes": []}
    outcome = summarise(report)
    assert outcome.status == "not-run" and outcome.exit_code == 0
    assert outcome.message.startswith("Dependency audit NOT run")
    assert "No known vulnerabilities" not in outcome.message


def test_an_audit_that_crashed_says_so():
    error = "Traceback …\nrequests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'"
    outcome = summarise(None, error)
    assert outcome.status == "not-run" and outcome.exit_code == 0
    assert "Failed to resolve" in outcome.message


def test_findings_fail():
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.1"]}]},
            {"name": "boto3", "version": "1.44.8", "vulns": []},
        ]
    }
    outcome = summarise(report)
    assert outcome.exit_code == 1
    assert "django 5.2.0: PYSEC-1 (fixed in 5.2.1)" in outcome.message


def test_a_partial_audit_names_what_it_could_not_check():
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "gunicorn", "skip_reason": UNREACHABLE},
        ]
    }
    outcome = summarise(report)
    assert outcome.exit_code == 0 and "could NOT be checked: gunicorn" in outcome.message


def test_a_complete_clean_audit():
    report = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]}
    outcome = summarise(report)
    assert outcome.status == "clean" and outcome.exit_code == 0
    assert outcome.message == "No known vulnerabilities in the 1 audited packages."
