"""Pool shapes for the tests, and a cheap fresh pool per test.

Bootstrapping a pool over HTTP costs ~0.2 s; restoring an in-memory snapshot of an already bootstrapped
one costs well under a millisecond. ``PoolFactory`` bootstraps each shape once per localcognito server
(so once per pytest-xdist worker) and hands every test a restored copy: same ids, empty of users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.config import Config

from tests.boto import session as boto_session


@dataclass(frozen=True)
class PoolShape:
    """How a test pool is created (see ``accounts.cognito.bootstrap.bootstrap_pool``)."""

    sign_in: str
    case_sensitive: bool
    with_secret: bool = True


# The common pool shapes (issue #9's matrix). "default" is what `make run` and cognito_bootstrap create.
POOL_SHAPES: dict[str, PoolShape] = {
    "default": PoolShape("username+aliases", case_sensitive=False),
    "username-cs": PoolShape("username", case_sensitive=True),
    "email": PoolShape("email", case_sensitive=False),
    "public": PoolShape("username+aliases", case_sensitive=False, with_secret=False),
}
SHAPE_MATRIX = tuple(POOL_SHAPES)


def boto_client(endpoint_url: str, region: str = "us-east-1") -> Any:
    """A plain boto3 cognito-idp client for a local endpoint (one attempt, any credentials)."""
    return boto_session().client(
        "cognito-idp",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


class PoolFactory:
    """Fresh bootstrapped pools of any shape on one localcognito server, restored from snapshots."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.admin = boto_client(server.url)
        self._snapshots: dict[str, tuple[Any, Any]] = {}

    def fresh(self, shape: str = "default") -> Any:
        """Reset the server to a newly bootstrapped pool of ``shape``; returns its ``PoolSettings``."""
        from accounts.cognito.bootstrap import bootstrap_pool

        if shape not in POOL_SHAPES:
            raise ValueError(f"unknown pool shape {shape!r}; choose one of {', '.join(POOL_SHAPES)}")
        if shape not in self._snapshots:
            spec = POOL_SHAPES[shape]
            self.server.reset()
            pool = bootstrap_pool(
                self.admin,
                sign_in=spec.sign_in,
                case_sensitive=spec.case_sensitive,
                with_secret=spec.with_secret,
            )
            self._snapshots[shape] = (self.server.snapshot(), pool)
        snapshot, pool = self._snapshots[shape]
        self.server.restore(snapshot)
        return pool
