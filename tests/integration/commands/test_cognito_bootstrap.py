"""``manage.py cognito_bootstrap`` against localcognito: idempotent, prints the environment lines."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError


def env_lines(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines())


def test_bootstrap_prints_the_environment_lines(run, cognito):
    out = run("cognito_bootstrap")

    env = env_lines(out.stdout)
    assert env == {
        "COGNITO_USER_POOL_ID": cognito.pool_id,
        "COGNITO_CLIENT_ID": cognito.settings.client_id,
        "COGNITO_CLIENT_SECRET": cognito.settings.client_secret,
        "AWS_REGION": "us-east-1",
        "COGNITO_ENDPOINT_URL": cognito.server.url,
        "LOCAL_COGNITO": "1",
    }
    assert "this is the pool and client your settings already use" in out.stderr


def test_bootstrap_is_idempotent(run, cognito):
    first = env_lines(run("cognito_bootstrap", "--pool-name", "ops-pool").stdout)
    second = env_lines(run("cognito_bootstrap", "--pool-name", "ops-pool").stdout)

    assert first == second
    assert first["COGNITO_USER_POOL_ID"] != cognito.pool_id
    pools = cognito.admin.list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Name"] for p in pools].count("ops-pool") == 1
    clients = cognito.admin.list_user_pool_clients(UserPoolId=first["COGNITO_USER_POOL_ID"], MaxResults=60)
    assert len(clients["UserPoolClients"]) == 1


def test_bootstrap_sets_up_the_pool_the_portal_needs(run, cognito):
    env = env_lines(run("cognito_bootstrap", "--pool-name", "fresh", "--staff-group", "ops").stdout)

    pool = cognito.admin.describe_user_pool(UserPoolId=env["COGNITO_USER_POOL_ID"])["UserPool"]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["DeviceConfiguration"]["DeviceOnlyRememberedOnUserPrompt"] is True
    groups = cognito.admin.list_groups(UserPoolId=env["COGNITO_USER_POOL_ID"])["Groups"]
    assert sorted(g["GroupName"] for g in groups) == ["ops", "portal-admins"]


def test_bootstrap_without_a_secret(run, cognito):
    out = run("cognito_bootstrap", "--pool-name", "public", "--no-secret")

    env = env_lines(out.stdout)
    assert env["COGNITO_CLIENT_SECRET"] == ""
    described = cognito.admin.describe_user_pool_client(
        UserPoolId=env["COGNITO_USER_POOL_ID"], ClientId=env["COGNITO_CLIENT_ID"]
    )["UserPoolClient"]
    assert not described.get("ClientSecret")
    assert "Put these lines in the portal's environment" in out.stderr


def test_no_secret_on_an_existing_client_with_one_says_it_cannot_be_removed(run, cognito):
    out = run("cognito_bootstrap", "--no-secret")

    assert env_lines(out.stdout)["COGNITO_CLIENT_SECRET"] == cognito.settings.client_secret
    assert "already exists with a secret, which cannot be removed" in out.stderr


def test_bootstrap_against_an_unreachable_endpoint(run, cognito, settings):
    from accounts.cognito import reset_caches

    settings.COGNITO_ENDPOINT_URL = "http://127.0.0.1:9"
    reset_caches()

    with pytest.raises(CommandError) as raised:
        run("cognito_bootstrap")
    assert str(raised.value).startswith("Cognito is unreachable or busy (http://127.0.0.1:9")
