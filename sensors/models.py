"""Units (places), the sensors installed in them, and the readings the sensors take."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sensors.choices import DataStatus, SensorStatus, SensorType
from sensors.permissions import SensorPermissions


def _one_of(choices: type[models.TextChoices]) -> str:
    return ", ".join(choices.values)


class Unit(models.Model):
    """A place where sensors are installed (a factory floor, a warehouse, a data center)."""

    name = models.CharField(max_length=255)
    location = models.CharField(max_length=500)
    description = models.TextField(blank=True, null=True)  # noqa: DJ001 (the API answers null, not "")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Newest first, ties broken by id (the specification's list order), served by the index.
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="sensors_unit_newest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(location=""),
                name="sensors_unit_name_location_not_blank",
                violation_error_message="A unit needs a name and a location.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Sensor(models.Model):
    """One sensor in a unit. Deleting the unit deletes its sensors (and their readings)."""

    name = models.CharField(max_length=255)
    sensor_type = models.CharField(max_length=16, choices=SensorType.choices)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="sensors")
    status = models.CharField(max_length=16, choices=SensorStatus.choices, default=SensorStatus.ACTIVE)
    description = models.TextField(blank=True, null=True)  # noqa: DJ001 (the API answers null, not "")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="sensors_sensor_newest_idx"),
            # `?unit_id=` lists and the per-unit statistics.
            models.Index(fields=["unit", "-created_at", "-id"], name="sensors_sensor_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sensor_type__in=SensorType.values),
                name="sensors_sensor_type_valid",
                violation_error_message=f"Sensor type must be one of: {_one_of(SensorType)}.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SensorStatus.values),
                name="sensors_sensor_status_valid",
                violation_error_message=f"Status must be one of: {_one_of(SensorStatus)}.",
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="sensors_sensor_name_not_blank",
                violation_error_message="A sensor needs a name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SensorData(models.Model):
    """One reading. `timestamp` is set by the server when the reading arrives (its creation time);
    `status` moves only through the validate/invalidate/archive transitions in `sensors.services`,
    which record who made each of them and when. An archived reading is read-only."""

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="readings")
    value = models.FloatField()
    unit = models.CharField(  # noqa: DJ001 (the API answers null when no unit was sent)
        max_length=50, blank=True, null=True, help_text="Physical unit, e.g. celsius."
    )
    status = models.CharField(max_length=16, choices=DataStatus.choices, default=DataStatus.PENDING)
    timestamp = models.DateTimeField(default=timezone.now, editable=False)
    # auto_now for saves; the workflow's conditional QuerySet.update() sets it explicitly.
    updated_at = models.DateTimeField(auto_now=True)
    # Who moved the reading into validated / archived and when (null: not yet, or by a command).
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    validated_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("sensor reading")
        verbose_name_plural = _("sensor readings")
        ordering = ["-timestamp", "-id"]
        indexes = [
            # The list (newest first, LIMIT n) and each of its filters read one index in order.
            models.Index(fields=["-timestamp", "-id"], name="sensors_data_newest_idx"),
            models.Index(fields=["sensor", "-timestamp", "-id"], name="sensors_data_sensor_idx"),
            # `?status=` lists, the admin's status filter and the archive command (status + age).
            models.Index(fields=["status", "-timestamp", "-id"], name="sensors_data_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DataStatus.values),
                name="sensors_data_status_valid",
                violation_error_message=f"Status must be one of: {_one_of(DataStatus)}.",
            ),
        ]
        permissions = [
            SensorPermissions.VALIDATE_SENSORDATA.meta,
            SensorPermissions.ARCHIVE_SENSORDATA.meta,
            SensorPermissions.INVALIDATE_SENSORDATA.meta,
        ]

    def __str__(self) -> str:
        return f"reading {self.pk} of sensor {self.sensor_id}: {self.value} {self.unit or ''}".rstrip()


class ReadingIdempotencyKey(models.Model):
    """A caller's `Idempotency-Key` on POST /api/sensor-data/ and the reading it created, written in
    the reading's transaction: the unique (caller, key) makes a retried reading happen once."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the validated request body.")
    reading = models.ForeignKey(SensorData, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "key"], name="sensors_idempotency_caller_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"idempotency key {self.key!r} of user {self.created_by_id} -> reading {self.reading_id}"
