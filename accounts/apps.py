"""The accounts app: end-user flows, staff pages and the Cognito gateway."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import os

        from accounts import signals  # noqa: F401  (connects the setting_changed handler)

        if os.environ.get("PORTAL_STOP_WITH_PARENT") == "1":
            # Started by `make run` (runlocal): end with the process that started this one, so the
            # autoreloader's server never outlives runlocal (see runlocal.start_child).
            from accounts.management.local_data import stop_with_parent

            stop_with_parent()
