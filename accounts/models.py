"""Django-side records: the mirror user, remembered devices, the staff audit trail.

Cognito is the identity store: no password, TOTP secret or device secret is kept here in clear.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.identity import Identity


class CognitoUserManager(UserManager):
    """Users only ever come from Cognito: every local password is unusable."""

    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        return super()._create_user(username, email, None, **extra_fields)


class User(AbstractUser):
    """The mirror of a Cognito user, kept for sessions, permissions and the audit trail.

    ``cognito_sub`` is the identity (DESIGN §8); ``username`` is the canonical Cognito username (a
    generated id in email-as-username pools), and the name fields are refreshed at every sign-in from the
    verified ID token, so remembered browsers can be matched to whatever name the person types.
    """

    cognito_sub = models.CharField(_("Cognito sub"), max_length=64, unique=True, null=True, blank=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    preferred_username = models.CharField(_("preferred username"), max_length=256, blank=True)

    objects = CognitoUserManager()

    @property
    def identity(self) -> Identity:
        """This user's names as ``accounts.identity.Identity`` (sub, canonical username, aliases)."""
        return Identity(
            sub=self.cognito_sub or "",
            username=self.username,
            email=self.email,
            email_verified=self.email_verified,
            preferred_username=self.preferred_username,
        )

    @property
    def display_name(self) -> str:
        """preferred_username, email or username; never a bare sub (see ``Identity.display_name``)."""
        return self.identity.display_name

    def save(self, *args, **kwargs) -> None:
        # No local passwords ever: whatever was set, the stored hash stays unusable.
        if self.has_usable_password():
            self.set_unusable_password()
        super().save(*args, **kwargs)


class UserSession(models.Model):
    """Which portal sessions belong to which user, so they can all be ended at once (DESIGN §8).

    Written when a session signs in and removed when it signs out; works with any session backend (the
    database, or the cache when it is Redis) because sessions are ended through ``SessionStore``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_sessions"
    )
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    user_agent = models.CharField(max_length=256, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} / {self.created_at:%Y-%m-%d %H:%M}"


class CognitoDirectory(models.Model):
    """Holds the staff permissions on Cognito users; no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_cognito_users", _("Can view Cognito users")),
            ("manage_cognito_users", _("Can act on Cognito users")),
            ("delete_cognito_users", _("Can delete Cognito users")),
            ("change_cognito_users", _("Can edit Cognito users' attributes and passwords")),
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
        # Cognito's answer never arrived (a timeout, a dropped connection) and reading the user back could
        # not tell whether the change took effect.
        UNKNOWN = "unknown", _("Unknown")

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


class RateCounter(models.Model):
    """One shared counter of ``accounts.ratelimit`` (used when the cache is not Redis).

    ``count`` events since the counter started; it is void from ``expires_at`` on (purged on later writes).
    """

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
