"""Device SRP maths checked against an independent computation from cognito-api-notes §1.3 to §1.7.

Nothing below imports pycognito: the toy server and the known-answer values use only hashlib/hmac/pow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import locale
import secrets
from datetime import UTC, datetime, timedelta, timezone

import pytest

from accounts.cognito import srp

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
GROUP_KEY = "-wt2ha1Zd"
DEVICE_KEY = "us-east-1_0c8b4a3e-1f2d-4c5b-9a8e-7d6c5b4a3f2e"


def pad(value: int) -> bytes:
    """Java BigInteger.toByteArray: minimal big-endian bytes, plus 00 when the top bit is set."""
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return b"\x00" + raw if raw[0] & 0x80 else raw


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def as_int(data: bytes) -> int:
    return int.from_bytes(data, "big")


K = as_int(sha(pad(N) + pad(G)))


def password_x(salt: bytes, password: str) -> int:
    return as_int(sha(pad(as_int(salt)) + sha(f"{GROUP_KEY}{DEVICE_KEY}:{password}".encode())))


class ToySrpServer:
    """Cognito's side of DEVICE_PASSWORD_VERIFIER, from the textbook formulas."""

    def __init__(self, verifier_b64: str, salt_b64: str) -> None:
        self.v = as_int(base64.b64decode(verifier_b64))
        self.salt = base64.b64decode(salt_b64)
        self.b = as_int(secrets.token_bytes(64))
        self.big_b = (K * self.v + pow(G, self.b, N)) % N
        self.secret_block = secrets.token_bytes(64)

    def challenge(self, *, drop_leading_zeros: bool = True) -> dict[str, str]:
        salt_hex = self.salt.hex()
        return {
            "SRP_B": format(self.big_b, "x"),
            # Cognito may echo the salt without its leading zeros.
            "SALT": salt_hex.lstrip("0") if drop_leading_zeros else salt_hex,
            "SECRET_BLOCK": base64.b64encode(self.secret_block).decode(),
            "USERNAME": "alice",
        }

    def expected_signature(self, srp_a_hex: str, timestamp: str) -> str:
        big_a = int(srp_a_hex, 16)
        u = as_int(sha(pad(big_a) + pad(self.big_b)))
        s_server = pow(big_a * pow(self.v, u, N), self.b, N)
        prk = hmac.new(pad(u), pad(s_server), hashlib.sha256).digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
        message = GROUP_KEY.encode() + DEVICE_KEY.encode() + self.secret_block + timestamp.encode()
        return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def test_signature_verifies_against_an_independent_srp_server():
    verifier = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    server = ToySrpServer(verifier.verifier_b64, verifier.salt_b64)
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, verifier.password)
    answers = client.password_verifier_responses(server.challenge())

    assert set(answers) == {
        "DEVICE_KEY",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "TIMESTAMP",
        "PASSWORD_CLAIM_SIGNATURE",
    }
    assert answers["DEVICE_KEY"] == DEVICE_KEY
    assert answers["PASSWORD_CLAIM_SECRET_BLOCK"] == server.challenge()["SECRET_BLOCK"]
    assert answers["PASSWORD_CLAIM_SIGNATURE"] == server.expected_signature(
        client.srp_a, answers["TIMESTAMP"]
    )


@pytest.mark.parametrize("salt_first_byte", [0x00, 0x05, 0x80, 0xFF])
def test_signature_verifies_for_salts_needing_and_not_needing_padding(monkeypatch, salt_first_byte):
    real = srp._random_bytes

    def random_bytes(count: int) -> bytes:
        data = real(count)
        return bytes([salt_first_byte]) + data[1:] if count == srp.SALT_BYTES else data

    monkeypatch.setattr(srp, "_random_bytes", random_bytes)
    verifier = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    server = ToySrpServer(verifier.verifier_b64, verifier.salt_b64)
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, verifier.password)
    for drop in (True, False):
        answers = client.password_verifier_responses(server.challenge(drop_leading_zeros=drop))
        assert answers["PASSWORD_CLAIM_SIGNATURE"] == server.expected_signature(
            client.srp_a, answers["TIMESTAMP"]
        )


def test_wrong_device_password_gives_a_signature_the_server_rejects():
    verifier = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    server = ToySrpServer(verifier.verifier_b64, verifier.salt_b64)
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, verifier.password + "x")
    answers = client.password_verifier_responses(server.challenge())
    assert answers["PASSWORD_CLAIM_SIGNATURE"] != server.expected_signature(
        client.srp_a, answers["TIMESTAMP"]
    )


def test_known_answer_verifier_for_fixed_randomness(monkeypatch):
    password_bytes = bytes(range(40))
    salt_bytes = bytes([0x9A, *range(1, 16)])  # top bit set: PAD adds a 00 byte
    fixed = {srp.DEVICE_PASSWORD_BYTES: password_bytes, srp.SALT_BYTES: salt_bytes}
    monkeypatch.setattr(srp, "_random_bytes", lambda count: fixed[count])

    result = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)

    password = base64.b64encode(password_bytes).decode()
    salt = b"\x00" + salt_bytes
    x = as_int(sha(salt + sha(f"{GROUP_KEY}{DEVICE_KEY}:{password}".encode())))
    verifier = pow(G, x, N)
    assert result.password == password
    assert base64.b64decode(result.salt_b64) == salt
    assert base64.b64decode(result.verifier_b64) == pad(verifier)
    assert as_int(base64.b64decode(result.verifier_b64)) == pow(G, password_x(salt, password), N)


def test_verifier_is_fresh_each_time_and_repr_hides_the_password():
    first = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    second = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    assert first.password != second.password
    assert first.salt_b64 != second.salt_b64
    assert len(base64.b64decode(first.password)) == 40
    assert len(base64.b64decode(first.salt_b64)) in (16, 17)
    assert first.password not in repr(first)
    assert first.verifier_b64 in repr(first)


def test_srp_a_is_lowercase_unpadded_hex_of_g_to_the_a_and_fresh_per_client(monkeypatch):
    a_bytes = bytes([0x01] * srp.EPHEMERAL_BYTES)
    monkeypatch.setattr(srp, "_random_bytes", lambda count: a_bytes)
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, "pw")
    assert client.srp_a == format(pow(G, as_int(a_bytes), N), "x")
    assert client.srp_a == client.srp_a.lower()
    assert not client.srp_a.startswith("0")
    monkeypatch.undo()
    assert (
        srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, "pw").srp_a
        != srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, "pw").srp_a
    )


def test_client_repr_hides_the_device_password():
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, "device-password-canary")
    assert "device-password-canary" not in repr(client)


@pytest.mark.parametrize("big_b", [0, N, 2 * N])
def test_rejects_srp_b_congruent_to_zero(big_b):
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, "pw")
    challenge = {"SRP_B": format(big_b, "x"), "SALT": "ab", "SECRET_BLOCK": "AAAA"}
    with pytest.raises(srp.SrpError, match="SRP_B"):
        client.password_verifier_responses(challenge)


def test_rejects_u_equal_to_zero(monkeypatch):
    monkeypatch.setattr(srp, "calculate_u", lambda big_a, big_b: 0)
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, "pw")
    with pytest.raises(srp.SrpError, match="u is 0"):
        client.password_verifier_responses({"SRP_B": "1234", "SALT": "ab", "SECRET_BLOCK": "AAAA"})


@pytest.mark.parametrize(
    "challenge",
    [
        {},
        {"SRP_B": "zz", "SALT": "ab", "SECRET_BLOCK": "AAAA"},
        {"SRP_B": "1234", "SALT": "ab", "SECRET_BLOCK": "not base64!"},
        {"SRP_B": "1234", "SALT": "", "SECRET_BLOCK": "AAAA"},
    ],
)
def test_malformed_challenge_is_a_clear_error(challenge):
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, "pw")
    with pytest.raises(srp.SrpError, match="malformed"):
        client.password_verifier_responses(challenge)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC), "Tue Mar 5 07:08:09 UTC 2024"),
        (datetime(2024, 12, 25, 23, 59, 0, tzinfo=UTC), "Wed Dec 25 23:59:00 UTC 2024"),
        (datetime(2024, 3, 5, 7, 8, 9), "Tue Mar 5 07:08:09 UTC 2024"),  # naive means UTC
        # 02:30 on Sunday 1 Sep at UTC+5 is 21:30 on Saturday 31 Aug in UTC
        (datetime(2024, 9, 1, 2, 30, 0, tzinfo=timezone(timedelta(hours=5))), "Sat Aug 31 21:30:00 UTC 2024"),
    ],
)
def test_timestamp_format(moment, expected):
    assert srp.cognito_timestamp(moment) == expected


def test_timestamp_is_english_whatever_the_locale():
    previous = locale.setlocale(locale.LC_TIME)
    for name in ("de_DE.UTF-8", "fr_FR.UTF-8", "es_ES.UTF-8"):
        try:
            locale.setlocale(locale.LC_TIME, name)
        except locale.Error:
            continue
        try:
            moment = datetime(2024, 5, 2, 1, 2, 3, tzinfo=UTC)
            assert srp.cognito_timestamp(moment) == "Thu May 2 01:02:03 UTC 2024"
        finally:
            locale.setlocale(locale.LC_TIME, previous)
        return
    pytest.skip("no non-English locale is installed here to switch to")


def test_responses_use_the_given_time_and_sign_it():
    verifier = srp.new_device_verifier(GROUP_KEY, DEVICE_KEY)
    server = ToySrpServer(verifier.verifier_b64, verifier.salt_b64)
    client = srp.DeviceSrpClient(DEVICE_KEY, GROUP_KEY, verifier.password)
    moment = datetime(2025, 1, 9, 10, 11, 12, tzinfo=UTC)
    answers = client.password_verifier_responses(server.challenge(), now=moment)
    assert answers["TIMESTAMP"] == "Thu Jan 9 10:11:12 UTC 2025"
    assert answers["PASSWORD_CLAIM_SIGNATURE"] == server.expected_signature(
        client.srp_a, answers["TIMESTAMP"]
    )
    other = client.password_verifier_responses(server.challenge(), now=moment + timedelta(seconds=1))
    assert other["PASSWORD_CLAIM_SIGNATURE"] != answers["PASSWORD_CLAIM_SIGNATURE"]
