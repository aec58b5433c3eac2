from django.db import models


class LockStatus(models.TextChoices):
    """States a lock can be in: clients set locked/unlocked, devices may also report jammed/unknown."""

    LOCKED = "locked", "Locked"
    UNLOCKED = "unlocked", "Unlocked"
    JAMMED = "jammed", "Jammed"
    UNKNOWN = "unknown", "Unknown"


class ChangeSource(models.TextChoices):
    """Which door a status change came through (the actor says who)."""

    API = "api", "API"
    ADMIN = "admin", "Admin"
    COMMAND = "command", "Management command"
