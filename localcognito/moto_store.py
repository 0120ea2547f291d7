"""moto's whole Cognito store at once: an in-memory snapshot, the live store to save, a check, a restore.

The companion of ``moto_adapter`` (which reads and writes single pools, clients and users) and
``moto_tokens`` (moto's token records); these are the only other functions that touch moto's internals.
"""

from __future__ import annotations

import copy as copying
from typing import Any

from moto.cognitoidp.models import (
    CognitoIdpGroup,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    CognitoIdpUserPoolDomain,
    cognitoidp_backends,
)

# moto's Cognito store lives in these attributes of each regional backend.
_STORE_ATTRIBUTES = ("user_pools", "user_pool_domains", "sessions")


def snapshot_store() -> dict[tuple[str, str], dict[str, Any]]:
    """Read: a deep copy of every existing Cognito backend's store, keyed by (account, region)."""
    snapshot = {}
    for account, regions in list(cognitoidp_backends.items()):
        for region, backend in list(regions.items()):
            snapshot[(account, region)] = copying.deepcopy(
                {name: getattr(backend, name) for name in _STORE_ATTRIBUTES}
            )
    return snapshot


def live_store() -> dict[tuple[str, str], dict[str, Any]]:
    """Read: every Cognito backend's store itself (not a copy), to pickle while holding the lock."""
    return {
        (account, region): {name: getattr(backend, name) for name in _STORE_ATTRIBUTES}
        for account, regions in list(cognitoidp_backends.items())
        for region, backend in list(regions.items())
    }


# What each part of a pool must hold for moto to work on it (checked before a saved store is restored).
_POOL_MEMBERS = {"users": CognitoIdpUser, "clients": CognitoIdpUserPoolClient, "groups": CognitoIdpGroup}
_POOL_TOKENS = ("access_tokens", "refresh_tokens", "id_tokens")


def _check_mapping(value: Any, what: str, kind: type | None = None) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not what this moto keeps")
    if kind is not None and not all(isinstance(item, kind) for item in value.values()):
        raise ValueError(f"{what} is not what this moto keeps")
    return value


def check_store(store: Any) -> None:
    """Read: ValueError (one line) unless ``store`` has the shape ``live_store`` returns, pools included.

    Checked all through before anything is restored, so a damaged state file changes nothing.
    """
    for key, saved in _check_mapping(store, "the store").items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(part, str) for part in key)):
            raise ValueError("the store is not keyed by (account, region)")
        if not isinstance(saved, dict) or set(saved) != set(_STORE_ATTRIBUTES):
            raise ValueError(f"the store of {key[1]} lacks part of moto's Cognito state")
        _check_mapping(saved["sessions"], "the sessions")
        _check_mapping(saved["user_pool_domains"], "the domains", CognitoIdpUserPoolDomain)
        for pool in _check_mapping(saved["user_pools"], "the user pools", CognitoIdpUserPool).values():
            for name, kind in _POOL_MEMBERS.items():
                _check_mapping(getattr(pool, name, None), f"the {name} of {pool.id}", kind)
            for name in _POOL_TOKENS:
                _check_mapping(getattr(pool, name, None), f"the {name} of {pool.id}")


def restore_store(snapshot: dict[tuple[str, str], dict[str, Any]], *, copy: bool = True) -> None:
    """Write: make moto's Cognito store equal to ``snapshot``.

    ``copy=True`` installs a deep copy, so the snapshot can be reused; ``copy=False`` installs the
    snapshot's own objects (for one read from a state file, which nothing else holds).
    """
    clone = copying.deepcopy if copy else (lambda value: value)
    for account, regions in list(cognitoidp_backends.items()):
        for region, backend in list(regions.items()):
            if (account, region) not in snapshot:
                for name in _STORE_ATTRIBUTES:
                    setattr(backend, name, type(getattr(backend, name))())
    for (account, region), saved in snapshot.items():
        backend = cognitoidp_backends[account][region]  # created on first use, as moto does
        for name in _STORE_ATTRIBUTES:
            setattr(backend, name, clone(saved[name]))
