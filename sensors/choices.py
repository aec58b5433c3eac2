from django.db import models


class SensorType(models.TextChoices):
    """What a sensor measures; each kind has its physical unit (see PHYSICAL_UNITS)."""

    TEMPERATURE = "temperature", "Temperature"
    HUMIDITY = "humidity", "Humidity"
    PRESSURE = "pressure", "Pressure"
    MOTION = "motion", "Motion"
    LIGHT = "light", "Light"
    SOUND = "sound", "Sound"


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

    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    MAINTENANCE = "maintenance", "Maintenance"


class DataStatus(models.TextChoices):
    """Workflow state of a reading; it moves only through validate and archive (services)."""

    PENDING = "pending", "Pending"
    VALIDATED = "validated", "Validated"
    ARCHIVED = "archived", "Archived"
    INVALID = "invalid", "Invalid"


# The workflow: the statuses each transition starts from. A conditional UPDATE filters on these.
VALIDATE_FROM = (DataStatus.PENDING, DataStatus.INVALID)
INVALIDATE_FROM = (DataStatus.PENDING, DataStatus.VALIDATED)
ARCHIVE_FROM = (DataStatus.PENDING, DataStatus.VALIDATED, DataStatus.INVALID)
# Everything but archived may still be edited (value, unit); archived readings are read-only.
EDITABLE = (DataStatus.PENDING, DataStatus.VALIDATED, DataStatus.INVALID)
