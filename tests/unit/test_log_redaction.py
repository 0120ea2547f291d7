"""No secret reaches a log line: canary values in every shape they take, and real botocore DEBUG output."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import io
import json
import logging
import threading
from urllib.parse import urlencode

import jwt
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from django.http import QueryDict
from django.test import Client
from django.urls import path

from accounts.cognito.idp import CognitoIdentityProvider
from accounts.log_redaction import RedactSecretsFilter, SecretsExceptionReporterFilter, redact
from portal.urls import urlpatterns as portal_urlpatterns
from tests.boto import session as boto_session

PASSWORD = "Canary-Password-7x!"
NEW_PASSWORD = "Canary-NewPass-8y!"
CODE = "918273"
CLIENT_SECRET = "canaryclientsecret0123456789abcdefghijklmnopqrstu"
CLIENT_ID = "canaryclientid"
TOTP_SECRET = "CANARYTOTPSECRETJBSWY3DPEHPK3PXP"
DEVICE_PASSWORD = "Q2FuYXJ5RGV2aWNlUGFzc3dvcmQ0MGJ5dGVzMTIzNDU2Nzg5MA=="
SESSION = "CanarySessionValue" * 3
ACCESS_TOKEN = jwt.encode({"sub": "canary-access"}, "k" * 32, algorithm="HS256")
ID_TOKEN = jwt.encode({"sub": "canary-id"}, "k" * 32, algorithm="HS256")
REFRESH_TOKEN = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.CanaryKey123.CanaryIv4567.CanaryCipher89.CanaryTag01"
SECRET_HASH = base64.b64encode(
    hmac.new(CLIENT_SECRET.encode(), ("alice" + CLIENT_ID).encode(), hashlib.sha256).digest()
).decode()

CANARIES = {
    "password": PASSWORD,
    "new password": NEW_PASSWORD,
    "code": CODE,
    "client secret": CLIENT_SECRET,
    "TOTP secret": TOTP_SECRET,
    "device password": DEVICE_PASSWORD,
    "session": SESSION,
    "access token": ACCESS_TOKEN,
    "id token": ID_TOKEN,
    "refresh token": REFRESH_TOKEN,
    "refresh token ciphertext": "CanaryCipher89",
    "secret hash": SECRET_HASH,
}


def assert_clean(text: str) -> None:
    leaked = [name for name, value in CANARIES.items() if value in text]
    assert not leaked, f"leaked {leaked} in:\n{text}"


@pytest.mark.parametrize(
    "line",
    [
        # JSON bodies
        json.dumps({"Username": "alice", "Password": PASSWORD, "SecretHash": SECRET_HASH}),
        json.dumps(
            {"AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD, "SECRET_HASH": SECRET_HASH}}
        ),
        json.dumps({"ChallengeResponses": {"SOFTWARE_TOKEN_MFA_CODE": CODE, "NEW_PASSWORD": NEW_PASSWORD}}),
        json.dumps({"ChallengeResponses": {"SMS_MFA_CODE": CODE}, "Session": SESSION}),
        json.dumps({"ChallengeResponses": {"EMAIL_OTP_CODE": CODE, "SMS_OTP_CODE": CODE}}),
        json.dumps({"ConfirmationCode": CODE, "Password": NEW_PASSWORD}),
        json.dumps({"UserCode": CODE, "AccessToken": ACCESS_TOKEN}),
        json.dumps({"PreviousPassword": PASSWORD, "ProposedPassword": NEW_PASSWORD}),
        json.dumps({"SecretCode": TOTP_SECRET, "Session": SESSION}),
        json.dumps({"AccessToken": ACCESS_TOKEN, "IdToken": ID_TOKEN, "RefreshToken": REFRESH_TOKEN}),
        json.dumps({"Token": REFRESH_TOKEN, "ClientSecret": CLIENT_SECRET}),
        json.dumps({"TemporaryPassword": PASSWORD}),
        json.dumps({"device_password": DEVICE_PASSWORD, "DEVICE_PASSWORD": DEVICE_PASSWORD}),
        json.dumps({"kind": "signup", "code": CODE, "temporary_password": PASSWORD}),
        json.dumps({"access_token": ACCESS_TOKEN, "id_token": ID_TOKEN, "refresh_token": REFRESH_TOKEN}),
        # a password with quotes and backslashes, escaped by JSON
        json.dumps({"Password": 'a"b\\c' + PASSWORD}),
        # Python reprs
        repr({"Password": PASSWORD, "SecretHash": SECRET_HASH}),
        repr({"Password": "it's " + PASSWORD}),
        repr({"device_password": DEVICE_PASSWORD}),
        # bytes reprs, as botocore prints request and response bodies
        repr(
            json.dumps({"AuthParameters": {"PASSWORD": 'q"' + PASSWORD, "SECRET_HASH": SECRET_HASH}}).encode()
        ),
        "Response body:\n"
        + repr(json.dumps({"AuthenticationResult": {"AccessToken": ACCESS_TOKEN}}).encode()),
        repr({"headers": {"Authorization": b"AWS4-HMAC-SHA256 Credential=x, Signature=" + SESSION.encode()}}),
        # query strings and URLs
        f"POST /accounts/confirm/?username=alice&code={CODE}&password={PASSWORD}",
        f"otpauth://totp/Portal:alice?secret={TOTP_SECRET}&issuer=Portal",
        # a JWT anywhere in free text
        f"got bearer {ACCESS_TOKEN} from the client",
        f"refresh with {REFRESH_TOKEN} now",
        # a filter string quoted inside JSON (escaped quotes)
        json.dumps({"detail": json.dumps({"Password": PASSWORD})}),
        # QueryDicts (request.POST), their dict and list forms, (name, value) pairs
        repr(QueryDict(urlencode({"username": "alice", "password": PASSWORD, "code": CODE}))),
        repr(QueryDict(urlencode([("code", CODE), ("code", CODE[::-1])]))),
        repr(dict(QueryDict(urlencode({"new_password1": NEW_PASSWORD, "password2": PASSWORD})).lists())),
        repr(list(QueryDict(urlencode({"password": PASSWORD, "code": CODE})).items())),
        repr(list(QueryDict(urlencode({"old_password": PASSWORD, "code": CODE})).lists())),
        repr(("password", PASSWORD)),
        repr([("Session", SESSION), ("device_password", DEVICE_PASSWORD)]),
        repr({"code": [int(CODE)]}),
        repr({"password": [PASSWORD + "]),('x"]}),
        json.dumps({"ChallengeResponses": {"SOFTWARE_TOKEN_MFA_CODE": [CODE]}}),
    ],
)
def test_redact_removes_canaries(line):
    assert_clean(redact(line))


def test_redact_keeps_harmless_text():
    line = json.dumps({"Username": "alice", "UserPoolId": "eu-west-1_abc", "PaginationToken": "page-2"})
    assert redact(line) == line
    form = repr(QueryDict("username=alice&next=/accounts/"))
    assert redact(form) == form


def make_record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("test", logging.INFO, __file__, 1, msg, args, exc_info)


def test_filter_redacts_arguments_and_keeps_the_record():
    record = make_record("params: %s", {"Password": PASSWORD})
    assert RedactSecretsFilter().filter(record) is True
    assert PASSWORD not in record.getMessage()
    assert "params:" in record.getMessage()


def test_filter_redacts_tracebacks():
    try:
        raise ValueError(json.dumps({"Password": PASSWORD}))
    except ValueError:
        import sys

        record = make_record("failed", exc_info=sys.exc_info())
    RedactSecretsFilter().filter(record)
    assert PASSWORD not in logging.Formatter().format(record)


def test_filter_survives_a_broken_format_string():
    record = make_record("broken %s %s " + json.dumps({"Password": PASSWORD}), "only-one")
    assert RedactSecretsFilter().filter(record) is True
    assert PASSWORD not in record.getMessage()


@pytest.fixture
def configured_log():
    """The project's own console handler (from settings.LOGGING), writing into a buffer, botocore at DEBUG."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    botocore_logger = logging.getLogger("botocore")
    previous_level = botocore_logger.level
    botocore_logger.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root_level = root.level
    root.setLevel(logging.DEBUG)
    yield buffer
    handler.setStream(previous_stream)
    botocore_logger.setLevel(previous_level)
    root.setLevel(root_level)


class EchoCognito(http.server.ThreadingHTTPServer):
    """Answers every call with tokens and a TOTP secret, so the response dump carries secrets too."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EchoHandler)


class EchoHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        target = self.headers.get("X-Amz-Target", "")
        if target.endswith("AssociateSoftwareToken"):
            payload = {"SecretCode": TOTP_SECRET, "Session": SESSION}
        else:
            payload = {
                "AuthenticationResult": {
                    "AccessToken": ACCESS_TOKEN,
                    "IdToken": ID_TOKEN,
                    "RefreshToken": REFRESH_TOKEN,
                    "ExpiresIn": 3600,
                },
                "ChallengeParameters": {},
            }
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_real_botocore_debug_output_carries_no_secret(configured_log):
    server = EchoCognito()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto_session().client(
            "cognito-idp",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            region_name="eu-west-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )
        idp = CognitoIdentityProvider(
            user_pool_id="eu-west-1_Pool",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            client_factory=lambda retry: client,
        )
        idp.admin_initiate_auth("alice", PASSWORD)
        idp.admin_respond_to_auth_challenge(
            "SOFTWARE_TOKEN_MFA", SESSION, "alice", {"SOFTWARE_TOKEN_MFA_CODE": CODE}
        )
        idp.associate_software_token(access_token=ACCESS_TOKEN)
        idp.revoke_token(REFRESH_TOKEN)
    finally:
        server.shutdown()
        server.server_close()
    output = configured_log.getvalue()
    # The dumps are there (so the test looks at the right thing) ...
    assert "Making request for OperationModel(name=AdminInitiateAuth)" in output
    assert "Response body" in output
    assert "Authorization" in output
    # ... and none of the secrets.
    assert_clean(output)


def test_stubbed_idp_call_with_debug_logging_carries_no_secret(configured_log):
    client = boto_session().client(
        "cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    idp = CognitoIdentityProvider(
        user_pool_id="eu-west-1_Pool",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_factory=lambda retry: client,
    )
    with Stubber(client) as stub:
        stub.add_client_error(
            "confirm_forgot_password",
            service_error_code="CodeMismatchException",
            service_message="Invalid code",
        )
        with pytest.raises(Exception):  # noqa: B017 (the mapping is tested elsewhere)
            idp.confirm_forgot_password("alice", CODE, NEW_PASSWORD)
    output = configured_log.getvalue()
    assert "confirm_forgot_password failed: CodeMismatchException" in output
    assert_clean(output)


def test_own_log_lines_with_a_device_password_are_clean(configured_log):
    logging.getLogger("accounts.devices").warning("stored device %s", {"device_password": DEVICE_PASSWORD})
    logging.getLogger("accounts.signin").info("session %r", {"Session": SESSION, "code": CODE})
    assert_clean(configured_log.getvalue())
    assert "stored device" in configured_log.getvalue()


# -- error reports: the technical 500 page (DEBUG) and Django's error log -----------------------------------
def exploding_sign_in(request):
    """A view that dies holding every kind of secret in its locals (the names a real one would use)."""
    password = request.POST["password"]
    form_data = request.POST
    pairs = list(request.POST.items())
    cognito_parameters = {"USERNAME": "alice", "PASSWORD": password, "SECRET_HASH": SECRET_HASH}
    device = {"device_key": "us-east-1_dev", "device_password": DEVICE_PASSWORD}
    pending = {"session": SESSION, "totp_secret": TOTP_SECRET}
    tokens = [("AccessToken", ACCESS_TOKEN), ("RefreshToken", REFRESH_TOKEN)]
    summary = f"PASSWORD={password}&code={request.POST.get('code')}"
    assert form_data and pairs and cognito_parameters and device and pending and tokens and summary
    raise RuntimeError(f"sign-in failed for {cognito_parameters!r}")


urlpatterns = [*portal_urlpatterns, path("explode/", exploding_sign_in)]

SECRET_POST = {"username": "alice", "password": PASSWORD, "code": CODE, "session": SESSION}


@pytest.mark.django_db
@pytest.mark.urls("tests.unit.test_log_redaction")
def test_the_debug_technical_500_page_shows_no_secret(settings):
    settings.DEBUG = True
    response = Client(raise_request_exception=False).post(f"/explode/?code={CODE}", SECRET_POST)
    page = response.content.decode()
    assert response.status_code == 500
    assert "exploding_sign_in" in page and "cognito_parameters" in page  # it is the technical page
    assert "alice" in page  # and it still shows what is not secret
    assert_clean(page)


@pytest.mark.django_db
@pytest.mark.urls("tests.unit.test_log_redaction")
def test_the_error_log_of_a_crash_shows_no_secret(configured_log):
    response = Client(raise_request_exception=False).post("/explode/", SECRET_POST)
    assert response.status_code == 500
    output = configured_log.getvalue()
    assert "Internal Server Error: /explode/" in output and "sign-in failed" in output
    assert_clean(output)


def test_the_filter_hides_secret_names_even_under_debug(settings, rf):
    settings.DEBUG = True
    request = rf.post("/", {"username": "alice", "new_password1": PASSWORD, "device_key": "k"})
    reporter_filter = SecretsExceptionReporterFilter()
    posted = reporter_filter.get_post_parameters(request)
    assert posted["username"] == "alice"
    assert posted["new_password1"] == posted["device_key"] == reporter_filter.cleansed_substitute
    assert reporter_filter.cleanse_variable("otp_code", CODE) == reporter_filter.cleansed_substitute
    assert reporter_filter.cleanse_variable("params", {"Session": SESSION})["Session"] != SESSION
    assert reporter_filter.cleanse_variable("note", f"Password={PASSWORD}") == "Password=***"
