from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.choices import ChangeSource
from machines.checks import refuse_control_characters
from machines.choices import AlertBound, AlertMetric, AlertSeverity, AlertStatus, MachineStatus
from machines.permissions import MachinePermissions


class Machine(models.Model):
    """A machine whose sensors send telemetry; the unique name is how people and gateways know it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Names and tags travel into the time-series store and the MQTT path: no control characters.
    name = models.CharField(max_length=255, unique=True, validators=[refuse_control_characters])
    location = models.CharField(
        max_length=500,
        validators=[refuse_control_characters],
        help_text="Where the machine stands; stored as the location tag of each telemetry point.",
    )
    sensor_type = models.CharField(
        max_length=100,
        validators=[refuse_control_characters],
        help_text="The kind of sensor the machine reports with (free text, e.g. thermocouple).",
    )
    status = models.CharField(
        max_length=16,
        choices=MachineStatus.choices,
        default=MachineStatus.ACTIVE,
        help_text="Telemetry is stored whatever the status; it tells people whether the machine runs.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["location"], name="machines_machine_location_idx"),
            models.Index(fields=["status"], name="machines_machine_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MachineStatus.values),
                name="machines_machine_status_valid",
                violation_error_message="Status must be one of: " + ", ".join(MachineStatus.values) + ".",
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="machines_machine_name_not_blank",
                violation_error_message="The name can't be empty.",
            ),
        ]
        permissions = [MachinePermissions.INGEST_TELEMETRY.meta]

    def __str__(self) -> str:
        return self.name


class SensorReading(models.Model):
    """One telemetry point of the SQL time-series store (machines.timeseries.sql).

    The unique (machine, timestamp) key is the upsert target (a repeated reading overwrites) and
    the index every history query ranges over. `sensor_type` and `location` are the point's tags.
    """

    id = models.BigAutoField(primary_key=True)
    # No separate index on machine_id: the unique (machine, timestamp) index leads with it, and
    # every index more is paid on each of thousands of inserts a second.
    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="readings", db_index=False)
    timestamp = models.DateTimeField()
    sensor_type = models.CharField(max_length=100)
    location = models.CharField(max_length=500)
    temperature = models.FloatField(null=True, blank=True)
    pressure = models.FloatField(null=True, blank=True)
    speed = models.FloatField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("telemetry point")
        verbose_name_plural = _("machine telemetry")
        ordering = ["machine", "timestamp"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine", "timestamp"],
                name="machines_reading_machine_time_unique",
                violation_error_message="This machine already has a reading at this time.",
            ),
            models.CheckConstraint(
                condition=Q(temperature__isnull=False) | Q(pressure__isnull=False) | Q(speed__isnull=False),
                name="machines_reading_has_value",
                violation_error_message="A reading needs at least one value.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.machine_id} @ {self.timestamp.isoformat()}"


class SensorRollup(models.Model):
    """Per machine and UTC hour: the sum and count of each field over the readings in that hour.

    Kept by the SQL store on PostgreSQL in the same transaction as the readings it summarises
    (recomputed from them, so an overwritten reading never counts twice), so an hourly or daily
    history over a month reads ~720 rows instead of aggregating a million.
    """

    id = models.BigAutoField(primary_key=True)
    # Covered by the unique (machine, hour) index.
    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="rollups", db_index=False)
    hour = models.DateTimeField()
    temperature_sum = models.FloatField(default=0)
    temperature_count = models.IntegerField(default=0)
    pressure_sum = models.FloatField(default=0)
    pressure_count = models.IntegerField(default=0)
    speed_sum = models.FloatField(default=0)
    speed_count = models.IntegerField(default=0)

    class Meta:
        ordering = ["machine", "hour"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine", "hour"],
                name="machines_rollup_machine_hour_unique",
                violation_error_message="This machine already has a rollup for this hour.",
            ),
            models.CheckConstraint(
                condition=Q(temperature_count__gte=0) & Q(pressure_count__gte=0) & Q(speed_count__gte=0),
                name="machines_rollup_counts_non_negative",
                violation_error_message="Counts can't be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.machine_id} @ {self.hour.isoformat()}"


class SystemConfig(models.Model):
    """One named setting (thresholds, alert address, retention); every change is a SystemConfigChange."""

    name = models.CharField(max_length=100, unique=True)
    value = models.TextField(blank=True, max_length=1000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("system setting")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="machines_config_name_not_blank",
                violation_error_message="The setting name can't be empty.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class SystemConfigChange(models.Model):
    """Who changed which setting when, old → new; written in the change's own transaction."""

    # The history outlives a deleted setting (evidence): the name is kept, the link is cleared.
    setting = models.ForeignKey(
        SystemConfig, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    name = models.CharField(max_length=100)
    # NULL (not "") marks a newly created setting: "" is a legitimate old value.
    old_value = models.TextField(null=True, blank=True, help_text="Empty for a newly created setting.")  # noqa: DJ001
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=16, choices=ChangeSource.choices, default=ChangeSource.API)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("system setting change")
        indexes = [models.Index(fields=["name", "changed_at"], name="machines_configchange_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ChangeSource.values),
                name="machines_configchange_source_valid",
                violation_error_message="Source must be one of: " + ", ".join(ChangeSource.values) + ".",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.old_value!r} → {self.new_value!r}"


class Alert(models.Model):
    """A machine's reading past a system-setting threshold: opened once per machine, metric and
    bound, updated while the condition lasts, closed when readings are back inside the limit minus
    the hysteresis (machines.services.alerts). One open row per condition is the database's rule."""

    id = models.BigAutoField(primary_key=True)
    # Covered by the open-alert unique index and the (machine, metric, last_seen) index.
    machine = models.ForeignKey(Machine, on_delete=models.CASCADE, related_name="alerts", db_index=False)
    metric = models.CharField(max_length=16, choices=AlertMetric.choices)
    bound = models.CharField(max_length=8, choices=AlertBound.choices)
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices)
    threshold = models.FloatField(help_text="The limit in force at the latest breaching reading.")
    last_value = models.FloatField(help_text="The latest breaching reading's value.")
    peak_value = models.FloatField(
        help_text="The furthest past the limit: highest above a maximum, lowest below a minimum."
    )
    first_seen = models.DateTimeField(help_text="Time of the first breaching reading.")
    last_seen = models.DateTimeField(help_text="Time of the latest breaching reading.")
    count = models.PositiveIntegerField(default=1, help_text="Breaching readings received while open.")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Empty while the alert is open.")
    # The severity the alert mail last reported ("": never mailed); machines.services.alert_mail.
    notified_severity = models.CharField(max_length=16, blank=True, default="")
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [F("closed_at").desc(nulls_first=True), "-last_seen", "-id"]
        permissions = [MachinePermissions.ACKNOWLEDGE_ALERT.meta]
        indexes = [
            models.Index(fields=["machine", "metric", "-last_seen"], name="machines_alert_machine_idx"),
            models.Index(fields=["-last_seen"], name="machines_alert_last_seen_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["machine", "metric", "bound"],
                condition=Q(closed_at__isnull=True),
                name="machines_alert_one_open",
                violation_error_message="This machine already has an open alert for this metric and bound.",
            ),
            models.CheckConstraint(
                condition=Q(metric__in=AlertMetric.values)
                & Q(bound__in=AlertBound.values)
                & Q(severity__in=AlertSeverity.values),
                name="machines_alert_choices_valid",
                violation_error_message="Metric, bound or severity is not one of its choices.",
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1) & Q(last_seen__gte=F("first_seen")),
                name="machines_alert_seen_consistent",
                violation_error_message="An alert counts at least one reading, first seen before last seen.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.metric} {self.bound} on {self.machine_id}"

    @property
    def status(self) -> str:
        return AlertStatus.OPEN if self.closed_at is None else AlertStatus.CLOSED
