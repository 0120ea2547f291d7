"""``manage.py cognito_scenario`` end to end against localcognito, unattended and with a scripted terminal."""

from __future__ import annotations

import io
import re
import time

import pyotp
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.management.commands.cognito_scenario import Command
from tests.conftest import STRONG_PASSWORD
from tests.integration.commands.conftest import TerminalIO

STEP_TITLES = [
    "Step 1 of 7 · Sign up",
    "Step 2 of 7 · Confirm the email address",
    "Step 3 of 7 · List users",
    "Step 4 of 7 · Sign in and set up MFA",
    "Step 5 of 7 · Sign in with a code",
    "Step 6 of 7 · Remember this device",
    "Step 7 of 7 · Sign in from the remembered device",
]


@pytest.fixture
def answered_challenges(cognito):
    """The ChallengeName of every (Admin)RespondToAuthChallenge the portal sends, in order."""
    from accounts.cognito.client import get_client

    names: list[str] = []

    def capture(params, **kwargs):
        names.append(params["ChallengeName"])

    for retry in (True, False):
        events = get_client(retry=retry).meta.events
        events.register("provide-client-params.cognito-idp.AdminRespondToAuthChallenge", capture)
        events.register("provide-client-params.cognito-idp.RespondToAuthChallenge", capture)
    return names


def scenario(*args: str, stdout=None, stdin=None) -> tuple[Command, str]:
    command = Command()
    out = stdout if stdout is not None else io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO(), no_color=True)
    return command, out.getvalue()


def test_unattended_scenario_runs_every_step(db, cognito, cognito_calls, answered_challenges):
    command, output = scenario("--non-interactive", "--username", "zoe", "--device-name", "test bench")

    # Steps 1 and 2: the user exists, confirmed with the one emailed code.
    user = cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="zoe")
    assert user["UserStatus"] == "CONFIRMED"
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email_verified"] == "true"
    assert [m["kind"] for m in cognito.outbox() if m["username"] == "zoe"] == ["signup"]
    assert command.outcomes["confirm"] == {"resends": 0}
    # 3: the listing shows the new user.
    assert "zoe" in [u.username for u in command.outcomes["list_users"]]
    assert re.search(r"^\* zoe +zoe@example\.com +CONFIRMED +yes$", output, re.MULTILINE)
    # 4: signed in after one verified code; TOTP is now the user's MFA.
    assert command.outcomes["mfa_setup"].challenges == ("MFA_SETUP",)
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    # 5: password + TOTP code; Cognito starts tracking the device.
    totp = command.outcomes["totp_sign_in"]
    assert totp.challenges == ("SOFTWARE_TOKEN_MFA",) and totp.new_device is not None
    # 6: the device is confirmed and remembered.
    [device] = cognito.admin.admin_list_devices(UserPoolId=cognito.pool_id, Username="zoe")["Devices"]
    attributes = {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}
    assert device["DeviceKey"] == totp.new_device.device_key
    assert attributes["device_name"] == "test bench"
    assert attributes["dev:device_remembered_status"] == "remembered"
    assert command.outcomes["device"].confirmation_needed is True
    # 7: the last sign-in answered only the device challenges: no TOTP code.
    last = command.outcomes["device_sign_in"]
    assert last.challenges == ("DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER") and last.used_totp is False
    assert last.calls == ("AdminInitiateAuth", "AdminRespondToAuthChallenge", "AdminRespondToAuthChallenge")
    assert answered_challenges == [
        "MFA_SETUP",
        "SOFTWARE_TOKEN_MFA",
        "DEVICE_SRP_AUTH",
        "DEVICE_PASSWORD_VERIFIER",
    ]
    assert cognito_calls["VerifySoftwareToken"] == 1 and cognito_calls["AdminInitiateAuth"] == 3
    assert cognito_calls["ConfirmDevice"] == 1 and cognito_calls["UpdateDeviceStatus"] == 1
    # Every call was announced before it was made, and each step said what it does.
    assert output.count("→ Cognito ") == cognito_calls.total == command.call_count
    positions = [output.index(title) for title in STEP_TITLES]
    assert positions == sorted(positions)
    assert "✓ zoe is CONFIRMED with SOFTWARE_TOKEN_MFA" in output


def test_unattended_scenario_generates_a_user_and_never_prints_secrets(db, cognito):
    command, output = scenario("--non-interactive")

    username = command.outcomes["sign_up"].username
    assert username.startswith("scenario-")
    assert (
        cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username=username)["UserStatus"]
        == "CONFIRMED"
    )
    assert command.scenario.password not in output
    code = cognito.last_code(username, "signup")
    assert code not in output
    assert "otpauth://" not in output and "key into the app" not in output


def test_unattended_scenario_with_given_credentials(db, cognito):
    command, _ = scenario(
        "--non-interactive", "--username", "yan", "--email", "y@example.org", "--password", STRONG_PASSWORD
    )

    user = cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="yan")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["email"] == "y@example.org"
    assert command.outcomes["device_sign_in"].used_totp is False


def test_a_failing_step_stops_with_one_line_naming_it(db, cognito):
    cognito.create_user("taken")

    with pytest.raises(CommandError) as raised:
        scenario("--non-interactive", "--username", "taken")
    assert str(raised.value).startswith("Step 1 failed: Cognito refused SignUp:")
    assert str(raised.value).endswith("This username is already taken (UsernameExistsException).")


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [("", False), ("", True), ("https://cognito-idp.eu-west-1.amazonaws.com", False)],
)
def test_unattended_refuses_a_pool_that_is_not_local(db, cognito, cognito_calls, settings, endpoint, local):
    settings.COGNITO_ENDPOINT_URL = endpoint
    settings.LOCAL_COGNITO = local

    with pytest.raises(CommandError, match=r"^--non-interactive runs only against a local Cognito"):
        scenario("--non-interactive")
    assert cognito_calls.total == 0


def test_interactive_needs_a_terminal(db, cognito, cognito_calls):
    with pytest.raises(CommandError, match="no terminal to ask on"):
        scenario()
    assert cognito_calls.total == 0


def test_interactive_refuses_a_password_on_the_command_line(db, cognito, monkeypatch):
    monkeypatch.setattr("sys.stdin", TerminalIO())
    with pytest.raises(CommandError, match=r"^--password is only for --non-interactive"):
        scenario("--password", STRONG_PASSWORD)


class ScriptedTerminal(TerminalIO):
    """A terminal whose answers are computed when asked (codes exist only once Cognito sent them)."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)

    def readline(self, *args) -> str:
        if not self.answers:
            return ""  # end of input, like Ctrl-D
        answer = self.answers.pop(0)
        return (answer() if callable(answer) else answer) + "\n"


def test_interactive_scenario_with_a_person_at_the_terminal(db, cognito, monkeypatch):
    out = TerminalIO()

    def key_on_screen() -> str:
        match = re.search(r"Or type this key into the app: ([A-Z2-7 ]+)", out.getvalue())
        return match.group(1).replace(" ", "")

    answers = [
        "ivy",  # username
        "ivy@example.com",
        "",  # no code yet: ask for a new one
        "000000",  # a wrong code
        "12345",  # not a code at all: asked again without calling Cognito
        lambda: " ".join(cognito.last_code("ivy", "signup")),  # spaces as people type them
        lambda: pyotp.TOTP(key_on_screen()).now(),
        lambda: pyotp.TOTP(key_on_screen()).at(time.time() + 30),
    ]
    monkeypatch.setattr("sys.stdin", ScriptedTerminal(answers))
    passwords = iter(["short", "short", STRONG_PASSWORD, "typo", STRONG_PASSWORD, STRONG_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))

    command, output = scenario(stdout=out)

    assert "Password rules: at least 10 characters, an uppercase letter" in output
    assert "The passwords differ" in output
    assert "Code sent by EMAIL to i***@e***" in output
    assert "That code is not correct" in output
    assert "A code is six digits; type it again." in output
    assert output.count("→ Cognito ConfirmSignUp") == 2
    assert [m["kind"] for m in cognito.outbox() if m["username"] == "ivy"] == ["signup", "signup"]
    assert "▀" in output or "█" in output  # the QR code, drawn with block characters
    assert command.outcomes["device_sign_in"].challenges == ("DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER")
    user = cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="ivy")
    assert user["UserStatus"] == "CONFIRMED" and user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]


def test_interactive_scenario_checks_the_pools_rules_before_sending_a_password(
    db, cognito, cognito_calls, monkeypatch
):
    answers = ["una", "una@example.com"]  # the run stops at the confirmation code: no more input
    monkeypatch.setattr("sys.stdin", ScriptedTerminal(answers))
    typed = ["weakpassword1", " " + STRONG_PASSWORD, STRONG_PASSWORD]
    passwords = iter(password for password in typed for _twice in range(2))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    out = TerminalIO()

    with pytest.raises(CommandError, match="No more input"):
        scenario(stdout=out)

    output = out.getvalue()
    assert "  ! Add an uppercase letter." in output and "  ! Add a symbol such as ! ? # or -." in output
    assert "  ! A password cannot start or end with a space." in output
    # Only the password that meets the rules reached Cognito: one SignUp.
    assert output.count("→ Cognito SignUp") == 1 and cognito_calls["SignUp"] == 1
    assert (
        cognito.admin.admin_get_user(UserPoolId=cognito.pool_id, Username="una")["UserStatus"]
        == "UNCONFIRMED"
    )


@pytest.mark.parametrize(
    ("environment", "mailbox"),
    [
        ({"PORT": "8123"}, "http://127.0.0.1:8123/local/mailbox/"),
        # A second terminal has no PORT, but the env file make run wrote names the portal.
        ({"PORTAL_URL": "http://127.0.0.1:8113"}, "http://127.0.0.1:8113/local/mailbox/"),
    ],
)
def test_interactive_scenario_says_where_local_emails_land(
    db, cognito, monkeypatch, settings, environment, mailbox
):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("PORTAL_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin", ScriptedTerminal(["uma", "uma@example.com"]))
    passwords = iter([STRONG_PASSWORD, STRONG_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(passwords))
    out = TerminalIO()

    with pytest.raises(CommandError, match="No more input"):
        scenario(stdout=out)

    assert mailbox in out.getvalue()
    assert f"{settings.COGNITO_ENDPOINT_URL}/_local/outbox" in out.getvalue()


def test_unattended_scenario_checks_a_given_password_first(db, cognito, cognito_calls):
    with pytest.raises(CommandError) as raised:
        scenario("--non-interactive", "--username", "vee", "--password", "alllowercase")
    assert str(raised.value).startswith("Step 1 failed: --password does not meet the pool's rules: ")
    assert "Add an uppercase letter." in str(raised.value)
    assert cognito_calls["SignUp"] == 0


def test_interactive_end_of_input_at_the_password_prompt_stops_cleanly(db, cognito, monkeypatch):
    monkeypatch.setattr("sys.stdin", ScriptedTerminal(["vic", "vic@example.com"]))

    def end_of_input(prompt=""):
        raise EOFError

    monkeypatch.setattr("getpass.getpass", end_of_input)

    with pytest.raises(CommandError, match=r"^No more input: stopped\.$"):
        scenario(stdout=TerminalIO())


def test_a_pool_without_mfa_stops_at_step_4_saying_why(db, cognito, settings):
    from accounts.cognito import reset_caches

    pool_id = cognito.admin.create_user_pool(PoolName="no-mfa", AutoVerifiedAttributes=["email"])["UserPool"][
        "Id"
    ]
    client_id = cognito.admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="plain",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    settings.COGNITO_USER_POOL_ID, settings.COGNITO_CLIENT_ID, settings.COGNITO_CLIENT_SECRET = (
        pool_id,
        client_id,
        "",
    )
    reset_caches()

    with pytest.raises(CommandError) as raised:
        scenario("--non-interactive", "--username", "nomfa")

    assert str(raised.value) == (
        "Step 4 failed: Cognito signed in straight away, without the MFA_SETUP challenge this step needs: "
        "the pool does not require MFA (its MfaConfiguration is not ON)."
    )
