"""Choices more than one app records, defined once: where a change came from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeSource(models.TextChoices):
    """Which door a change came through (the actor says who), as every change history records it."""

    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    COMMAND = "command", _("Management command")
    MIGRATION = "migration", _("Data migration")
