from django.db import models


class MachineStatus(models.TextChoices):
    """Operating state of a machine, as the gateways and dashboards know it."""

    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    MAINTENANCE = "maintenance", "Maintenance"
    ERROR = "error", "Error"


class Interval(models.TextChoices):
    """History resolution: raw points or the mean over UTC-aligned windows."""

    RAW = "raw", "Raw"
    MINUTE = "1m", "1 minute"
    FIVE_MINUTES = "5m", "5 minutes"
    HOUR = "1h", "1 hour"
    DAY = "1d", "1 day"


INTERVAL_SECONDS = {
    Interval.MINUTE: 60,
    Interval.FIVE_MINUTES: 300,
    Interval.HOUR: 3600,
    Interval.DAY: 86400,
}
FIELDS = ("temperature", "pressure", "speed")
# Accepted ranges of the reading values, inclusive (HTTP and MQTT alike).
RANGES = {
    "temperature": (-273.15, 1000.0),
    "pressure": (0.0, 10000.0),
    "speed": (0.0, 100000.0),
}
