"""The Django authentication backend: Cognito is the only way in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend


class CognitoBackend(BaseBackend):
    """Loads the mirror user of a Cognito identity; there are no local passwords to check."""

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User.objects.get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if user.is_active else None
