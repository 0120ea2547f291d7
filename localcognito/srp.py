"""Server side of Cognito's SRP-6a variant (user PASSWORD_VERIFIER and DEVICE_PASSWORD_VERIFIER)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from pycognito.aws_srp import G_HEX, N_HEX

N = int(N_HEX, 16)
G = int(G_HEX, 16)


def pad(value: int) -> bytes:
    """Minimal big-endian bytes with a leading 00 when the top bit is set (Java BigInteger convention)."""
    text = f"{value:x}"
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdef":
        text = "00" + text
    return bytes.fromhex(text)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


K = int.from_bytes(_h(pad(N) + pad(G)), "big")


def password_x(salt: bytes, pool_part: str, user_part: str, password: str) -> int:
    inner = _h(f"{pool_part}{user_part}:{password}".encode())
    return int.from_bytes(_h(salt + inner), "big")


def verifier(salt: bytes, pool_part: str, user_part: str, password: str) -> int:
    return pow(G, password_x(salt, pool_part, user_part, password), N)


def new_salt() -> bytes:
    return pad(int.from_bytes(secrets.token_bytes(16), "big"))


@dataclass
class ServerChallenge:
    """What the server remembers between sending SRP_B and checking the claim signature."""

    pool_part: str
    user_part: str
    v: int
    b: int
    big_b: int
    big_a: int
    secret_block: bytes

    @classmethod
    def start(cls, pool_part: str, user_part: str, v: int, srp_a_hex: str) -> ServerChallenge:
        try:
            big_a = int(srp_a_hex, 16)
        except (TypeError, ValueError):
            big_a = 0
        if big_a % N == 0:
            raise ValueError("SRP_A must be a non-zero hex number modulo N")
        b = int.from_bytes(secrets.token_bytes(32), "big") % N
        big_b = (K * v + pow(G, b, N)) % N
        return cls(pool_part, user_part, v, b, big_b, big_a, secrets.token_bytes(512))

    @property
    def srp_b_hex(self) -> str:
        return f"{self.big_b:x}"

    @property
    def secret_block_b64(self) -> str:
        return base64.standard_b64encode(self.secret_block).decode()

    def session_key(self) -> bytes:
        u = int.from_bytes(_h(pad(self.big_a) + pad(self.big_b)), "big")
        if u == 0:
            return b""
        s = pow(self.big_a * pow(self.v, u, N), self.b, N)
        prk = hmac.new(pad(u), pad(s), hashlib.sha256).digest()
        return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]

    def check(self, secret_block_b64: str, timestamp: str, signature_b64: str) -> bool:
        """True when the client proved knowledge of the password behind v for this exchange."""
        if secret_block_b64 != self.secret_block_b64 or not timestamp or not signature_b64:
            return False
        key = self.session_key()
        if not key:
            return False
        msg = self.pool_part.encode() + self.user_part.encode() + self.secret_block + timestamp.encode()
        expected = base64.standard_b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, signature_b64)
