"""Business rules of the locks app: every write to a device goes through these functions.

Concurrency is decided by the database: each change is one conditional
`UPDATE ... WHERE id = ... AND version_id = ...`, so of two writers holding the same version
exactly one matches a row and the other gets a 409. Nothing here reads, modifies and writes back.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from config import history, metrics
from config.choices import ChangeSource
from config.models import ChangeRecord
from config.services import Actor, actor_id
from locks import selectors
from locks.choices import LockStatus
from locks.exceptions import DeviceNotFound, DeviceVersionConflict, InvalidLockStatus
from locks.models import Device, DeviceLog

logger = logging.getLogger(__name__)

# A device's fields its create and delete change records carry.
RECORDED_FIELDS = ("name", "type", "location", "status", "version_id")


def _device_pk(device: Device | uuid.UUID | str) -> uuid.UUID:
    """A device instance (the API's and admin's) or an id (commands', tests')."""
    return device.pk if isinstance(device, Device) else selectors.device_parse_id(device_id=device)


def _current_state(device_id: uuid.UUID) -> tuple[str, int] | None:
    """(status, version_id) as committed now (selectors.device_state), or None if there is none."""
    return selectors.device_state(device_id=device_id)


def _raise_current_state(device_id: uuid.UUID) -> None:
    """After a conditional UPDATE matched nothing: say whether the device is gone or moved on."""
    current = _current_state(device_id)
    if current is None:
        raise DeviceNotFound()
    metrics.LOCK_CONFLICTS.inc()
    raise DeviceVersionConflict(current_status=current[0], current_version_id=current[1])


@functools.cache
def _change_and_log_sql() -> str:
    quote = connection.ops.quote_name
    device, log = Device._meta, DeviceLog._meta

    def col(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    logged = DeviceLog.LOGGED_FIELDS
    log_columns = ", ".join(col(log, name) for name in logged)
    table, status, version = quote(device.db_table), col(device, "status"), col(device, "version_id")
    key, updated, name = col(device, "id"), col(device, "updated_at"), col(device, "name")
    record = ChangeRecord._meta
    record_columns = ", ".join(col(record, name) for name in _RECORD_FIELDS)
    # Identifiers from the models, quoted; every value is a bound parameter.
    return (
        f"WITH changed AS (UPDATE {table} SET {status} = %(new)s, {version} = {version} + 1, "  # noqa: S608
        f"{updated} = %(now)s WHERE {key} = %(pk)s AND {version} = %(expected)s "
        f"AND {status} = %(previous)s RETURNING {key}, {version}, {name}), "
        f"logged AS (INSERT INTO {quote(log.db_table)} ({log_columns}) "
        f"SELECT {key}, %(previous)s, %(new)s, {version}, %(now)s, %(actor)s, %(note)s, %(source)s "
        f"FROM changed RETURNING {quote(log.pk.column)}), "
        f"recorded AS (INSERT INTO {quote(record.db_table)} ({record_columns}) "
        f"SELECT %(now)s, %(actor)s, %(actor_name)s, %(source)s, %(content_type)s, {key}::text, "
        f"LEFT({name}, 200), %(action)s, %(changes)s::jsonb FROM changed) "
        f"SELECT {quote(log.pk.column)} FROM logged"
    )


# The change record's columns the one-statement status change fills, in its SELECT's order.
_RECORD_FIELDS = (
    "at",
    "actor",
    "actor_name",
    "source",
    "content_type",
    "object_id",
    "object_repr",
    "action",
    "changes",
)
CHANGE_STATUS = "change_status"


def _status_changes(log: DeviceLog) -> dict[str, list]:
    """The change record's fields of a status change: the status and the version, before -> after."""
    return {
        "status": [log.previous_status, log.new_status],
        "version_id": [log.version_id - 1, log.version_id],
    }


def _change_and_log_in_one_statement(log: DeviceLog, expected_version: int, actor: Actor) -> None:
    """PostgreSQL: the conditional UPDATE, the log INSERT and the change record as one statement (a
    data-modifying CTE), atomic by itself: one round trip instead of UPDATE, two INSERTs and COMMIT."""
    params = {
        "new": log.new_status,
        "now": log.changed_at,
        "pk": log.device_id,
        "expected": expected_version,
        "previous": log.previous_status,
        "actor": log.actor_id,
        "note": log.note,
        "source": log.source,
        "actor_name": actor.get_username() if log.actor_id is not None else "",
        "content_type": ContentType.objects.get_for_model(Device).pk,
        "action": CHANGE_STATUS,
        "changes": json.dumps(history.safe_changes(_status_changes(log)), cls=DjangoJSONEncoder),
    }
    with connection.cursor() as cursor:
        cursor.execute(_change_and_log_sql(), params)
        row = cursor.fetchone()
    if row is None:
        _raise_current_state(log.device_id)
    log.pk = row[0]
    log._state.adding = False
    log._state.db = connection.alias


def device_change_status(
    *,
    device_id: uuid.UUID | str,
    new_status: str,
    expected_version: int,
    actor: Actor,
    note: str = "",
    source: str = ChangeSource.API,
) -> DeviceLog:
    """Move a device to `new_status` if it is still at `expected_version`, and log the change (its
    `DeviceLog` row, the lock change log's contract, and its platform change record).

    Returns the log row (its `version_id` and `changed_at` are the device's new version and time).
    Raises DeviceNotFound before DeviceVersionConflict, and changes and logs nothing on either.
    """
    if new_status not in LockStatus.values:
        raise InvalidLockStatus()
    pk = selectors.device_parse_id(device_id=device_id)
    # Read outside the transaction: a conflict (the common loss under contention) costs one query.
    current = _current_state(pk)
    if current is None:
        raise DeviceNotFound()
    previous_status, current_version = current
    if current_version != expected_version:
        metrics.LOCK_CONFLICTS.inc()
        raise DeviceVersionConflict(current_status=previous_status, current_version_id=current_version)
    log = DeviceLog(
        device_id=pk,
        previous_status=previous_status,
        new_status=new_status,
        version_id=expected_version + 1,
        changed_at=timezone.now(),
        actor_id=actor_id(actor),
        note=note[:150],
        source=source,
    )
    # The read above is only a guess until the UPDATE confirms it: matching on status as well as
    # version makes `previous_status` the status of the very row version the UPDATE changed.
    if connection.vendor == "postgresql":
        _change_and_log_in_one_statement(log, expected_version, actor)
    else:
        with transaction.atomic():
            matched = Device.objects.filter(
                pk=pk, version_id=expected_version, status=previous_status
            ).update(status=new_status, version_id=F("version_id") + 1, updated_at=log.changed_at)
            if not matched:
                _raise_current_state(pk)
            log.save(force_insert=True)
            history.record_rows(
                [
                    history.change_row(
                        model=Device,
                        object_id=pk,
                        object_repr=Device.objects.filter(pk=pk).values_list("name", flat=True).first() or "",
                        action=CHANGE_STATUS,
                        actor=actor,
                        changes=_status_changes(log),
                        at=log.changed_at,
                        source=source,
                    )
                ]
            )
    # DEBUG: the DeviceLog row is the record; a line per change would flood busy logs.
    logger.debug(
        "device %s status %s -> %s v%s by actor=%s source=%s",
        pk,
        previous_status,
        new_status,
        log.version_id,
        log.actor_id,
        source,
    )
    metrics.LOCK_CHANGES.inc()
    return log


def device_create(
    *,
    name: str,
    type: str = "smart-lock",
    location: str = "",
    status: str = LockStatus.LOCKED,
    actor: Actor,
    id: uuid.UUID | None = None,
) -> Device:
    """Register a device at version 0 (its first status is not a change, so it is not in the lock
    change log; the creation is a change record)."""
    if status not in LockStatus.values:
        raise InvalidLockStatus()
    with transaction.atomic():
        device = Device.objects.create(
            id=id or uuid.uuid4(), name=name, type=type, location=location, status=status
        )
        history.record(
            device, action="create", actor=actor, changes=history.created_changes(device, RECORDED_FIELDS)
        )
    logger.info("device %s created by actor=%s", device.pk, actor_id(actor))
    return device


def device_update(
    *,
    device: Device | uuid.UUID | str,
    expected_version: int,
    actor: Actor,
    name: str | None = None,
    type: str | None = None,
    location: str | None = None,
) -> Device:
    """Change a device's metadata if it is still at `expected_version`; the version grows by one.

    The status is not metadata: it changes only through device_change_status, which logs it.
    """
    pk = _device_pk(device)
    changes = {
        field: value
        for field, value in (("name", name), ("type", type), ("location", location))
        if value is not None
    }
    with transaction.atomic():
        # Read under the row lock only to record before -> after; the conditional UPDATE decides.
        before = Device.objects.select_for_update().filter(pk=pk).first()
        matched = Device.objects.filter(pk=pk, version_id=expected_version).update(
            **changes, version_id=F("version_id") + 1, updated_at=timezone.now()
        )
        if not matched:
            _raise_current_state(pk)
        device = Device.objects.get(pk=pk)
        diff = {
            field: [getattr(before, field), getattr(device, field)]
            for field in [*changes, "version_id"]
            if before is not None and getattr(before, field) != getattr(device, field)
        }
        history.record(device, action="update", actor=actor, changes=diff)
    logger.info(
        "device %s metadata %s v%s by actor=%s", pk, sorted(changes), device.version_id, actor_id(actor)
    )
    return device


def device_delete(*, device: Device | uuid.UUID | str, actor: Actor) -> None:
    """Delete a device together with its change log."""
    pk = _device_pk(device)
    with transaction.atomic():
        current = Device.objects.select_for_update().filter(pk=pk).first()
        if current is None:
            raise DeviceNotFound()
        Device.objects.filter(pk=pk).delete()
        history.record(
            current, action="delete", actor=actor, changes=history.deleted_changes(current, RECORDED_FIELDS)
        )
    logger.info("device %s deleted by actor=%s", pk, actor_id(actor))
