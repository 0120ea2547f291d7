"""Signal handlers: drop per-process Cognito caches when tests change the Cognito settings."""

from django.core.signals import setting_changed
from django.dispatch import receiver

from accounts import sessions  # noqa: F401  (connects the session index to sign-in and sign-out)


@receiver(setting_changed)
def reset_cognito_caches(*, setting: str, **kwargs) -> None:
    if setting.startswith("COGNITO_") or setting == "PORTAL_SITE_NAME":
        from accounts.cognito import reset_caches

        reset_caches(clients=False)
