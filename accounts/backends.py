"""The Django authentication backend: Cognito is the only way in.

``authenticate(request, cognito_tokens=...)`` accepts nothing but tokens Cognito has just issued: it
verifies the ID token, creates or updates the mirror user (sub, username, email) and applies the roles
from the user's Cognito groups. There are no local passwords to check.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest

from accounts.cognito.types import AuthTokens
from accounts.identity import Identity
from accounts.models import User
from accounts.roles import apply_groups

logger = logging.getLogger(__name__)


def verified_claims(id_token: str) -> dict | None:
    """The ID token's claims, or None when it does not verify (never trust an unverified token)."""
    from accounts.cognito import tokens  # imported late: only sign-ins need the JWT machinery

    try:
        return tokens.verify_id_token(id_token)
    except tokens.InvalidToken as exc:
        logger.warning("Rejected a Cognito ID token: %s", exc.code or exc.__class__.__name__)
        return None


@transaction.atomic
def upsert_user(claims: dict) -> User:
    """The mirror user for verified ID-token claims, created or brought up to date.

    Keyed by ``sub`` (DESIGN §8); the canonical username, email (and whether it is verified) and
    preferred_username are refreshed at every sign-in so names typed later can be matched to this user.
    """
    UserModel = get_user_model()
    identity = Identity.from_claims(claims)
    sub = identity.sub
    username = identity.username
    email = identity.email
    user = UserModel.objects.select_for_update().filter(cognito_sub=sub).first()
    # A username freed in Cognito (user deleted, name reused) may still sit on an old mirror row: that
    # row is a different person, so it gives the name up rather than being taken over.
    clash = UserModel.objects.filter(username=username).exclude(cognito_sub=sub).first()
    if clash is not None:
        clash.username = f"{username}~{(clash.cognito_sub or str(clash.pk))[:8]}"[:150]
        clash.is_active = False
        clash.save(update_fields=["username", "is_active"])
    wanted = {
        "username": username,
        "email": email,
        "email_verified": identity.email_verified,
        "preferred_username": identity.preferred_username,
        "is_active": True,
    }
    if user is None:
        user = UserModel(cognito_sub=sub, **wanted)
        user.set_unusable_password()
        user.save()
        return user
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, wanted[name])
    if changed:
        user.save(update_fields=changed)
    return user


class CognitoBackend(ModelBackend):
    """Turns freshly issued Cognito tokens into the mirror user; loads it for later requests.

    Permissions (user, group, superuser) work as with ``ModelBackend``; only ``authenticate`` differs:
    it never looks at a password, so no local password can ever sign anybody in.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, cognito_tokens: AuthTokens | None = None, **kwargs
    ) -> User | None:
        if cognito_tokens is None:
            return None
        claims = verified_claims(cognito_tokens.id_token)
        if claims is None:
            return None
        user = upsert_user(claims)
        apply_groups(user, claims.get("cognito:groups") or [])
        return user

    def get_user(self, user_id):
        UserModel = get_user_model()
        try:
            user = UserModel.objects.get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if user.is_active else None
