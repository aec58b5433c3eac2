"""Reads of the locks app (HackSoft's selectors): the API, the admin and the commands read here.

A selector takes typed keyword arguments and returns querysets, rows or plain values; it never
writes and never knows about HTTP. An id that names no device raises DeviceNotFound.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from config.db.rows import pk_row
from locks.choices import LockStatus
from locks.exceptions import DeviceNotFound
from locks.models import Device, DeviceLog

STATUS_FIELDS = ("id", "name", "type", "status", "version_id", "updated_at")


def device_parse_id(*, device_id: Any) -> uuid.UUID:
    """A device id from a URL or a form; anything that is not a UUID names no device (404)."""
    if isinstance(device_id, uuid.UUID):
        return device_id
    try:
        return uuid.UUID(str(device_id))
    except (TypeError, ValueError, AttributeError):
        raise DeviceNotFound() from None


def device_list() -> QuerySet[Device]:
    """Every device, in the model's order (the API filters and pages it)."""
    return Device.objects.all()


def device_existing_ids(*, ids: list[str]) -> set[str]:
    """Which of these device ids exist (as text)."""
    return {str(pk) for pk in Device.objects.filter(pk__in=ids).values_list("pk", flat=True)}


def device_status_get(*, device_id: Any) -> dict[str, Any]:
    """The status read, the API's hottest path: six columns of one row in one prepared statement."""
    row = pk_row(Device, STATUS_FIELDS, device_parse_id(device_id=device_id))
    if row is None:
        raise DeviceNotFound()
    return row


def device_state(*, device_id: uuid.UUID) -> tuple[str, int] | None:
    """(status, version_id) as committed now, or None if there is no such device."""
    # [:1], not first(): a primary-key read needs no ORDER BY.
    rows = Device.objects.filter(pk=device_id).values_list("status", "version_id")[:1]
    return rows[0] if rows else None


def device_version_get(*, device_id: Any) -> int:
    """The device's current version (what a command changes when told no version)."""
    state = device_state(device_id=device_parse_id(device_id=device_id))
    if state is None:
        raise DeviceNotFound()
    return state[1]


def device_logs(*, device_id: Any) -> QuerySet[DeviceLog]:
    """The device's change log, newest version first, with the actor joined in."""
    pk = device_parse_id(device_id=device_id)
    if not Device.objects.filter(pk=pk).exists():
        raise DeviceNotFound()
    return DeviceLog.objects.select_related("actor").filter(device_id=pk).order_by("-version_id", "-id")


def device_recent_logs(*, logs: QuerySet[DeviceLog], limit: int) -> QuerySet[DeviceLog]:
    """The latest `limit` entries of a device's log queryset (the admin's inline)."""
    return logs.order_by("-version_id", "-id")[:limit]


def device_log_count(*, device: Device) -> int:
    """How many changes the device's log holds."""
    return DeviceLog.objects.filter(device_id=device.pk).count()


def device_count_by_status() -> dict[str, int]:
    """How many devices are in each status (every status present, zero included): one query."""
    counts = dict.fromkeys(LockStatus.values, 0)
    counts.update(Device.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return counts


def device_status_timeline(
    *, device_id: uuid.UUID, start: datetime
) -> tuple[str | None, list[tuple[datetime, str, str]]]:
    """The device's status as `start` began (None: the log holds no change before it) and every
    change since, oldest first, as (changed_at, previous status, new status). Two reads of the
    log's (device, changed_at) index, whatever the log's length."""
    logs = DeviceLog.objects.filter(device_id=device_id)
    before = logs.filter(changed_at__lt=start).order_by("-changed_at", "-id")
    status_before = before.values_list("new_status", flat=True)[:1]
    changes = logs.filter(changed_at__gte=start).order_by("changed_at", "id")
    rows = list(changes.values_list("changed_at", "previous_status", "new_status"))
    found = list(status_before)
    return (found[0] if found else None), rows
