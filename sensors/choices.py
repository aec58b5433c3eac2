from django.db import models
from django.utils.translation import gettext_lazy as _


class SensorType(models.TextChoices):
    """What a sensor measures; each kind has its physical unit (see PHYSICAL_UNITS)."""

    TEMPERATURE = "temperature", _("Temperature")
    HUMIDITY = "humidity", _("Humidity")
    PRESSURE = "pressure", _("Pressure")
    MOTION = "motion", _("Motion")
    LIGHT = "light", _("Light")
    SOUND = "sound", _("Sound")


# The unit a reading of each sensor type is given in by the sample data and the admin.
PHYSICAL_UNITS = {
    SensorType.TEMPERATURE: "celsius",
    SensorType.HUMIDITY: "percent",
    SensorType.PRESSURE: "pascal",
    SensorType.MOTION: "count",
    SensorType.LIGHT: "lux",
    SensorType.SOUND: "decibel",
}


class SensorStatus(models.TextChoices):
    """Operational state of a sensor, set by staff."""

    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    MAINTENANCE = "maintenance", _("Maintenance")


class DataStatus(models.TextChoices):
    """Workflow state of a reading; it moves only through validate and archive (services)."""

    PENDING = "pending", _("Pending")
    VALIDATED = "validated", _("Validated")
    ARCHIVED = "archived", _("Archived")
    INVALID = "invalid", _("Invalid")


# The workflow: the statuses each transition starts from. A conditional UPDATE filters on these.
VALIDATE_FROM = (DataStatus.PENDING, DataStatus.INVALID)
INVALIDATE_FROM = (DataStatus.PENDING, DataStatus.VALIDATED)
ARCHIVE_FROM = (DataStatus.PENDING, DataStatus.VALIDATED, DataStatus.INVALID)
# Everything but archived may still be edited (value, unit); archived readings are read-only.
EDITABLE = (DataStatus.PENDING, DataStatus.VALIDATED, DataStatus.INVALID)
