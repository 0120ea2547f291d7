"""accounts.audit: rows and log lines; user-chosen values can never forge a line or a field."""

from __future__ import annotations

import logging

import pytest

from accounts.audit import log_value, record, settle
from accounts.models import AuditEvent


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("alice", '"alice"'),
        ("evil\r\naudit action=delete outcome=success", '"evil\\r\\naudit action=delete outcome=success"'),
        ('x" outcome="success', '"x\\" outcome=\\"success"'),
        ("back\\slash\\n", '"back\\\\slash\\\\n"'),
        ("line\u2028sep\x1b[31m", '"line\\u2028sep\\x1b[31m"'),
        ("", '""'),
    ],
)
def test_log_value_quotes_and_escapes(value, shown):
    assert log_value(value) == shown
    assert "\n" not in log_value(value) and "\r" not in log_value(value)


@pytest.mark.django_db
def test_a_forged_username_stays_on_one_line_of_the_log(caplog):
    caplog.set_level(logging.INFO, logger="accounts.audit")
    record(
        "disable",
        'bob\n2026 INFO accounts.audit: audit action="delete"',
        outcome="failure",
        actor_label="ops",
    )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "accounts.audit"]
    assert "\n" not in line and 'target="bob\\n2026 INFO accounts.audit: audit action=\\"delete\\""' in line


@pytest.mark.django_db
def test_settle_sets_the_final_outcome_and_logs_it(caplog):
    caplog.set_level(logging.INFO, logger="accounts.audit")
    event = record("export", "", outcome=AuditEvent.Outcome.UNKNOWN, actor_label="ops", detail="started")
    settle(event, outcome=AuditEvent.Outcome.FAILURE, detail="stopped after 60 users")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.outcome, stored.detail) == ("failure", "stopped after 60 users")
    assert [r.getMessage().split()[1] for r in caplog.records] == ["recorded", "settled"]


@pytest.mark.django_db
def test_an_unknown_outcome_word_is_refused():
    with pytest.raises(ValueError):
        record("disable", "alice", outcome="maybe")
