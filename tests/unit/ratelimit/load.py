"""Concurrent load on the shared counters, used by the concurrency tests in-process and in a subprocess.

``python -m tests.unit.ratelimit.load`` runs every scenario against the database named by DATABASE_URL
(a fresh SQLite file, migrated here) and prints the results as JSON; the tests read that.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

THREADS = 8
PER_THREAD = 25
GUESSES = 30


def hammer(work: Callable[[int], object], threads: int = THREADS, per_thread: int = PER_THREAD):
    """Run ``work(n)`` ``per_thread`` times in each of ``threads`` threads released together.

    Returns ``(results, errors)``: every value returned, and ``repr`` of every exception raised.
    """
    from django.db import connections

    barrier = threading.Barrier(threads)
    results: list = []
    errors: list[str] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                try:
                    results.append(work(index * per_thread + n))
                except Exception as exc:  # the test reports them all
                    errors.append(repr(exc))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results, errors


def hits(key: str = "load:hits"):
    """THREADS x PER_THREAD concurrent ``hit(key)``: the counts handed out and the errors."""
    from accounts.ratelimit import hit

    return hammer(lambda n: hit(key, 600))


def first_uses(key: str = "load:first-use"):
    """Concurrent ``first_use(key)``: how many callers were told they were first."""
    from accounts.ratelimit import first_use

    return hammer(lambda n: first_use(key, 600))


def guesses(username: str = "alice"):
    """GUESSES concurrent sign-in checks for one username from one address: how many were let through."""
    from django.test import RequestFactory

    from accounts.ratelimit import RateLimiter

    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.7")
    return hammer(lambda n: RateLimiter(request, "login", username).check() is None, GUESSES, 1)


def code_requests(username: str = "carol"):
    """Concurrent "send me a code" checks for one username from many addresses: how many got through."""
    from django.test import RequestFactory

    from accounts.ratelimit import RateLimiter

    factory = RequestFactory()

    def resend(n: int) -> bool:
        request = factory.post("/accounts/confirm/resend/", REMOTE_ADDR=f"198.51.100.{n + 1}")
        return RateLimiter(request, "resend", username).check() is None

    return hammer(resend, GUESSES, 1)


def sign_in_writes():
    """The writes of concurrent sign-ins: a read-then-write of the mirror user and a new session each."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    User = get_user_model()

    def sign_in(n: int) -> int:
        with transaction.atomic():
            user, _created = User.objects.update_or_create(
                username=f"user{n % 4}", defaults={"email": f"user{n}@example.com"}
            )
            user.save(update_fields=["email"])
        store = SessionStore()
        store["n"] = n
        store.create()
        return user.pk

    return hammer(sign_in)


def main() -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
    counts, hit_errors = hits()
    firsts, first_errors = first_uses()
    passed, guess_errors = guesses()
    sent, code_errors = code_requests()
    _pks, write_errors = sign_in_writes()
    print(
        json.dumps(
            {
                "journal_mode": journal_mode,
                "transaction_mode": connection.transaction_mode,
                "counts": sorted(counts),
                "firsts": sum(firsts),
                "passed": sum(passed),
                "sent": sum(sent),
                "errors": hit_errors + first_errors + guess_errors + code_errors + write_errors,
            }
        )
    )


if __name__ == "__main__":
    main()
