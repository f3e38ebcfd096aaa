"""Installs doorstep's admin site (district administrators only, our login) as Django's default admin site."""

from django.contrib.admin.apps import AdminConfig


class DoorstepAdminConfig(AdminConfig):
    default_site = "doorstep.core.admin_audit.DoorstepAdminSite"
