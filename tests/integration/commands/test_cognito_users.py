"""``manage.py cognito_users`` against localcognito: list, get, export, the actions and every error path."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys

import pytest
from django.core.management.base import CommandError

from accounts.models import AuditEvent
from tests.integration.commands.conftest import TerminalIO, add_users

DANGEROUS = ['=HYPERLINK("http://evil","x")', "+1", "-1", "@SUM(1)", "\tx", "\rx", "\nx"]


@pytest.fixture
def list_filters(cognito):
    """The Filter parameter of every ListUsers request the portal sends."""
    from accounts.cognito.client import get_client

    sent: list[str | None] = []

    def capture(params, **kwargs):
        sent.append(params.get("Filter"))

    get_client(retry=True).meta.events.register("provide-client-params.cognito-idp.ListUsers", capture)
    return sent


def table_rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines()]


# -- list ---------------------------------------------------------------------------------------------------
def test_list_prints_an_aligned_table(run, cognito):
    cognito.create_user("al", email="al@example.com")
    cognito.create_user("a-much-longer-username", email="long.address@example.org", enabled=False)
    add_users(cognito, 1, prefix="invited")

    out = run("cognito_users", "list")

    header, *rows = out.stdout.splitlines()
    assert header.split() == ["USERNAME", "EMAIL", "STATUS", "ENABLED", "CREATED", "(UTC)"]
    assert len(rows) == 3
    for column in ("EMAIL", "STATUS", "ENABLED", "CREATED"):
        start = header.index(column)
        for row in rows:
            assert row[start - 2 : start] == "  " and row[start] != " ", (column, row)
    by_name = {row.split()[0]: row.split() for row in rows}
    assert by_name["a-much-longer-username"][1:4] == ["long.address@example.org", "CONFIRMED", "no"]
    assert by_name["invited0000"][2:4] == ["FORCE_CHANGE_PASSWORD", "yes"]
    assert out.stderr.strip() == "3 users."


def test_list_limit_stops_after_the_first_page(run, cognito, cognito_calls):
    add_users(cognito, 150)
    cognito_calls.clear()

    out = run("cognito_users", "list", "--limit", "5")

    assert len(out.lines) == 1 + 5
    assert cognito_calls["ListUsers"] == 1
    assert "5 users shown (--limit 5; there may be more)" in out.stderr


def test_list_without_limit_streams_every_page(run, cognito, cognito_calls):
    add_users(cognito, 150)
    cognito_calls.clear()

    out = run("cognito_users", "list", "--format", "json")

    users = json.loads(out.stdout)
    assert len(users) == 150 and len({u["username"] for u in users}) == 150
    assert cognito_calls["ListUsers"] == 3  # 60 + 60 + 30


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_unlimited_list_prints_each_page_before_fetching_the_next(cognito, db, monkeypatch, fmt):
    from django.core.management import call_command

    from accounts.cognito.idp import CognitoIdentityProvider

    add_users(cognito, 130)
    out = io.StringIO()
    lines_before_each_call: list[int] = []
    original = CognitoIdentityProvider.list_users

    def watched(self, **kwargs):
        lines_before_each_call.append(out.getvalue().count("\n"))
        return original(self, **kwargs)

    monkeypatch.setattr(CognitoIdentityProvider, "list_users", watched)

    call_command("cognito_users", "list", "--format", fmt, stdout=out, stderr=io.StringIO())

    # At most the CSV header before the first page; 60 and 120 users out before the second and third.
    assert lines_before_each_call[0] <= 1
    assert lines_before_each_call[1] >= 60 and lines_before_each_call[2] >= 120
    assert len(lines_before_each_call) == 3


def test_list_limit_above_a_page_reads_only_the_pages_it_needs(run, cognito, cognito_calls):
    add_users(cognito, 150)
    cognito_calls.clear()

    out = run("cognito_users", "list", "--limit", "70", "--format", "csv")

    assert len(list(csv.reader(io.StringIO(out.stdout)))) == 1 + 70
    assert cognito_calls["ListUsers"] == 2


def test_list_json_parses_back_with_types(run, cognito):
    cognito.create_user("alice", email="alice@example.com")

    (user,) = json.loads(run("cognito_users", "list", "--format", "json").stdout)

    assert user["username"] == "alice"
    assert user["email"] == "alice@example.com"
    assert user["status"] == "CONFIRMED"
    assert user["enabled"] is True and user["email_verified"] is True
    assert user["sub"] and user["created"].endswith("Z")


def test_list_csv_parses_back_and_neutralises_formulas(run, cognito):
    for i, value in enumerate(DANGEROUS):
        cognito.create_user(f"user{i}", attributes={"name": value})

    out = run("cognito_users", "list", "--format", "csv")

    header, *rows = list(csv.reader(io.StringIO(out.stdout, newline="")))
    names = {row[header.index("username")]: row[header.index("name")] for row in rows}
    assert names == {f"user{i}": "'" + value for i, value in enumerate(DANGEROUS)}
    assert out.stdout.startswith('"username","email","status"')


def test_list_filters_by_status_enabled_and_group(run, cognito):
    cognito.create_user("confirmed-on", groups=("portal-staff",))
    cognito.create_user("confirmed-off", enabled=False)
    add_users(cognito, 1, prefix="invited")

    def names(*args):
        return sorted(
            u["username"] for u in json.loads(run("cognito_users", "list", *args, "--format", "json").stdout)
        )

    assert names("--status", "force_change_password") == ["invited0000"]
    assert names("--disabled") == ["confirmed-off"]
    assert names("--enabled") == ["confirmed-on", "invited0000"]
    assert names("--group", "portal-staff") == ["confirmed-on"]


def test_list_search_is_a_prefix_search_on_one_attribute(run, cognito, list_filters):
    cognito.create_user("ann", email="ann@example.com")
    cognito.create_user("anne", email="anne@example.org")
    cognito.create_user("bob", email="bob@example.com")

    out = run("cognito_users", "list", "--search", "email=ann", "--format", "json")

    assert sorted(u["username"] for u in json.loads(out.stdout)) == ["ann", "anne"]
    assert list_filters == ['email ^= "ann"']


def test_list_search_escapes_quotes_and_backslashes(run, cognito, list_filters):
    cognito.create_user("victim", attributes={"name": "zed"})

    # An attempt to close the literal and add a clause of its own stays inside the literal: nobody found.
    sneaky = run("cognito_users", "list", "--search", 'name=x" or name ^= "', "--format", "json")
    run("cognito_users", "list", "--search", 'name=O"Neil \\', "--format", "json")

    assert list_filters == ['name ^= "x\\" or name ^= \\""', 'name ^= "O\\"Neil \\\\"']
    assert json.loads(sneaky.stdout) == []


def test_list_search_finds_values_with_quotes_and_backslashes(run, cognito):
    cognito.create_user("quoted", attributes={"name": 'O"Neil \\ co'})
    cognito.create_user("other", attributes={"name": "O Neil"})

    found = run("cognito_users", "list", "--search", 'name=O"Neil \\', "--format", "json")

    assert [u["username"] for u in json.loads(found.stdout)] == ["quoted"]


def test_list_table_shows_control_characters_escaped(run, cognito):
    cognito.create_user("esc", email="esc@example.com", attributes={"name": "x"})
    cognito.admin.admin_update_user_attributes(
        UserPoolId=cognito.pool_id,
        Username="esc",
        UserAttributes=[{"Name": "email", "Value": "a\x1b[31m@b.c"}],
    )

    out = run("cognito_users", "list")

    assert "\x1b" not in out.stdout
    assert "a\\x1b[31m@b.c" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--search", "email"), "--search needs ATTR=PREFIX"),
        (("--search", "custom:team=x"), "You cannot search by “custom:team”"),
        (("--status", "sleepy"), "Unknown user status “SLEEPY”"),
        (("--status", "CONFIRMED", "--disabled"), "Cognito filters on one thing at a time"),
        (("--search", "email=a", "--group", "portal-staff"), "--search and --group were given"),
        (
            ("--group", "no-such-group"),
            "No group named 'no-such-group' in this pool. Groups: portal-admins, portal-staff.",
        ),
    ],
)
def test_list_bad_filters_get_one_clear_line(run, cognito, cognito_calls, args, message):
    with pytest.raises(CommandError) as raised:
        run("cognito_users", "list", *args)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_list_refuses_a_limit_below_one(run, cognito, limit):
    with pytest.raises(CommandError, match="at least 1"):
        run("cognito_users", "list", "--limit", limit)


def test_list_of_an_empty_pool_says_so(run, cognito):
    out = run("cognito_users", "list")
    assert out.lines == ["USERNAME  EMAIL  STATUS  ENABLED  CREATED (UTC)"]
    assert out.stderr.strip() == "No users found."


# -- get ----------------------------------------------------------------------------------------------------
def test_get_shows_attributes_groups_mfa_and_devices(run, cognito):
    cognito.create_user("carol", email="carol@example.com", groups=("portal-staff", "portal-admins"))
    cognito.enrol_totp("carol")

    out = run("cognito_users", "get", "carol")

    text = out.stdout
    assert text.splitlines()[0] == "User carol"
    assert "CONFIRMED" in text
    assert "SOFTWARE_TOKEN_MFA (preferred)" in text
    assert "portal-admins, portal-staff" in text
    assert "carol@example.com" in text
    assert "Devices (" in text


def test_get_as_json_includes_devices(run, cognito):
    from accounts.cognito import get_idp
    from accounts.cognito.srp import new_device_verifier

    cognito.create_user("dave")
    cognito.enrol_totp("dave")
    idp = get_idp()
    challenge = idp.admin_initiate_auth("dave", "Correct-Horse-42!")
    tokens = idp.admin_respond_to_auth_challenge(
        "SOFTWARE_TOKEN_MFA",
        challenge.session,
        "dave",
        {"SOFTWARE_TOKEN_MFA_CODE": cognito.totp_code("dave", step=1)},
    )
    device = tokens.new_device
    verifier = new_device_verifier(device.device_group_key, device.device_key)
    idp.confirm_device(
        tokens.access_token,
        device.device_key,
        verifier=verifier.verifier_b64,
        salt=verifier.salt_b64,
        device_name="laptop",
    )
    idp.update_device_status(tokens.access_token, device.device_key, remembered=True)

    data = json.loads(run("cognito_users", "get", "dave", "--format", "json").stdout)

    assert data["username"] == "dave" and data["status"] == "CONFIRMED" and data["enabled"] is True
    assert data["mfa"] == {"enabled": ["SOFTWARE_TOKEN_MFA"], "preferred": "SOFTWARE_TOKEN_MFA"}
    assert data["groups"] == []
    assert data["attributes"]["email"] == "dave@example.com"
    [listed] = data["devices"]
    assert listed["key"] == device.device_key and listed["name"] == "laptop" and listed["remembered"] is True


def test_get_unknown_user(run, cognito):
    with pytest.raises(
        CommandError, match=r"^No user named 'ghost' in pool us-east-1_\w+\. Check the spelling"
    ):
        run("cognito_users", "get", "ghost")


# -- export -------------------------------------------------------------------------------------------------
def test_export_writes_a_private_formula_safe_csv(run, cognito, tmp_path, cognito_calls):
    add_users(cognito, 240)
    for i, value in enumerate(DANGEROUS):
        cognito.create_user(f"danger{i}", attributes={"name": value})
    cognito_calls.clear()
    target = tmp_path / "users.csv"

    out = run("cognito_users", "export", "--output", str(target))

    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with open(target, newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert len(rows) == 247 and len({row[0] for row in rows}) == 247
    names = {row[0]: row[header.index("name")] for row in rows if row[0].startswith("danger")}
    assert names == {f"danger{i}": "'" + value for i, value in enumerate(DANGEROUS)}
    assert cognito_calls["ListUsers"] == 5  # 247 users in pages of 60
    assert out.stdout.strip() == f"Exported 247 users to {target} (CSV)."
    assert out.stderr == ""  # no progress without a terminal
    event = AuditEvent.objects.get(action="export")
    assert event.actor_label.startswith("operator:") and "247 users as csv" in event.detail


def test_export_json_with_a_filter(run, cognito, tmp_path):
    cognito.create_user("on")
    cognito.create_user("off", enabled=False)
    target = tmp_path / "disabled.json"

    run("cognito_users", "export", "-o", str(target), "--disabled")

    assert [u["username"] for u in json.loads(target.read_text())] == ["off"]


def test_export_to_stdout_as_json_lines(run, cognito):
    add_users(cognito, 3)

    out = run("cognito_users", "export", "--output", "-", "--format", "jsonl")

    assert [json.loads(line)["username"] for line in out.lines] == ["user0000", "user0001", "user0002"]
    assert "Exported 3 users to standard output (JSONL)." in out.stderr


def test_export_draws_progress_on_a_terminal(run, cognito, tmp_path):
    add_users(cognito, 130)
    terminal = TerminalIO()

    run("cognito_users", "export", "-o", str(tmp_path / "u.csv"), stderr=terminal)

    assert "130 / ~130 users" in terminal.getvalue()


def test_export_does_not_overwrite_without_force(run, cognito, tmp_path):
    add_users(cognito, 2)
    target = tmp_path / "users.csv"
    target.write_text("keep me")

    with pytest.raises(CommandError, match=r"already exists.*--force"):
        run("cognito_users", "export", "-o", str(target))
    assert target.read_text() == "keep me"

    run("cognito_users", "export", "-o", str(target), "--force")
    assert target.read_text(encoding="utf-8-sig").startswith('"username"')  # after the BOM (issue #14)


def test_export_failing_midway_leaves_no_file(run, cognito, tmp_path, monkeypatch):
    from accounts.cognito.idp import CognitoIdentityProvider

    add_users(cognito, 70)
    first_page = CognitoIdentityProvider.list_users

    def then_fail(self, **kwargs):
        page = first_page(self, **kwargs)
        cognito_fault(cognito, "ListUsers", "InternalErrorException", count=5)  # the next page fails
        return page

    monkeypatch.setattr(CognitoIdentityProvider, "list_users", then_fail)
    target = tmp_path / "users.csv"

    with pytest.raises(CommandError, match="Cognito is unreachable or busy"):
        run("cognito_users", "export", "-o", str(target))

    assert list(tmp_path.iterdir()) == []
    event = AuditEvent.objects.get(action="export")
    assert event.outcome == "failure" and event.detail.startswith("stopped after 60 users as csv")


# -- actions ------------------------------------------------------------------------------------------------
def admin_user(cognito, username: str) -> dict:
    return cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username=username)


def test_disable_with_yes_changes_cognito_and_audits_the_operator(run, cognito):
    cognito.create_user("erin")

    out = run("cognito_users", "disable", "erin", "--yes", "--reason", "left the company")

    assert admin_user(cognito, "erin")["Enabled"] is False
    assert out.stdout.strip() == "erin is disabled."
    event = AuditEvent.objects.get(action="disable")
    assert event.target_username == "erin" and event.outcome == "success"
    assert event.actor is None and event.actor_label.startswith("operator:")
    assert event.reason == "left the company" and event.aws_request_id


def test_action_without_yes_and_without_a_terminal_is_refused(run, cognito):
    cognito.create_user("erin")

    with pytest.raises(CommandError, match=r"no terminal to ask on\. Add --yes to disable from a script"):
        run("cognito_users", "disable", "erin")

    assert admin_user(cognito, "erin")["Enabled"] is True
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("answer", "enabled"), [("y\n", False), ("yes\n", False), ("n\n", True), ("\n", True)]
)
def test_action_asks_on_a_terminal(run, cognito, monkeypatch, answer, enabled):
    cognito.create_user("erin")
    monkeypatch.setattr(sys, "stdin", TerminalIO(answer))
    terminal = TerminalIO()

    try:
        run("cognito_users", "disable", "erin", stderr=terminal)
    except CommandError as exc:
        assert str(exc) == "Cancelled: nothing was changed."

    assert "Disable erin? They will not be able to sign in until enabled again. [y/N]" in terminal.getvalue()
    assert admin_user(cognito, "erin")["Enabled"] is enabled


def test_enable(run, cognito):
    cognito.create_user("erin", enabled=False)
    run("cognito_users", "enable", "erin", "-y")
    assert admin_user(cognito, "erin")["Enabled"] is True
    assert AuditEvent.objects.get().action == "enable"


def test_signout_revokes_refresh_tokens(run, cognito, cognito_calls):
    from accounts.cognito import errors, get_idp

    cognito.create_user("erin")
    cognito.enrol_totp("erin")
    idp = get_idp()
    challenge = idp.admin_initiate_auth("erin", "Correct-Horse-42!")
    tokens = idp.admin_respond_to_auth_challenge(
        "SOFTWARE_TOKEN_MFA",
        challenge.session,
        "erin",
        {"SOFTWARE_TOKEN_MFA_CODE": cognito.totp_code("erin", step=1)},
    )

    run("cognito_users", "signout", "erin", "--yes")

    assert cognito_calls["AdminUserGlobalSignOut"] == 1
    with pytest.raises(errors.NotAuthorized):
        idp.admin_refresh_tokens(tokens.refresh_token, username="erin")
    assert AuditEvent.objects.get().action == "sign_out"


def test_reset_mfa_turns_totp_off(run, cognito):
    cognito.create_user("erin")
    cognito.enrol_totp("erin")

    out = run("cognito_users", "reset-mfa", "erin", "--yes")

    assert "SOFTWARE_TOKEN_MFA" not in admin_user(cognito, "erin").get("UserMFASettingList", [])
    assert "MFA is reset for erin" in out.stdout
    assert AuditEvent.objects.get().action == "reset_mfa"


def test_invite_creates_the_user_and_sends_the_invitation(run, cognito):
    out = run("cognito_users", "invite", "frank", "--email", "frank@example.com", "--yes")

    assert admin_user(cognito, "frank")["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert cognito.last_message("frank", "invitation")["destination"]
    assert "frank is invited" in out.stdout
    event = AuditEvent.objects.get(action="invite")
    assert event.target_sub and event.actor_label.startswith("operator:")


def test_invite_of_an_existing_user_fails_clearly(run, cognito):
    cognito.create_user("frank")
    with pytest.raises(CommandError, match=r"^A user named 'frank' already exists"):
        run("cognito_users", "invite", "frank", "--email", "frank@example.com", "--yes")
    assert AuditEvent.objects.get().outcome == "failure"


def test_action_on_an_unknown_user_fails_and_is_audited(run, cognito):
    with pytest.raises(CommandError, match=r"^No user named 'ghost'"):
        run("cognito_users", "disable", "ghost", "--yes")
    event = AuditEvent.objects.get()
    assert (event.action, event.target_username, event.outcome) == ("disable", "ghost", "failure")


def test_action_on_several_users_continues_past_a_failure(run, cognito):
    cognito.create_user("a1")
    cognito.create_user("a2")
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 of 3 users could not be changed"):
        run("cognito_users", "disable", "a1", "ghost", "a2", "--yes", stderr=err)

    assert admin_user(cognito, "a1")["Enabled"] is False and admin_user(cognito, "a2")["Enabled"] is False
    assert "No user named 'ghost'" in err.getvalue()
    assert sorted(AuditEvent.objects.values_list("target_username", "outcome")) == [
        ("a1", "success"),
        ("a2", "success"),
        ("ghost", "failure"),
    ]


# -- Cognito trouble, Ctrl-C, configuration -----------------------------------------------------------------
def cognito_fault(cognito, operation: str, error: str, *, count: int = 1) -> None:
    """Make localcognito fail the next ``count`` calls of ``operation``."""
    import urllib.request

    body = {"operation": operation, "error": error, "count": count}
    request = urllib.request.Request(  # noqa: S310 (loopback)
        cognito.server.url + "/_local/faults",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 (loopback)


def test_throttled_cognito_gives_one_line(run, cognito):
    cognito_fault(cognito, "ListUsers", "TooManyRequestsException", count=5)

    with pytest.raises(CommandError) as raised:
        run("cognito_users", "list")

    message = str(raised.value)
    assert message.startswith("Cognito is unreachable or busy (ListUsers at http://127.0.0.1:")
    assert "TooManyRequestsException" in message and "\n" not in message


def test_json_listing_that_fails_at_once_prints_nothing_on_stdout(cognito, db):
    from django.core.management import call_command

    cognito_fault(cognito, "ListUsers", "TooManyRequestsException", count=5)
    out = io.StringIO()

    with pytest.raises(CommandError, match="TooManyRequestsException"):
        call_command("cognito_users", "list", "--format", "json", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == ""


def test_unreachable_cognito_gives_one_line(run, cognito, settings):
    from accounts.cognito import reset_caches

    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    reset_caches()

    with pytest.raises(
        CommandError, match=r"Cognito is unreachable or busy \(AdminGetUser at http://127.0.0.1:9"
    ):
        run("cognito_users", "get", "anyone")


def test_ctrl_c_ends_with_one_line_and_status_130(run, cognito, monkeypatch):
    from accounts.cognito.idp import CognitoIdentityProvider

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
        yield  # pragma: no cover

    monkeypatch.setattr(CognitoIdentityProvider, "iter_users", interrupted)

    with pytest.raises(CommandError) as raised:
        run("cognito_users", "export", "-o", "-")
    assert str(raised.value) == "Interrupted." and raised.value.returncode == 130


def test_missing_configuration_says_what_to_do(run, cognito, settings, monkeypatch, tmp_path):
    """The local case first (make run and the env file manage.py reads), then a pool in AWS."""
    settings.COGNITO_USER_POOL_ID = ""
    monkeypatch.delenv("PORTAL_LOCAL_ENV", raising=False)
    monkeypatch.setenv("LOCAL_DATA_DIR", str(tmp_path / "second"))
    with pytest.raises(CommandError) as raised:
        run("cognito_users", "list")
    message = str(raised.value)
    assert message.startswith("COGNITO_USER_POOL_ID is not set. For the local pool: start `make run` first")
    assert str(tmp_path / "second" / "env") in message and "set the same LOCAL_DATA_DIR here" in message
    assert "For a pool in AWS: run `manage.py cognito_bootstrap`" in message


def test_command_line_errors_are_one_line_on_stderr(cognito, tmp_path):
    """Through a real process: exit status 1 and a single stderr line, no traceback."""
    import subprocess

    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "COGNITO_ENDPOINT_URL": cognito.server.url,
        "COGNITO_USER_POOL_ID": cognito.pool_id,
        "COGNITO_CLIENT_ID": cognito.settings.client_id,
        "COGNITO_CLIENT_SECRET": cognito.settings.client_secret,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    manage = os.path.join(os.path.dirname(__file__), "..", "..", "..", "manage.py")
    result = subprocess.run(
        [sys.executable, manage, "cognito_users", "get", "ghost"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"CommandError: No user named 'ghost' in pool {cognito.pool_id}. Check the spelling (case does not "
        "matter here)."  # the default pool is case-insensitive; the hint follows the pool
    ]
