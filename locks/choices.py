from django.db import models
from django.utils.translation import gettext_lazy as _

from config.choices import ChangeSource


class LockStatus(models.TextChoices):
    """States a lock can be in: clients set locked/unlocked, devices may also report jammed/unknown."""

    LOCKED = "locked", _("Locked")
    UNLOCKED = "unlocked", _("Unlocked")
    JAMMED = "jammed", _("Jammed")
    UNKNOWN = "unknown", _("Unknown")


# A device's status never changes in a data migration: its log records the other three sources.
LOG_SOURCE_CHOICES = [
    (source.value, source.label) for source in ChangeSource if source != ChangeSource.MIGRATION
]
