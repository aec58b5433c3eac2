"""Choices more than one app records, defined once: where a change came from."""

from django.db import models


class ChangeSource(models.TextChoices):
    """Which door a change came through (the actor says who), as every change history records it."""

    API = "api", "API"
    ADMIN = "admin", "Admin"
    COMMAND = "command", "Management command"
    MIGRATION = "migration", "Data migration"
