"""``make bench``: the portal's pages against localcognito — wall time, time inside Cognito calls, the
portal's own time and the number of Cognito calls per flow, beside the budgets of DESIGN §7.

Prints figures; asserts nothing (machines are shared and noisy: compare ratios and counts, not seconds).
Then runs bench/localcognito_bench.py (the emulator's own overhead over moto).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class CognitoMeter:
    """Counts Cognito calls and the time spent in them, through botocore's event hooks."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0
        self._started: dict[int, float] = {}

    def before(self, model, context, **kwargs) -> None:
        self._started[id(context)] = time.perf_counter()

    def after(self, model, context, **kwargs) -> None:
        started = self._started.pop(id(context), None)
        if started is not None:
            self.seconds += time.perf_counter() - started
        self.calls[model.name] += 1

    def attach(self, client) -> None:
        client.meta.events.register("before-call.cognito-idp", self.before)
        client.meta.events.register("after-call.cognito-idp", self.after)

    def reset(self) -> None:
        self.calls.clear()
        self.seconds = 0.0


def main() -> None:
    from localcognito.server import LocalCognitoServer

    server = LocalCognitoServer(host="127.0.0.1", port=0)
    server.start()
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    from accounts.cognito.provisioning import bootstrap_local

    pool = bootstrap_local(server.url, staff_group="portal-staff", admin_group="portal-admins")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="1",
        LOCAL_COGNITO="1",
        DATABASE_URL=f"sqlite:///{database}",
        COGNITO_ENDPOINT_URL=server.url,
        COGNITO_USER_POOL_ID=pool.pool_id,
        COGNITO_CLIENT_ID=pool.client_id,
        COGNITO_CLIENT_SECRET=pool.client_secret,
        AWS_REGION=pool.region,
        DJANGO_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    import pyotp
    from django.core.management import call_command
    from django.test import Client

    from accounts.cognito.client import get_client
    from accounts.cognito.provisioning import ensure_staff_account

    call_command("migrate", verbosity=0)
    meter = CognitoMeter()
    for retry in (True, False):
        meter.attach(get_client(retry=retry))

    rows: list[tuple[str, int, float, float, int, str, str]] = []

    def measure(name: str, budget: str, requests) -> None:
        meter.reset()
        started = time.perf_counter()
        count = requests()
        wall = time.perf_counter() - started
        calls = sum(meter.calls.values())
        detail = ", ".join(f"{op} {n}" for op, n in sorted(meter.calls.items()))
        rows.append((name, count, wall * 1000, meter.seconds * 1000, calls, budget, detail))

    client = Client(HTTP_USER_AGENT="bench")
    password = "Orbit-Passw0rd!42"  # must not contain the username (the name rule)
    client.get("/accounts/signup/")  # DescribeUserPool, cached per process afterwards
    from accounts.cognito import client_description

    client_description()  # DescribeUserPoolClient (AuthSessionValidity), likewise once per process

    def post(url: str, data: dict):
        """POST and follow the sign-in's own redirects, stopping short of the page a flow lands on
        (the account home makes a GetUser call of its own, which is not part of the flow)."""
        response = client.post(url, data)
        while response.status_code in (301, 302) and response["Location"] not in ("/accounts/", "/"):
            response = client.get(response["Location"])
        if response.status_code >= 400:
            raise SystemExit(f"{url} answered {response.status_code}")
        if b"is-invalid" in response.content:  # a form shown again with errors: the flow did not happen
            raise SystemExit(f"{url} refused the form: the bench's input no longer passes the portal's rules")
        return response

    def outbox_code(username: str) -> str:
        return [m for m in server.outbox() if m["username"] == username][-1]["code"]

    def sign_up() -> int:
        post(
            "/accounts/signup/",
            {"username": "bench", "email": "bench@example.com", "password1": password, "password2": password},
        )
        return 1

    def confirm() -> int:
        post("/accounts/confirm/", {"username": "bench", "code": outbox_code("bench")})
        return 1

    def resend() -> int:
        post(
            "/accounts/signup/",
            {
                "username": "bench2",
                "email": "bench2@example.com",
                "password1": password,
                "password2": password,
            },
        )
        meter.reset()
        post("/accounts/confirm/resend/", {"username": "bench2"})
        return 1

    secret: dict[str, str] = {}

    def first_sign_in() -> int:
        post("/accounts/login/", {"username": "bench", "password": password})
        page = client.get("/accounts/login/mfa-setup/").content.decode()
        match = re.search(r'id="totp-secret"[^>]*>(.*?)<', page, re.S)
        if not match:
            raise SystemExit("the MFA setup page shows no key")
        secret["key"] = re.sub(r"\s", "", match.group(1))
        post("/accounts/login/mfa-setup/", {"code": pyotp.TOTP(secret["key"]).now()})
        return 3

    def sign_out() -> None:
        client.post("/accounts/logout/")

    def totp_sign_in(remember: bool) -> int:
        post("/accounts/login/", {"username": "bench", "password": password})
        data = {"code": pyotp.TOTP(secret["key"]).at(time.time() + 30)}
        if remember:
            data["remember_device"] = "on"
        post("/accounts/login/mfa/", data)
        return 2

    def device_sign_in() -> int:
        post("/accounts/login/", {"username": "bench", "password": password})
        return 1

    measure("sign-up", "1 (+1 DescribeUserPool, once per process)", sign_up)
    measure("confirm", "1", confirm)
    measure("resend", "1", resend)
    measure("first sign-in incl. MFA setup", "4", first_sign_in)
    sign_out()
    measure("sign-in with TOTP + remember device", "2 (+1-2)", lambda: totp_sign_in(True))
    sign_out()
    measure("sign-in from a remembered device", "3", device_sign_in)
    sign_out()

    # Staff pages: 200 users, a staff account signed in through the mirror user.
    admin = get_client()
    for n in range(200):
        admin.admin_create_user(
            UserPoolId=pool.pool_id,
            Username=f"user{n:04d}",
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": f"user{n:04d}@example.com"}],
        )
    ensure_staff_account(
        server.url,
        pool,
        username="staffer",
        password=password,
        email="s@example.com",
        groups=["portal-staff", "portal-admins"],
    )
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create(username="staffer", is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.get("/admin/cognito/users/")  # warm the pool description cache
    measure("staff user list page", "1 ListUsers", lambda: client.get("/admin/cognito/users/") and 1)
    detail = client.get("/admin/cognito/users/user0007/")["Location"]  # the lookup redirects to the sub URL
    measure(
        "staff user detail", "4 (3 without threat protection), concurrent", lambda: client.get(detail) and 1
    )
    measure(
        "staff export (200 users)",
        "4 ListUsers pages",
        lambda: b"".join(client.get("/admin/cognito/users/export.csv").streaming_content) and 1,
    )

    print()
    print(f"{'flow':40} {'req':>3} {'wall ms':>8} {'cognito ms':>10} {'portal ms':>9} {'calls':>5}  budget")
    for name, count, wall, cognito_ms, calls, budget, detail in rows:
        own = wall - cognito_ms  # negative when calls overlap (the staff detail page runs them at once)
        print(f"{name:40} {count:>3} {wall:8.1f} {cognito_ms:10.1f} {own:9.1f} {calls:>5}  {budget}")
        print(f"{'':44}{detail}")
    server.stop()

    emulator_bench = ROOT / "bench" / "localcognito_bench.py"
    if emulator_bench.exists():
        print("\nlocalcognito overhead over moto:")
        subprocess.run([sys.executable, str(emulator_bench)], check=False)


if __name__ == "__main__":
    main()
