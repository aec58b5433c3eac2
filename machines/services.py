"""Business rules of the machines app: registry, telemetry ingest, history, system configuration
and retention. Views, the admin, the MQTT subscriber and the commands all call these.

Races are decided by the database: the unique index on Machine.name decides between two creates
of one name; a configuration change locks its row (`select_for_update`) so the recorded old value
is the one it replaced; a repeated reading is an upsert in the store, never a second row.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from config import metrics
from config.services import Actor, actor_id, model_update
from machines import cache as keys
from machines.choices import INTERVAL_SECONDS, RANGES, ChangeSource, Interval, MachineStatus
from machines.exceptions import (
    BatchIngestionFailed,
    IngestTooLarge,
    InvalidMachineId,
    InvalidQueryParameters,
    InvalidSetting,
    MachineNameTaken,
    MachineNotFound,
)
from machines.models import Machine, SystemConfig, SystemConfigChange
from machines.timeseries import Point, Query, get_store
from machines.validation import (
    IngestBatch,
    has_control_characters,
    parse_ascii_int,
    parse_history_params,
    parse_uuid,
)

logger = logging.getLogger(__name__)

MACHINE_FIELDS = ("name", "location", "sensor_type", "status")


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`, the form every machines answer uses."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def machine_record(machine: Machine) -> dict[str, Any]:
    return {
        "machine_id": str(machine.pk),
        "name": machine.name,
        "location": machine.location,
        "sensor_type": machine.sensor_type,
        "status": machine.status,
    }


# --- registry -----------------------------------------------------------------------------------
def machine_create(
    *,
    name: str,
    location: str,
    sensor_type: str,
    status: str = MachineStatus.ACTIVE,
    actor: Actor,
    machine_id: uuid.UUID | None = None,
) -> Machine:
    """Register a machine. The unique index on the name decides a duplicate (also two racing creates)."""
    machine = Machine(
        id=machine_id or uuid.uuid4(), name=name, location=location, sensor_type=sensor_type, status=status
    )
    machine.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            machine.save(force_insert=True)
            keys.invalidate_machines_on_commit()
    except IntegrityError:
        if Machine.objects.filter(name=name).exists():
            raise MachineNameTaken(f"Machine with name {name} already exists") from None
        raise
    logger.info("machine %s (%s) created by actor=%s", machine.pk, name, actor_id(actor))
    return machine


def machine_update(*, machine: Machine, actor: Actor, **data: Any) -> Machine:
    """Change a machine's registry fields (the admin's edit); a taken name answers 409.

    Compares against the stored row, not the instance passed in: the admin hands over an instance
    its form has already modified, against which nothing would look changed.
    """
    try:
        with transaction.atomic():
            current = Machine.objects.select_for_update().get(pk=machine.pk)
            machine, changed = model_update(instance=current, fields=MACHINE_FIELDS, data=data)
            if changed:
                keys.invalidate_machines_on_commit()
    except IntegrityError:
        raise MachineNameTaken(f"Machine with name {data.get('name')} already exists") from None
    except DjangoValidationError as exc:
        if (
            "name" in getattr(exc, "error_dict", {})
            and Machine.objects.filter(name=data.get("name")).exists()
        ):
            raise MachineNameTaken(f"Machine with name {data.get('name')} already exists") from None
        raise
    if changed:
        logger.info("machine %s changed %s by actor=%s", machine.pk, changed, actor_id(actor))
    return machine


def machine_delete(*, machine: Machine, actor: Actor) -> None:
    """Delete a machine; its readings in the SQL store go with it (ON DELETE CASCADE)."""
    with transaction.atomic():
        Machine.objects.filter(pk=machine.pk).delete()
        keys.invalidate_machines_on_commit()
    logger.info("machine %s deleted by actor=%s", machine.pk, actor_id(actor))


def machine_list(
    *, location: str | None, status: str | None, sensor_type: str | None, limit: int, offset: int
) -> dict[str, Any]:
    """One page of machines by name with the total; cached per parameter set until a registry write."""
    key = keys.list_key((location, status, sensor_type, limit, offset))
    token, cached = keys.read(keys.MACHINES, [key])
    if key in cached:
        return cached[key]
    rows = Machine.objects.all()
    if location is not None:
        rows = rows.filter(location=location)
    if status is not None:
        rows = rows.filter(status=status)
    if sensor_type is not None:
        rows = rows.filter(sensor_type=sensor_type)
    page = [
        {"machine_id": str(r[0]), "name": r[1], "location": r[2], "sensor_type": r[3], "status": r[4]}
        for r in rows.values_list("id", *MACHINE_FIELDS[:1], "location", "sensor_type", "status")[
            offset : offset + limit
        ]
    ]
    total = offset + len(page) if len(page) < limit and (page or offset == 0) else rows.count()
    answer = {
        "status": "success",
        "count": len(page),
        "machines": page,
        "pagination": {
            "total_records": total,
            "limit": limit,
            "offset": offset,
            "has_more": offset + len(page) < total,
        },
    }
    keys.write(token, {key: answer})
    return answer


def machine_lookup_many(*, machine_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The records of those machines that exist: cached ones from one cache read, the rest in one query."""
    wanted = list(dict.fromkeys(machine_ids))
    if not wanted:
        return {}
    by_key = {keys.machine_key(mid): mid for mid in wanted}
    token, cached = keys.read(keys.MACHINES, list(by_key))
    found = {by_key[k]: v for k, v in cached.items()}
    missing = [mid for mid in wanted if mid not in found]
    if missing:
        fresh = {m.pk: machine_record(m) for m in Machine.objects.filter(pk__in=missing).order_by()}
        if fresh:
            keys.write(token, {keys.machine_key(mid): rec for mid, rec in fresh.items()})
        found.update(fresh)
    return found


def machine_get(*, machine_id: Any) -> dict[str, Any]:
    """A machine's record by a client-sent id: 400 for a malformed id, 404 for an unknown one."""
    parsed = machine_id if isinstance(machine_id, uuid.UUID) else parse_uuid(machine_id)
    if parsed is None:
        raise InvalidMachineId()
    record = machine_lookup_many(machine_ids=[parsed]).get(parsed)
    if record is None:
        raise MachineNotFound()
    return record


# --- ingest -------------------------------------------------------------------------------------
@dataclass(slots=True)
class IngestResult:
    status: str  # success | partial_success | (failure raises)
    summary: dict[str, Any]
    details: list[dict[str, Any]]
    errors: list[dict[str, Any]] = field(default_factory=list)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def telemetry_ingest(*, batch: IngestBatch, actor: Actor) -> IngestResult:
    """Store a gateway batch: one machine lookup for the whole batch, one store write.

    Each reading's location is the machine record's (as over MQTT), never the client's: the
    location a reading is filed under is the registry's business. Items naming unknown machines
    are reported and skipped; if none is known nothing is stored (BatchIngestionFailed). A batch
    touching more than INGEST_MAX_HOURS (machine, hour) rollup rows is refused whole (413): each
    is one recompute in the store's transaction. If the store refuses, StoreUnavailable (503) is
    raised before anything is reported as stored.
    """
    hours = {(item.machine_id, _hour(reading.timestamp)) for item in batch.items for reading in item.readings}
    if len(hours) > settings.INGEST_MAX_HOURS:
        raise IngestTooLarge(
            f"Batch too large: its readings fall in {len(hours)} distinct (machine, hour) pairs; at most "
            f"{settings.INGEST_MAX_HOURS} (INGEST_MAX_HOURS). Split the batch by time."
        )
    known = machine_lookup_many(machine_ids=[item.machine_id for item in batch.items])
    points: list[Point] = []
    details: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(batch.items):
        if item.machine_id not in known:
            details.append({"machine_id": item.raw_machine_id, "readings_count": 0, "status": "failed"})
            errors.append(
                {
                    "field": f"batch[{index}].machine_id",
                    "error": "Machine ID not found in database",
                    "value": item.raw_machine_id,
                }
            )
            continue
        location = known[item.machine_id]["location"]
        for reading in item.readings:
            points.append(
                Point(
                    item.machine_id,
                    reading.timestamp,
                    item.sensor_type,
                    location,
                    reading.temperature,
                    reading.pressure,
                    reading.speed,
                )
            )
        details.append(
            {"machine_id": item.raw_machine_id, "readings_count": len(item.readings), "status": "success"}
        )
    summary = {
        "total_machines": len(batch.items) - len(errors),
        "total_readings": len(points),
        "processed_at": iso(timezone.now()),
        "gateway_id": batch.gateway_id,
    }
    if not points:
        raise BatchIngestionFailed(errors=errors, summary=summary, details=details)
    get_store().write(points)
    metrics.count_readings(
        "http",
        len(points),
        {"unknown_machine": sum(len(i.readings) for i in batch.items if i.machine_id not in known)},
    )
    logger.debug("gateway %s stored %d readings (actor=%s)", batch.gateway_id, len(points), actor_id(actor))
    return IngestResult("partial_success" if errors else "success", summary, details, errors)


# --- history ------------------------------------------------------------------------------------
def history_query(*, machine_id: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """A machine's readings or window means over a time range, paged by the store."""
    machine = machine_get(machine_id=machine_id)
    parsed, errors = parse_history_params(params, timezone.now())
    if parsed is None:
        raise InvalidQueryParameters(errors=errors)
    page = get_store().query(
        Query(
            machine_id=uuid.UUID(machine["machine_id"]),
            start=parsed.start,
            end=parsed.end,
            fields=parsed.fields,
            interval_seconds=INTERVAL_SECONDS.get(Interval(parsed.interval)),
            limit=parsed.limit,
            offset=parsed.offset,
        )
    )
    data = [{**row, "timestamp": iso(row["timestamp"])} for row in page.rows]
    return {
        "status": "success",
        "machine": {k: machine[k] for k in ("machine_id", "name", "location", "sensor_type")},
        "query": {
            "start_time": iso(parsed.start),
            "end_time": iso(parsed.end),
            "interval": parsed.interval,
            "fields": list(parsed.fields),
        },
        "data": data,
        "pagination": {
            "total_records": page.total,
            "returned_records": len(data),
            "limit": parsed.limit,
            "offset": parsed.offset,
            "has_more": parsed.offset + len(data) < page.total,
        },
    }


# --- system configuration -----------------------------------------------------------------------
RETENTION_DAYS = (1, 3650)
_DECIMAL = re.compile(r"[0-9]{1,10}(\.[0-9]{1,10})?")


def _threshold(field_name: str) -> Callable[[str], str | None]:
    """A positive decimal written in ASCII (`85.5`), at most the highest reading the field accepts."""
    high = RANGES[field_name][1]

    def check(value: str) -> str | None:
        if not _DECIMAL.fullmatch(value) or not 0 < float(value) <= high:
            return f"Must be a decimal number greater than 0 and at most {high:g} (e.g. 85.5)"
        return None

    return check


def _retention_days(value: str) -> str | None:
    number = parse_ascii_int(value)
    low, high = RETENTION_DAYS
    if number is None or not low <= number <= high:
        return f"Must be a whole number of days from {low} to {high}"
    return None


def _email(value: str) -> str | None:
    try:
        validate_email(value)
    except DjangoValidationError:
        return "Must be an email address"
    return None


# Settings the system itself reads are checked (ASCII, typed, bounded: Python's int() and float()
# also take "1_000", " 5" and other scripts' digits); other names are free-form notes.
SETTING_CHECKS: dict[str, Callable[[str], str | None]] = {
    "max_temperature_threshold": _threshold("temperature"),
    "max_pressure_threshold": _threshold("pressure"),
    "alert_email": _email,
    "data_retention_days": _retention_days,
}
# Free-form values may hold tabs and line breaks, never NUL or other control characters.
_FREE_TEXT_ALLOWED = frozenset("\t\n\r")


def config_all() -> dict[str, str]:
    """Every setting by name (cached until the next change commits)."""
    token, cached = keys.read(keys.CONFIG, [keys.CONFIG_KEY])
    if keys.CONFIG_KEY in cached:
        return cached[keys.CONFIG_KEY]
    settings_now = dict(SystemConfig.objects.order_by("name").values_list("name", "value"))
    keys.write(token, {keys.CONFIG_KEY: settings_now})
    return settings_now


def config_get(*, name: str, default: str | None = None) -> str | None:
    return config_all().get(name, default)


def config_set(*, name: str, value: str, actor: Actor, source: str = ChangeSource.API) -> SystemConfigChange:
    """Create or change a setting and record the change (who, when, old → new) in one transaction."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidSetting("Setting name must be 1-100 characters")
    if has_control_characters(name):
        raise InvalidSetting("Setting name must not contain control characters")
    if len(value) > 1000:
        raise InvalidSetting("Setting value must be at most 1000 characters")
    if has_control_characters("".join(char for char in value if char not in _FREE_TEXT_ALLOWED)):
        raise InvalidSetting(f"Invalid value for {name}: Must not contain control characters")
    check = SETTING_CHECKS.get(name)
    if check and (problem := check(value)):
        raise InvalidSetting(f"Invalid value for {name}: {problem}")
    who = actor_id(actor)
    with transaction.atomic():
        # The row lock makes the old value the one this change replaced, also when two race.
        setting = SystemConfig.objects.select_for_update().filter(name=name).first()
        created = False
        if setting is None:
            try:
                with transaction.atomic():
                    setting = SystemConfig.objects.create(name=name, value=value, updated_by_id=who)
                    created = True
            except IntegrityError:
                # Another request created it first: change it as an existing setting.
                setting = SystemConfig.objects.select_for_update().get(name=name)
        old_value = None if created else setting.value
        if not created:
            setting.value, setting.updated_by_id = value, who
            setting.save(update_fields=["value", "updated_by", "updated_at"])
        change = SystemConfigChange.objects.create(
            setting=setting, name=name, old_value=old_value, new_value=value, changed_by_id=who, source=source
        )
        keys.invalidate_config_on_commit()
    logger.info("config %s changed by actor=%s via %s", name, who, source)
    return change


def config_delete(*, setting: SystemConfig, actor: Actor) -> None:
    """Remove a free-form setting; the ones the system reads can't be removed (only changed)."""
    if setting.name in SETTING_CHECKS:
        raise InvalidSetting(f"{setting.name} is used by the system and can't be deleted")
    with transaction.atomic():
        SystemConfig.objects.filter(pk=setting.pk).delete()
        keys.invalidate_config_on_commit()
    logger.info("config %s deleted by actor=%s", setting.name, actor_id(actor))


# --- retention ----------------------------------------------------------------------------------
def telemetry_purge(*, now: datetime | None = None, days: int | None = None) -> tuple[datetime, int | None]:
    """Drop readings older than `data_retention_days` (or `days`); returns the cutoff and the count.

    A retention outside 1..3650 days (passed, or stored before values were checked) raises
    InvalidSetting and deletes nothing: guessing a default could delete what was meant to be kept.
    """
    if days is None:
        raw = config_get(name="data_retention_days", default="365")
        if problem := _retention_days(raw):
            raise InvalidSetting(f"Invalid value for data_retention_days ({raw[:20]!r}): {problem}")
        days = int(raw)
    elif not RETENTION_DAYS[0] <= days <= RETENTION_DAYS[1]:
        raise InvalidSetting(f"Retention must be from {RETENTION_DAYS[0]} to {RETENTION_DAYS[1]} days")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = get_store().delete_before(cutoff)
    logger.info("telemetry before %s purged: %s points", iso(cutoff), deleted)
    return cutoff, deleted
