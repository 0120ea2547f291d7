"""Installs the portal's admin site as ``admin.site`` (the Django-documented way to replace the default)."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "accounts.staff.site.PortalAdminSite"
