from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.choices import ChangeSource
from locks.choices import LOG_SOURCE_CHOICES, LockStatus
from locks.permissions import LockPermissions


class Device(models.Model):
    """A smart lock. `version_id` grows by one on every change, so stale writers can be refused."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=50, default="smart-lock")
    status = models.CharField(max_length=16, choices=LockStatus.choices, default=LockStatus.LOCKED)
    version_id = models.BigIntegerField(default=0, editable=False)
    location = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set explicitly by the services: a conditional QuerySet.update() never runs auto_now.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status"], name="locks_device_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LockStatus.values),
                name="locks_device_status_valid",
                violation_error_message="Status must be one of: " + ", ".join(LockStatus.values) + ".",
            ),
            models.CheckConstraint(
                condition=Q(version_id__gte=0),
                name="locks_device_version_non_negative",
                violation_error_message="The version can't be negative.",
            ),
        ]
        permissions = [LockPermissions.CHANGE_DEVICE_STATUS.meta]

    def __str__(self) -> str:
        return self.name

    @property
    def expected_version(self) -> int:
        """The version a client sends back to change this device (optimistic locking)."""
        return self.version_id


class DeviceLog(models.Model):
    """One successful status change, written in the same transaction as the change itself.

    Rows are never edited, so `changed_at` is also the row's creation time.
    """

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="logs")
    previous_status = models.CharField(max_length=16, choices=LockStatus.choices)
    new_status = models.CharField(max_length=16, choices=LockStatus.choices)
    version_id = models.BigIntegerField(help_text="The device version this change produced.")
    changed_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="device_logs",
        help_text="The authenticated user; empty for management commands.",
    )
    note = models.CharField(
        max_length=150, blank=True, help_text="The client's free-text `changed_by`, kept beside the actor."
    )
    source = models.CharField(max_length=16, choices=LOG_SOURCE_CHOICES, default=ChangeSource.API)

    # What a change writes, in this order: the logging UPDATE's columns and the admin's read-only form.
    LOGGED_FIELDS = (
        "device",
        "previous_status",
        "new_status",
        "version_id",
        "changed_at",
        "actor",
        "note",
        "source",
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["device", "changed_at"], name="locks_log_device_time_idx")]
        constraints = [
            # One version is produced once: a second log row for it would be a lost update.
            models.UniqueConstraint(
                fields=["device", "version_id"],
                name="locks_log_device_version_unique",
                violation_error_message="This device version has already been logged.",
            ),
            models.CheckConstraint(
                condition=Q(previous_status__in=LockStatus.values) & Q(new_status__in=LockStatus.values),
                name="locks_log_status_valid",
                violation_error_message="Statuses must be one of: " + ", ".join(LockStatus.values) + ".",
            ),
            models.CheckConstraint(
                condition=Q(version_id__gte=1),
                name="locks_log_version_positive",
                violation_error_message="A logged change produces a version of at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(source__in=[value for value, _ in LOG_SOURCE_CHOICES]),
                name="locks_log_source_valid",
                violation_error_message="Source must be one of: "
                + ", ".join(value for value, _ in LOG_SOURCE_CHOICES)
                + ".",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} v{self.version_id}: {self.previous_status} → {self.new_status}"
