"""The pending sign-in and the signed-in tokens, both kept only in the server-side session.

The browser never supplies the Cognito ``Session``, the username of a pending sign-in or where to go next:
they are written here by the server and read back from here only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.cognito.types import AuthTokens
from accounts.ratelimit import first_use, hit

PENDING_KEY = "accounts.signin.pending"
TOKENS_KEY = "accounts.signin.tokens"

# Cognito's auth-session validity is an app-client setting (3-15 minutes, 3 by default).
DEFAULT_AUTH_SESSION_SECONDS = 180
# How long a submitted answer counts as "still being checked" for an identical second submit.
DOUBLE_SUBMIT_SECONDS = 15
# Wrong codes allowed within one pending sign-in before the user is sent back to the password step.
MAX_CODE_ATTEMPTS = 3


def _fernet() -> Fernet:
    # Secrets in the session (tokens, a TOTP key being set up) are sealed with a key derived from
    # SECRET_KEY, which never lives in the database: a copy of the session table alone is useless.
    digest = hashlib.sha256(b"portal-session-secrets-v1\x00" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def unseal(value: str) -> str:
    """The sealed value, or '' when it is empty or does not decrypt (e.g. SECRET_KEY changed)."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def auth_session_seconds() -> int:
    """How long a challenge Session lives (seconds): the app client's AuthSessionValidity.

    Read from Cognito (DescribeUserPoolClient, cached per process); Cognito's default when it cannot be
    read, so the portal never promises more time than Cognito gives.
    """
    from accounts.cognito import client_description, errors

    try:
        return client_description().auth_session_seconds
    except errors.CognitoError:
        return DEFAULT_AUTH_SESSION_SECONDS


@dataclass
class PendingSignIn:
    """A sign-in that has passed the password step and waits for the answer to one challenge.

    ``username`` is the canonical username Cognito returned (``USER_ID_FOR_SRP`` / the challenge's
    ``USERNAME``): every answer and its SECRET_HASH use it. ``typed_name`` is what the person typed (a
    username in any case, an email, a preferred_username), kept for the pages and the rate limits only.
    ``expires_at`` is epoch seconds; ``id`` names this pending sign-in in shared counters.
    """

    username: str
    challenge: str
    session: str
    expires_at: float
    next_url: str = ""
    attempts: int = 0
    typed_name: str = ""
    id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    parameters: dict[str, str] = field(default_factory=dict)
    # MFA setup only: the association's Session and its key, kept until the code is verified.
    totp_session: str = ""
    totp_secret: str = ""
    # Remembered device used or offered during this sign-in (device key only, never the secret).
    device_key: str = ""

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at

    def renew(self, challenge: str, session: str, parameters: dict[str, str] | None = None) -> None:
        """Move to the next challenge; each Cognito Session string comes with a fresh validity."""
        self.challenge = challenge
        self.session = session
        self.parameters = dict(parameters or {})
        self.expires_at = time.time() + auth_session_seconds()
        self.attempts = 0
        self.totp_session = ""
        self.totp_secret = ""

    @property
    def seconds_left(self) -> int:
        return max(0, int(self.expires_at - time.time()))

    def __repr__(self) -> str:  # never show the Cognito Session or a TOTP key in logs or tracebacks
        return f"PendingSignIn(username={self.username!r}, challenge={self.challenge!r})"


def new_pending(
    username: str,
    challenge: str,
    session: str,
    parameters: dict[str, str],
    next_url: str,
    *,
    typed_name: str = "",
) -> PendingSignIn:
    """A pending sign-in for ``challenge``; ``username`` must be the canonical one (see the class)."""
    return PendingSignIn(
        username=username,
        challenge=challenge,
        session=session,
        parameters=dict(parameters),
        expires_at=time.time() + auth_session_seconds(),
        next_url=next_url,
        typed_name=typed_name or username,
    )


def count_wrong_code(pending: PendingSignIn) -> int:
    """Add one wrong code to ``pending`` in the shared counter store; returns the new count.

    Counted outside the session, atomically: two requests of one session racing with wrong codes cannot
    both see "2 so far" (the session is saved whole at the end of each request, last write wins).
    """
    pending.attempts = hit(f"signin-wrong-codes:{pending.id}", DEFAULT_AUTH_SESSION_SECONDS * 5 + 60)
    return pending.attempts


def first_answer(pending: PendingSignIn, answer: Mapping[str, Any]) -> bool:
    """True for the first submission of ``answer`` (the posted form) to this challenge, False for a
    double submit of the same form within ``DOUBLE_SUBMIT_SECONDS``."""
    digest = hashlib.sha256(
        json.dumps([pending.session, sorted((k, str(v)) for k, v in answer.items())]).encode()
    ).hexdigest()[:32]
    return first_use(f"signin-answer:{pending.id}:{digest}", DOUBLE_SUBMIT_SECONDS)


# -- which pending sign-in a stage page was rendered for ---------------------------------------------------
PAGE_TAG_FIELD = "signin_tag"  # the hidden field of every stage form
_PAGE_TAG_SALT = "accounts.signin.page-tag"


class PageMatch(Enum):
    """How a posted stage form relates to the sign-in pending now (see ``match_page``)."""

    UNTAGGED = "untagged"  # no tag: a client that posts only the contract's fields (DESIGN §5)
    CURRENT = "current"  # rendered for this very sign-in, challenge and (MFA set-up) key
    SAME_ACCOUNT = "same_account"  # rendered for an earlier sign-in of the same account
    OTHER = "other"  # rendered for another account's sign-in, or not by this site


def _tag_part(*parts: str) -> str:
    return salted_hmac(_PAGE_TAG_SALT, "\x00".join(parts), algorithm="sha256").hexdigest()[:16]


def page_tag(pending: PendingSignIn) -> str:
    """The hidden, non-secret tag a stage page carries: ``"<sign-in>.<account>"``, 16 hex digits each.

    The first part names this pending sign-in (its random ``id``), its challenge and, during MFA set-up,
    the key on the page; the second part names the account (the canonical username). Both are HMACs keyed
    by SECRET_KEY, so the tag tells the browser nothing and can be checked without storing anything; the
    key and the Cognito Session never leave the server.
    """
    sign_in = _tag_part("sign-in", pending.id, pending.challenge, pending.totp_secret)
    return f"{sign_in}.{_tag_part('account', pending.username)}"


def match_page(pending: PendingSignIn, posted: str) -> PageMatch:
    """Compare the tag a form was posted with (``page_tag`` at render time) with ``pending``."""
    posted = (posted or "").strip()
    if not posted:
        return PageMatch.UNTAGGED
    posted_sign_in, _dot, posted_account = posted.partition(".")
    current_sign_in, _dot, current_account = page_tag(pending).partition(".")
    if constant_time_compare(posted_sign_in, current_sign_in) and constant_time_compare(
        posted_account, current_account
    ):
        return PageMatch.CURRENT
    if constant_time_compare(posted_account, current_account):
        return PageMatch.SAME_ACCOUNT
    return PageMatch.OTHER


def load_pending(session: SessionBase) -> PendingSignIn | None:
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    try:
        pending = PendingSignIn(**data)
    except TypeError:  # written by an older version of this module
        session.pop(PENDING_KEY, None)
        return None
    pending.totp_secret = unseal(pending.totp_secret)
    return pending


def save_pending(session: SessionBase, pending: PendingSignIn) -> None:
    data = asdict(pending)
    data["totp_secret"] = seal(pending.totp_secret)
    session[PENDING_KEY] = data


def clear_pending(session: SessionBase) -> None:
    session.pop(PENDING_KEY, None)


# -- tokens of a signed-in user -----------------------------------------------------------------------------
@dataclass
class SessionTokens:
    """The Cognito tokens of the signed-in user; they never leave the server."""

    username: str
    access_token: str
    id_token: str
    refresh_token: str
    expires_at: float
    device_key: str = ""

    @property
    def access_expired(self) -> bool:
        # Refresh a little early so a request never starts with a token that dies halfway through.
        return time.time() >= self.expires_at - 60

    def __repr__(self) -> str:
        return f"SessionTokens(username={self.username!r}, expires_at={self.expires_at!r})"


def store_tokens(session: SessionBase, username: str, tokens: AuthTokens, *, device_key: str = "") -> None:
    previous = load_tokens(session)
    secrets = {
        "access_token": tokens.access_token,
        "id_token": tokens.id_token,
        # A refresh answer carries no refresh token (unless rotation is on): keep the one we have.
        "refresh_token": tokens.refresh_token or (previous.refresh_token if previous else ""),
    }
    data: dict[str, Any] = {
        "username": username,
        "expires_at": time.time() + tokens.expires_in,
        "device_key": device_key or (previous.device_key if previous else ""),
        "sealed": seal(json.dumps(secrets)),
    }
    session[TOKENS_KEY] = data


def load_tokens(session: SessionBase) -> SessionTokens | None:
    data = session.get(TOKENS_KEY)
    if not isinstance(data, dict):
        return None
    try:
        secrets = json.loads(unseal(data.get("sealed", "")) or "null")
        return SessionTokens(
            username=data["username"],
            expires_at=float(data["expires_at"]),
            device_key=data.get("device_key", ""),
            access_token=secrets["access_token"],
            id_token=secrets["id_token"],
            refresh_token=secrets["refresh_token"],
        )
    except (KeyError, TypeError, ValueError):
        return None
