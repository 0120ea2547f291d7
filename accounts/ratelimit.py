"""Cache-based rate limits for the end-user POSTs, shared by every app server through the cache (Redis).

Each action has a limit per client IP, a hard limit per (username, IP) pair and a higher, soft limit per
username. The pair limit stops one address from guessing at one account. The soft limit engages when
many addresses fail for the same username; it then refuses only the addresses that have already failed
for that username, so the owner signing in from a clean address is never locked out by an attacker
(Cognito's own per-user lockout stays the hard stop). Windows are fixed (``count per period``): counters
need only ``add`` and ``incr``, which every shared cache does atomically.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Rule:
    """``count`` events per ``period`` seconds."""

    count: int
    period: int


@dataclass(frozen=True)
class Limits:
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


def limits_for(action: str) -> Limits:
    overrides = getattr(settings, "PORTAL_RATE_LIMITS", None) or {}
    return overrides.get(action) or DEFAULT_LIMITS[action]


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged. Behind a proxy, a middleware that knows the
    # proxy topology must set REMOTE_ADDR first.
    return request.META.get("REMOTE_ADDR") or "unknown"


def normalise(username: str) -> str:
    return (username or "").strip().casefold()


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _window(rule: Rule, now: float) -> tuple[int, int]:
    index = int(now // rule.period)
    retry_after = math.ceil((index + 1) * rule.period - now)
    return index, max(1, retry_after)


def _key(action: str, scope: str, ident: str, rule: Rule, now: float) -> tuple[str, int]:
    index, retry_after = _window(rule, now)
    return f"rl:{action}:{scope}:{ident}:{rule.period}:{index}", retry_after


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _incr(key: str, rule: Rule) -> None:
    if not cache.add(key, 1, timeout=rule.period + 5):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rule.period + 5)


@dataclass(frozen=True)
class Blocked:
    """A refused request: how long until the client may try again."""

    retry_after: int


class RateLimiter:
    """The limits of one action for one request (and the username it names, if any)."""

    def __init__(self, request: HttpRequest, action: str, username: str = "") -> None:
        self.action = action
        self.limits = limits_for(action)
        self.ip = _digest(client_ip(request))
        self.user = _digest(normalise(username)) if normalise(username) else ""
        self.pair = _digest(normalise(username), client_ip(request)) if self.user else ""

    def check(self) -> Blocked | None:
        """Refuse, or count this attempt against the per-IP limit (call before any Cognito call)."""
        now = time.time()
        limits = self.limits
        ip_key, ip_retry = _key(self.action, "ip", self.ip, limits.per_ip, now)
        if _count(ip_key) >= limits.per_ip.count:
            return Blocked(ip_retry)
        if self.user:
            if limits.cooldown:
                remaining = self.cooldown_remaining()
                if remaining:
                    return Blocked(remaining)
            if limits.per_pair:
                pair_key, pair_retry = _key(self.action, "pair", self.pair, limits.per_pair, now)
                pair_count = _count(pair_key)
                if pair_count >= limits.per_pair.count:
                    return Blocked(pair_retry)
                if limits.per_username and pair_count:
                    user_key, user_retry = _key(self.action, "user", self.user, limits.per_username, now)
                    if _count(user_key) >= limits.per_username.count:
                        return Blocked(min(user_retry, pair_retry))
        _incr(ip_key, limits.per_ip)
        return None

    def failed(self) -> None:
        """Count a failure (wrong password, wrong code, or a code sent) against the username limits."""
        if not self.user:
            return
        now = time.time()
        if self.limits.per_pair:
            _incr(_key(self.action, "pair", self.pair, self.limits.per_pair, now)[0], self.limits.per_pair)
        if self.limits.per_username:
            rule = self.limits.per_username
            _incr(_key(self.action, "user", self.user, rule, now)[0], rule)

    def sent(self) -> None:
        """A code was (or may have been) sent: start the cooldown and count it."""
        self.failed()
        if self.user and self.limits.cooldown:
            cache.set(
                f"rl:{self.action}:cooldown:{self.user}",
                time.time() + self.limits.cooldown,
                timeout=self.limits.cooldown,
            )

    def cooldown_remaining(self) -> int:
        if not self.user or not self.limits.cooldown:
            return 0
        until = cache.get(f"rl:{self.action}:cooldown:{self.user}")
        return max(0, math.ceil(float(until) - time.time())) if until else 0


def cooldown_remaining(action: str, username: str) -> int:
    """Seconds until ``username`` may trigger ``action`` again (0 when it may now)."""
    if not normalise(username):
        return 0
    until = cache.get(f"rl:{action}:cooldown:{_digest(normalise(username))}")
    return max(0, math.ceil(float(until) - time.time())) if until else 0


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
