"""bootstrap_pool: idempotent, and the pool/client/groups it leaves are the ones the portal relies on."""

from __future__ import annotations

from accounts.cognito.bootstrap import bootstrap_pool

from .conftest import BOTH, Cog


@BOTH
def test_bootstrap_is_idempotent_and_complete(local: Cog) -> None:
    again = bootstrap_pool(local.idp, with_secret=bool(local.pool.client_secret))
    assert again == local.pool
    assert len(local.idp.list_user_pools(MaxResults=60)["UserPools"]) == 1
    pool = local.idp.describe_user_pool(UserPoolId=local.pool_id)["UserPool"]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": True,
        "DeviceOnlyRememberedOnUserPrompt": True,
    }
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 10
    assert all(
        policy[k] for k in ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols")
    )
    mfa = local.idp.get_user_pool_mfa_config(UserPoolId=local.pool_id)
    assert mfa["MfaConfiguration"] == "ON"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    app = local.idp.describe_user_pool_client(UserPoolId=local.pool_id, ClientId=local.client_id)[
        "UserPoolClient"
    ]
    assert set(app["ExplicitAuthFlows"]) == {
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert app["PreventUserExistenceErrors"] == "ENABLED"
    assert app["EnableTokenRevocation"] is True
    assert {"email", "email_verified"} <= set(app["ReadAttributes"])
    assert (app.get("ClientSecret") or "") == local.pool.client_secret
    groups = {g["GroupName"] for g in local.idp.list_groups(UserPoolId=local.pool_id)["Groups"]}
    assert groups == {"portal-staff", "portal-admins"}
