"""Django-side records: the mirror user, remembered devices, the staff audit trail.

Cognito is the identity store: no password, TOTP secret or device secret is kept here in clear.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class CognitoUserManager(UserManager):
    """Users only ever come from Cognito: every local password is unusable."""

    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        return super()._create_user(username, email, None, **extra_fields)


class User(AbstractUser):
    """The mirror of a Cognito user, kept for sessions, permissions and the audit trail."""

    cognito_sub = models.CharField(_("Cognito sub"), max_length=64, unique=True, null=True, blank=True)

    objects = CognitoUserManager()

    def save(self, *args, **kwargs) -> None:
        # No local passwords ever: whatever was set, the stored hash stays unusable.
        if self.has_usable_password():
            self.set_unusable_password()
        super().save(*args, **kwargs)


class CognitoDirectory(models.Model):
    """Holds the staff permissions on Cognito users; no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_cognito_users", _("Can view Cognito users")),
            ("manage_cognito_users", _("Can act on Cognito users")),
            ("delete_cognito_users", _("Can delete Cognito users")),
        ]

    def __str__(self) -> str:
        return "Cognito users"


class RememberedDevice(models.Model):
    """A browser the user chose to remember (Cognito device tracking, DESIGN §3).

    The browser's cookie holds this row's id and a random key; ``sealed`` holds the device group key and
    device password encrypted with that key. Neither the database nor the cookie alone reveals the secret.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    device_key = models.CharField(max_length=64, db_index=True)
    sealed = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} / {self.device_key}"


class AuditEvent(models.Model):
    """One staff or operator action on a Cognito user, with its outcome."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    actor_ip = models.GenericIPAddressField(_("actor IP"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_username = models.CharField(_("target username"), max_length=128, db_index=True)
    target_sub = models.CharField(_("target sub"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    detail = models.TextField(_("detail"), blank=True)
    aws_request_id = models.CharField(_("AWS request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_username}"
