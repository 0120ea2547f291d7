"""localcognito's cost over plain moto: latency per operation; ListUsers, identity lookups, state file at 10k.

Run: ``.venv/bin/python bench/localcognito_bench.py``. Prints tables, asserts nothing. Both servers run in
this process and share moto's store, so they answer from the same pool; calls alternate to share any noise.
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accounts.cognito.bootstrap import bootstrap_pool
from localcognito import moto_adapter
from localcognito.persistence import StateFile
from localcognito.server import LocalCognitoServer
from localcognito.wire import MotoWire

ROUNDS = 41
BIG_POOL = 10_000


def client(url: str) -> Any:
    return boto3.session.Session().client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def paired_medians(
    plain: Callable[[], Any], local: Callable[[], Any], rounds: int = ROUNDS
) -> tuple[float, float]:
    """Median milliseconds of each callable, calls interleaved, after one warm-up call each."""
    plain()
    local()
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for fn, out in ((plain, a), (local, b)):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return statistics.median(a), statistics.median(b)


def table(title: str, rows: list[tuple[str, float, float]]) -> None:
    print(f"\n{title}")
    print(f"{'operation':<44} {'moto ms':>9} {'localcognito ms':>16} {'diff ms':>9} {'ratio':>7}")
    for name, plain, local in rows:
        print(f"{name:<44} {plain:>9.2f} {local:>16.2f} {local - plain:>+9.2f} {local / plain:>7.2f}")


def wsgi_call(app: Any, operation: str, params: dict[str, Any]) -> Callable[[], Any]:
    """One in-process WSGI request (no socket, no boto3): isolates the middleware's own cost."""
    body = json.dumps(params).encode()

    def call() -> None:
        status, _, _ = MotoWire(app).raw(MotoWire.environ(operation, "us-east-1", body))
        assert status == 200, (operation, status)

    return call


def medians(calls: list[tuple[str, Callable[[], Any]]], rounds: int = 21) -> None:
    """One column: median milliseconds of each call (plain moto has no equivalent to compare with)."""
    for name, fn in calls:
        fn()
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        print(f"{name:<52} {statistics.median(times):>9.2f}")


def identity_and_state(local: Any, server: LocalCognitoServer, pool_id: str) -> None:
    """AdminGetUser by each kind of name, and the state file, at the pool's current size."""
    size = len(moto_adapter.user_rows(pool_id))
    local.admin_update_user_attributes(
        UserPoolId=pool_id, Username="user00042", UserAttributes=[{"Name": "email_verified", "Value": "true"}]
    )
    sub = next(
        a["Value"]
        for a in local.admin_get_user(UserPoolId=pool_id, Username="user00042")["UserAttributes"]
        if a["Name"] == "sub"
    )
    print(f"\nAdminGetUser by each name at {size:,} users (localcognito only), boto3 over HTTP, median ms")
    medians(
        [
            (
                "username (one dict lookup)",
                lambda: local.admin_get_user(UserPoolId=pool_id, Username="user00042"),
            ),
            (
                "USER00042 (case-folded: one scan)",
                lambda: local.admin_get_user(UserPoolId=pool_id, Username="USER00042"),
            ),
            (
                "verified email alias (one scan)",
                lambda: local.admin_get_user(UserPoolId=pool_id, Username="user00042@example.com"),
            ),
            ("sub (one scan)", lambda: local.admin_get_user(UserPoolId=pool_id, Username=sub)),
        ]
    )
    with tempfile.TemporaryDirectory() as folder:
        state = StateFile(server, Path(folder) / "state.pickle")
        print(f"\nState file at {size:,} users, median ms")
        medians([("save (pickle + fsync + rename)", state.save)], rounds=5)
        print(f"{'size on disk':<52} {state.path.stat().st_size / 1e6:>8.1f} MB")
        medians([("load (unpickle + restore)", state.load)], rounds=5)


def main() -> None:
    started = time.perf_counter()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # ThreadedMotoServer logs every request otherwise
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto_server.start()
    host, port = moto_server.get_host_and_port()
    local_server = LocalCognitoServer(port=0)
    local_server.start()
    plain, local = client(f"http://{host}:{port}"), client(local_server.url)
    pool = bootstrap_pool(local)
    users = [
        (f"user{i:05d}", "Bench-Password-1!", [{"Name": "email", "Value": f"user{i:05d}@example.com"}])
        for i in range(100)
    ]
    moto_adapter.bulk_create_users(pool.pool_id, users)
    local.admin_add_user_to_group(UserPoolId=pool.pool_id, Username="user00042", GroupName="portal-staff")

    user = {"UserPoolId": pool.pool_id, "Username": "user00042"}
    calls: list[tuple[str, str, str, dict[str, Any]]] = [
        ("DescribeUserPool", "describe_user_pool", "DescribeUserPool", {"UserPoolId": pool.pool_id}),
        (
            "DescribeUserPoolClient",
            "describe_user_pool_client",
            "DescribeUserPoolClient",
            {"UserPoolId": pool.pool_id, "ClientId": pool.client_id},
        ),
        (
            "GetUserPoolMfaConfig",
            "get_user_pool_mfa_config",
            "GetUserPoolMfaConfig",
            {"UserPoolId": pool.pool_id},
        ),
        ("ListGroups", "list_groups", "ListGroups", {"UserPoolId": pool.pool_id}),
        ("AdminListGroupsForUser", "admin_list_groups_for_user", "AdminListGroupsForUser", user),
        ("AdminGetUser (post-processed)", "admin_get_user", "AdminGetUser", user),
        (
            "ListUsers Limit=60 (100 users)",
            "list_users",
            "ListUsers",
            {"UserPoolId": pool.pool_id, "Limit": 60},
        ),
        (
            "ListUsers email ^= (100 users)",
            "list_users",
            "ListUsers",
            {"UserPoolId": pool.pool_id, "Filter": 'email ^= "user0004"'},
        ),
    ]
    rows = []
    for name, method, _, params in calls:
        rows.append(
            (
                name,
                *paired_medians(
                    lambda m=method, p=params: getattr(plain, m)(**p),
                    lambda m=method, p=params: getattr(local, m)(**p),
                ),
            )
        )
    table(f"boto3 over HTTP, median of {ROUNDS} calls", rows)

    rows = []
    for name, _, operation, params in calls:
        rows.append(
            (
                name,
                *paired_medians(
                    wsgi_call(local_server.moto_app, operation, params),
                    wsgi_call(local_server.app, operation, params),
                    rounds=201,
                ),
            )
        )
    table("in-process WSGI (the middleware alone), median of 201 calls", rows)

    more = [
        (f"big{i:05d}", "Bench-Password-1!", [{"Name": "email", "Value": f"big{i:05d}@example.com"}])
        for i in range(BIG_POOL - len(users))
    ]
    moto_adapter.bulk_create_users(pool.pool_id, more)
    queries: list[tuple[str, dict[str, Any]]] = [
        ("no filter, first page", {}),
        ('email ^= "big0001" (10 hits)', {"Filter": 'email ^= "big0001"'}),
        ('cognito:user_status = "confirmed"', {"Filter": 'cognito:user_status = "confirmed"'}),
        ('status = "Enabled"', {"Filter": 'status = "Enabled"'}),
    ]
    rows = []
    for name, extra in queries:
        params = {"UserPoolId": pool.pool_id, "Limit": 60, **extra}
        if "confirmed" in name:
            # plain moto only matches upper case: give it the value it understands, same result set.
            plain_params = {**params, "Filter": 'cognito:user_status = "CONFIRMED"'}
        else:
            plain_params = params
        rows.append(
            (
                name,
                *paired_medians(
                    lambda p=plain_params: plain.list_users(**p),
                    lambda p=params: local.list_users(**p),
                    rounds=15,
                ),
            )
        )
    table(f"ListUsers at {BIG_POOL:,} users (Limit=60), boto3 over HTTP, median of 15 calls", rows)

    identity_and_state(local, local_server, pool.pool_id)
    local_server.stop()
    moto_server.stop()
    print(f"\nbench took {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
