"""Rate limits for the end-user POSTs, on atomic counters that every worker and app server shares.

Each action has a limit per client IP, a hard limit per (username, IP) pair and a higher, soft limit per
username. The pair limit stops one address from guessing at one account. The soft limit engages when
many addresses try the same username; it then refuses only the addresses that have already tried that
username, so the owner signing in from a clean address is never locked out by an attacker (Cognito's own
per-user lockout stays the hard stop).

Every limit is increment-then-check: ``check()`` counts the attempt first and refuses when the new count is
over the limit, so N concurrent requests can never all pass a check that read the count before any of
them wrote it. A successful sign-in clears that address's login and MFA counters for the user (the shape
of django-allauth's ``login_failed`` limit: consumed before authenticating, cleared after a success).

Counters live in Redis when the default cache is django-redis (one atomic Lua script: INCR, EXPIRE on
creation, TTL), otherwise in the ``RateCounter`` table (``UPDATE … SET count = count + 1`` inside a
transaction, create-on-miss retried on a unique-key race). Never in a per-process cache.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


# -- the shared counters ------------------------------------------------------------------------------------
def hit(key: str, ttl: int) -> int:
    """Atomically add one to the counter ``key`` and return the new count (1 for a new or expired one).

    A counter lives ``ttl`` seconds from its first hit (later hits do not extend it). Safe across threads,
    processes and app servers sharing the database or the Redis cache. Raises ``ValueError`` for a ttl
    under one second; database or Redis errors propagate.
    """
    return _store().hit(_stored_key(key), _ttl(ttl))[0]


def first_use(key: str, ttl: int) -> bool:
    """True exactly once per ``key`` within ``ttl`` seconds: a TOTP replay guard, a single-use token."""
    return hit(key, ttl) == 1


def peek(key: str) -> tuple[int, int]:
    """``(count, seconds until the counter expires)`` without counting; ``(0, 0)`` when there is none."""
    return _store().peek(_stored_key(key))


def reset(key: str) -> None:
    """Forget the counter ``key`` (a successful sign-in clears its failure counters)."""
    _store().reset(_stored_key(key))


def _ttl(ttl: int) -> int:
    if int(ttl) < 1:
        raise ValueError(f"a counter needs a ttl of at least one second, not {ttl!r}")
    return int(ttl)


def _stored_key(key: str) -> str:
    # Keys are caller-chosen; long ones are hashed to fit the column (and Redis keys stay short).
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _now():
    return timezone.now()


def uses_redis() -> bool:
    """True when the default cache is django-redis: the counters then live in Redis, else in the database."""
    return settings.CACHES["default"]["BACKEND"].startswith("django_redis.")


class DatabaseCounters:
    """Counters in the ``RateCounter`` table; atomic on SQLite (IMMEDIATE transactions) and PostgreSQL."""

    # Expired rows are purged when a counter is created: at most this many each time, oldest first.
    PURGE_BATCH = 50

    def hit(self, key: str, ttl: int) -> tuple[int, int]:
        from accounts.models import RateCounter

        for _attempt in range(5):
            now = _now()
            with transaction.atomic():
                live = RateCounter.objects.filter(key=key, expires_at__gt=now)
                # The UPDATE takes the row's write lock until commit, so the count read back is ours.
                if live.update(count=F("count") + 1):
                    count, expires_at = live.values_list("count", "expires_at").get()
                    return count, _seconds_until(expires_at, now)
                expires_at = now + timedelta(seconds=ttl)
                if RateCounter.objects.filter(key=key, expires_at__lte=now).update(
                    count=1, expires_at=expires_at
                ):
                    return 1, ttl
                try:
                    with transaction.atomic():
                        RateCounter.objects.create(key=key, count=1, expires_at=expires_at)
                except IntegrityError:
                    continue  # another request created it first: count on that row
            self._purge(now)
            return 1, ttl
        raise RuntimeError(f"rate counter {key!r} kept changing under five attempts")

    def peek(self, key: str) -> tuple[int, int]:
        from accounts.models import RateCounter

        now = _now()
        row = RateCounter.objects.filter(key=key, expires_at__gt=now).values_list("count", "expires_at")
        found = row.first()
        return (found[0], _seconds_until(found[1], now)) if found else (0, 0)

    def reset(self, key: str) -> None:
        from accounts.models import RateCounter

        RateCounter.objects.filter(key=key).delete()

    def _purge(self, now) -> None:
        from accounts.models import RateCounter

        expired = RateCounter.objects.filter(expires_at__lte=now).order_by("expires_at")
        if connection.features.has_select_for_update_skip_locked:
            expired = expired.select_for_update(skip_locked=True)  # never wait on a row in use
        with transaction.atomic():
            keys = list(expired.values_list("key", flat=True)[: self.PURGE_BATCH])
            if keys:
                RateCounter.objects.filter(key__in=keys, expires_at__lte=now).delete()


def _seconds_until(moment, now) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


class RedisCounters:
    """Counters in Redis, next to the django-redis cache (same connection, key prefix and version)."""

    # INCR and EXPIRE in one script: a counter can never be left without its expiry.
    HIT = """
    local count = redis.call('INCR', KEYS[1])
    local ttl = redis.call('TTL', KEYS[1])
    if count == 1 or ttl < 0 then
        redis.call('EXPIRE', KEYS[1], ARGV[1])
        ttl = tonumber(ARGV[1])
    end
    return {count, ttl}
    """

    def _client(self):
        from django_redis import get_redis_connection

        return get_redis_connection("default")

    def _key(self, key: str) -> str:
        return cache.make_key(f"ratecounter:{key}")

    def hit(self, key: str, ttl: int) -> tuple[int, int]:
        count, remaining = self._client().eval(self.HIT, 1, self._key(key), ttl)
        return int(count), max(1, int(remaining))

    def peek(self, key: str) -> tuple[int, int]:
        pipe = self._client().pipeline()
        pipe.get(self._key(key))
        pipe.ttl(self._key(key))
        count, remaining = pipe.execute()
        return (int(count), max(1, int(remaining))) if count is not None else (0, 0)

    def reset(self, key: str) -> None:
        self._client().delete(self._key(key))


def _store() -> DatabaseCounters | RedisCounters:
    return RedisCounters() if uses_redis() else DatabaseCounters()


# -- the limits of the end-user actions ---------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """``count`` events per ``period`` seconds."""

    count: int
    period: int


@dataclass(frozen=True)
class Limits:
    """The rules of one action; ``cooldown`` is in seconds (0: none)."""

    per_ip: Rule
    per_pair: Rule | None = None  # (username, IP): hard
    per_username: Rule | None = None  # username from any IP: soft (see the module docstring)
    cooldown: int = 0  # seconds between two events for one username (code sending)


# Tighter than Cognito's own per-user quotas (resend 5/h, confirm 15/h, forgot 5-20/h), and applied the
# same way to unknown usernames so a limit never tells whether an account exists.
DEFAULT_LIMITS: dict[str, Limits] = {
    "login": Limits(per_ip=Rule(30, 300), per_pair=Rule(5, 900), per_username=Rule(20, 900)),
    "mfa": Limits(per_ip=Rule(30, 300), per_pair=Rule(5, 900), per_username=Rule(20, 900)),
    "signup": Limits(per_ip=Rule(10, 3600)),
    "confirm": Limits(per_ip=Rule(30, 3600), per_pair=Rule(5, 3600), per_username=Rule(12, 3600)),
    "resend": Limits(per_ip=Rule(10, 3600), per_pair=Rule(3, 3600), per_username=Rule(3, 3600), cooldown=60),
    "password_reset": Limits(
        per_ip=Rule(10, 3600), per_pair=Rule(3, 3600), per_username=Rule(3, 3600), cooldown=60
    ),
    "password_reset_confirm": Limits(
        per_ip=Rule(30, 3600), per_pair=Rule(5, 3600), per_username=Rule(10, 3600)
    ),
    "password_change": Limits(per_ip=Rule(20, 3600), per_pair=Rule(5, 3600), per_username=Rule(10, 3600)),
}
# Counters a successful sign-in clears for the user at that address.
SIGN_IN_ACTIONS = ("login", "mfa")


def limits_for(action: str) -> Limits:
    """The limits of ``action``: ``settings.PORTAL_RATE_LIMITS[action]`` if set, else the defaults."""
    overrides = getattr(settings, "PORTAL_RATE_LIMITS", None) or {}
    return overrides.get(action) or DEFAULT_LIMITS[action]


def client_ip(request: HttpRequest) -> str:
    """The client address the limits count by: ``REMOTE_ADDR`` only (X-Forwarded-For is trivially forged).

    Behind a proxy, a middleware that knows the proxy topology must set REMOTE_ADDR first.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"


def normalise(username: str) -> str:
    """The form usernames are counted under: the account's sub when the portal knows which account the
    typed name finds (so a username, its email and preferred_username, in any case, share one count);
    otherwise the name, stripped and case-folded."""
    typed = (username or "").strip()
    if not typed:
        return ""
    sub = known_sub(typed)
    return f"sub:{sub}" if sub else typed.casefold()


def known_sub(typed: str) -> str:
    """The sub of the mirror user ``typed`` signs in under the pool's rules ('' when none is known).

    Only the portal's own records and an already cached pool description are read: a limit is decided
    without calling Cognito. Ties go to a username match, as in Cognito.
    """
    from django.db.models import Q

    from accounts.cognito import cached_pool_description
    from accounts.identity import same_name
    from accounts.models import User

    pool = cached_pool_description()
    matches = User.objects.filter(
        Q(username__iexact=typed)
        | Q(email__iexact=typed)
        | Q(preferred_username__iexact=typed)
        | Q(cognito_sub__iexact=typed)
    ).exclude(cognito_sub=None)[:10]
    best: tuple[int, str] | None = None
    for user in matches:
        sub = user.cognito_sub or ""
        if sub.lower() == typed.lower():
            rank = 0
        elif pool is None:
            rank = 0 if user.username == typed else None
        elif same_name(typed, user.username, pool):
            rank = 0
        else:
            rank = 1 if user.identity.answers_to(typed, pool) else None
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, sub)
    return best[1] if best else ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Blocked:
    """A refused request: how long (seconds) until the client may try again."""

    retry_after: int


class RateLimiter:
    """The limits of one action for one request (and the username it names, if any).

    ``check()`` before any Cognito call; ``succeeded()`` (or the ``user_logged_in`` signal, for sign-in)
    clears this address's counter for the username. ``failed()`` and ``sent()`` are kept for callers:
    the attempt was already counted by ``check()``.
    """

    def __init__(self, request: HttpRequest, action: str, username: str = "") -> None:
        self.action = action
        self.limits = limits_for(action)
        self.ip = _digest(client_ip(request))
        name = normalise(username)  # once: it may look the account up in the mirror users
        self.user = _digest(name) if name else ""
        self.pair = _digest(name, client_ip(request)) if name else ""

    def _key(self, scope: str, ident: str) -> str:
        return f"rl:{self.action}:{scope}:{ident}"

    def check(self) -> Blocked | None:
        """Count this attempt against every limit, then refuse (``Blocked``) if one is now exceeded."""
        limits = self.limits
        count, retry_after = _store_hit(self._key("ip", self.ip), limits.per_ip.period)
        if count > limits.per_ip.count:
            return Blocked(retry_after)
        if not self.user:
            return None
        if limits.cooldown:
            waiting = self.cooldown_remaining()
            if waiting:  # cheap early answer; the atomic claim below decides races
                return Blocked(waiting)
        if limits.per_pair:
            pair, pair_retry = _store_hit(self._key("pair", self.pair), limits.per_pair.period)
            if pair > limits.per_pair.count:
                return Blocked(pair_retry)
            if limits.per_username:
                rule = limits.per_username
                tries, user_retry = _store_hit(self._key("user", self.user), rule.period)
                if pair > 1 and tries > rule.count:  # this address had tried this username before
                    return Blocked(min(user_retry, pair_retry))
        if limits.cooldown:
            claims, waiting = _store_hit(self._key("cooldown", self.user), limits.cooldown)
            if claims > 1:
                return Blocked(waiting)
        return None

    def failed(self) -> None:
        """A wrong password or code: already counted by ``check()`` (kept for callers)."""

    def sent(self) -> None:
        """A code was (or may have been) sent: the cooldown already started in ``check()``."""

    def succeeded(self) -> None:
        """The attempt succeeded: clear this address's counter for the username (not the per-IP one)."""
        if self.pair:
            reset(self._key("pair", self.pair))

    def cooldown_remaining(self) -> int:
        """Seconds until this username may trigger the action again (0 when it may now)."""
        if not self.user or not self.limits.cooldown:
            return 0
        return peek(self._key("cooldown", self.user))[1]


def _store_hit(key: str, ttl: int) -> tuple[int, int]:
    """``hit`` that also returns the seconds until the counter expires (the Retry-After)."""
    return _store().hit(_stored_key(key), _ttl(ttl))


def cooldown_remaining(action: str, username: str) -> int:
    """Seconds until ``username`` may trigger ``action`` again (0 when it may now)."""
    name = normalise(username)
    if not name:
        return 0
    return peek(f"rl:{action}:cooldown:{_digest(name)}")[1]


@receiver(user_logged_in, dispatch_uid="accounts.ratelimit.clear_sign_in_counters")
def clear_sign_in_counters(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """A completed sign-in clears the login and MFA counters of every name of the user at that address."""
    if request is None:
        return
    names = {
        user.get_username(),
        getattr(user, "email", "") or "",
        getattr(user, "preferred_username", "") or "",
        getattr(user, "cognito_sub", "") or "",
    }
    # Each name's counting form once (usually one key: the account's sub), then each action's pair key.
    counted = {normalise(name) for name in names} - {""}
    address = client_ip(request)
    for action in SIGN_IN_ACTIONS:
        for name in counted:
            reset(f"rl:{action}:pair:{_digest(name, address)}")  # as RateLimiter.succeeded()


def too_many_requests(request: HttpRequest, blocked: Blocked) -> HttpResponse:
    """The 429 page: what happened, and when to try again. No Cognito call has been made."""
    minutes, seconds = divmod(blocked.retry_after, 60)
    response = render(
        request,
        "429.html",
        {
            "retry_after": blocked.retry_after,
            "retry_minutes": minutes,
            "retry_seconds": seconds,
            "message": _("Too many attempts. Please wait a little and try again."),
        },
        status=429,
    )
    response["Retry-After"] = str(blocked.retry_after)
    return response
