from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from config.choices import ChangeSource
from machines.checks import refuse_control_characters
from machines.choices import MachineStatus
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
        verbose_name = "telemetry point"
        verbose_name_plural = "machine telemetry"
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
        verbose_name = "system setting"
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
        verbose_name = "system setting change"
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
