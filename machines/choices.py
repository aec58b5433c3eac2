from django.db import models
from django.utils.translation import gettext_lazy as _


class MachineStatus(models.TextChoices):
    """Operating state of a machine, as the gateways and dashboards know it."""

    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    MAINTENANCE = "maintenance", _("Maintenance")
    ERROR = "error", _("Error")


class Interval(models.TextChoices):
    """History resolution: raw points or the mean over UTC-aligned windows."""

    RAW = "raw", _("Raw")
    MINUTE = "1m", _("1 minute")
    FIVE_MINUTES = "5m", _("5 minutes")
    HOUR = "1h", _("1 hour")
    DAY = "1d", _("1 day")


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


class AlertMetric(models.TextChoices):
    """The reading field an alert watches."""

    TEMPERATURE = "temperature", _("Temperature")
    PRESSURE = "pressure", _("Pressure")


class AlertBound(models.TextChoices):
    """Which limit a reading crossed: above the maximum or below the minimum."""

    MAX = "max", _("Above maximum")
    MIN = "min", _("Below minimum")


class AlertSeverity(models.TextChoices):
    """Warning past the limit; critical past 110 % of a maximum. An open alert only escalates."""

    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertStatus(models.TextChoices):
    """An alert is open while its condition lasts, closed once readings are back inside the limit."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
