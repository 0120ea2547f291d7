"""Device SRP maths: the ConfirmDevice verifier and the DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER answers.

Built on pycognito's ``aws_srp`` helpers with the formulas of cognito-api-notes §1.3 to §1.7. For a device,
the "pool part" of every hash is the DeviceGroupKey and the "user part" is the DeviceKey; the password is the
random device password generated when the device was confirmed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pycognito.aws_srp import (
    G_HEX,
    MONTH_NAMES,
    N_HEX,
    WEEKDAY_NAMES,
    calculate_u,
    compute_hkdf,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

from accounts.cognito.errors import CognitoError

N = hex_to_long(N_HEX)
G = hex_to_long(G_HEX)
# k = H(PAD(N) || PAD(g))
K_MULTIPLIER = hex_to_long(hex_hash("00" + N_HEX + "0" + G_HEX))

DEVICE_PASSWORD_BYTES = 40
SALT_BYTES = 16
EPHEMERAL_BYTES = 128


class SrpError(CognitoError):
    """The server's SRP values are unusable (B ≡ 0 mod N, u = 0, or malformed parameters)."""


def _random_bytes(count: int) -> bytes:
    """Cryptographic randomness (one place, so tests can fix it for known-answer checks)."""
    return secrets.token_bytes(count)


def _pad_bytes(value: int | str) -> bytes:
    """PAD(n) as bytes: big-endian, with a leading 00 byte when the top bit is set."""
    return bytes.fromhex(pad_hex(value))


def _password_hash_x(salt_hex: str, device_group_key: str, device_key: str, password: str) -> int:
    """x = H(PAD(salt) || H(utf8(DeviceGroupKey + DeviceKey + ":" + password)))."""
    inner = hash_sha256(f"{device_group_key}{device_key}:{password}".encode())
    # Cognito may echo the salt with its leading zero byte dropped, so re-pad it from its value.
    return hex_to_long(hex_hash(pad_hex(hex_to_long(salt_hex)) + inner))


@dataclass(frozen=True)
class DeviceVerifier:
    """What ConfirmDevice needs (verifier, salt: base64) and the device password to keep, encrypted."""

    password: str = field(repr=False)
    verifier_b64: str
    salt_b64: str


def new_device_verifier(device_group_key: str, device_key: str) -> DeviceVerifier:
    """A fresh random device password and its SRP verifier ``base64(PAD(g^x mod N))`` with a random salt."""
    password = base64.b64encode(_random_bytes(DEVICE_PASSWORD_BYTES)).decode("ascii")
    salt_hex = pad_hex(int.from_bytes(_random_bytes(SALT_BYTES), "big"))
    x = _password_hash_x(salt_hex, device_group_key, device_key, password)
    verifier = pow(G, x, N)
    return DeviceVerifier(
        password=password,
        verifier_b64=base64.b64encode(_pad_bytes(verifier)).decode("ascii"),
        salt_b64=base64.b64encode(bytes.fromhex(salt_hex)).decode("ascii"),
    )


def cognito_timestamp(now: datetime | None = None) -> str:
    """``Tue Mar 5 07:08:09 UTC 2024``: English names whatever the locale, day not zero-padded."""
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return (
        f"{WEEKDAY_NAMES[now.weekday()]} {MONTH_NAMES[now.month - 1]} {now.day} "
        f"{now.hour:02d}:{now.minute:02d}:{now.second:02d} UTC {now.year}"
    )


class DeviceSrpClient:
    """The client side of one device-SRP exchange: send ``srp_a``, then answer the verifier challenge."""

    def __init__(self, device_key: str, device_group_key: str, device_password: str) -> None:
        self.device_key = device_key
        self.device_group_key = device_group_key
        self._password = device_password
        while True:
            self._a = int.from_bytes(_random_bytes(EPHEMERAL_BYTES), "big") % N
            self._big_a = pow(G, self._a, N)
            if self._a and self._big_a % N:
                break

    def __repr__(self) -> str:
        return f"DeviceSrpClient(device_key={self.device_key!r})"

    @property
    def srp_a(self) -> str:
        """A as plain lowercase hex (no padding), for ChallengeResponses.SRP_A."""
        return long_to_hex(self._big_a)

    def password_verifier_responses(
        self, challenge_parameters: dict[str, str], now: datetime | None = None
    ) -> dict[str, str]:
        """ChallengeResponses for DEVICE_PASSWORD_VERIFIER (the caller adds USERNAME and SECRET_HASH)."""
        try:
            big_b = hex_to_long(challenge_parameters["SRP_B"])
            salt_hex = challenge_parameters["SALT"]
            hex_to_long(salt_hex)
            secret_block = challenge_parameters["SECRET_BLOCK"]
            secret_block_bytes = base64.b64decode(secret_block, validate=True)
        except (KeyError, ValueError, TypeError) as exc:
            raise SrpError("The device challenge is missing or has malformed SRP parameters.") from exc
        if big_b % N == 0:
            raise SrpError("The server sent SRP_B ≡ 0 (mod N); refusing to continue.", code="InvalidSrpB")
        u = calculate_u(self._big_a, big_b)
        if u == 0:
            raise SrpError("The SRP scrambling parameter u is 0; refusing to continue.", code="InvalidSrpU")
        x = _password_hash_x(salt_hex, self.device_group_key, self.device_key, self._password)
        base = (big_b - K_MULTIPLIER * pow(G, x, N)) % N
        s = pow(base, self._a + u * x, N)
        key = compute_hkdf(_pad_bytes(s), _pad_bytes(u))
        timestamp = cognito_timestamp(now)
        message = (
            self.device_group_key.encode()
            + self.device_key.encode()
            + secret_block_bytes
            + timestamp.encode()
        )
        signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")
        return {
            "DEVICE_KEY": self.device_key,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": signature,
        }
