"""Reads of the machines app: the machine registry (through the generation-keyed cache), a
machine's history from the time-series store and the system configuration. Views, the ingest
service (HTTP and MQTT), the admin and the commands read through these; nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from config import cache as shared
from config.api.pagination import page_total
from machines import cache as keys
from machines.checks import HistoryParams
from machines.choices import INTERVAL_SECONDS, Interval
from machines.exceptions import MachineNotFound
from machines.models import Machine, SystemConfig
from machines.timeseries import Page, Query, TimeSeriesStore, get_store

# An id the registry does not hold is remembered this long at most (and until the next registry
# write): a flood from an unregistered machine costs one query per this many seconds, and a machine
# registered where the cache is not shared (no Redis) is seen within it.
UNKNOWN_MACHINE_TTL = 30


@dataclass(frozen=True, slots=True)
class MachineRecord:
    """What ingest, history and the list need of a machine (cached; never the model instance)."""

    machine_id: uuid.UUID
    name: str
    location: str
    sensor_type: str
    status: str


@dataclass(frozen=True, slots=True)
class MachinePage:
    """One page of the machine list and the total under its filters."""

    machines: list[MachineRecord]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class MachineListFilters:
    """Exact-match filters of the machine list (None: not filtered), combined with AND."""

    location: str | None = None
    status: str | None = None
    sensor_type: str | None = None


_RECORD_COLUMNS = ("id", "name", "location", "sensor_type", "status")


def _records_from_db(machine_ids: list[uuid.UUID]) -> dict[uuid.UUID, MachineRecord]:
    """The registry rows of those ids, in one query (the cache's miss path)."""
    rows = Machine.objects.filter(pk__in=machine_ids).order_by().values_list(*_RECORD_COLUMNS)
    return {row[0]: MachineRecord(*row) for row in rows}


def machine_lookup_many(*, machine_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, MachineRecord]:
    """The records of those machines that exist: cached ones (and cached misses) from one cache
    read, the rest in one query. The one machine lookup of ingest (HTTP and MQTT) and history."""
    wanted = list(dict.fromkeys(machine_ids))
    if not wanted:
        return {}
    by_key = {keys.machine_key(mid): mid for mid in wanted}
    token, cached = keys.read(keys.MACHINES, list(by_key))
    found: dict[uuid.UUID, MachineRecord] = {}
    missing = []
    for key, mid in by_key.items():
        if key not in cached:
            missing.append(mid)
        elif cached[key] is not None:
            found[mid] = cached[key]
    if missing:
        fresh = _records_from_db(missing)
        if fresh:
            keys.write(token, {keys.machine_key(mid): record for mid, record in fresh.items()})
        unknown = {keys.machine_key(mid): None for mid in missing if mid not in fresh}
        if unknown and keys.ttl():
            shared.write(token, unknown, timeout=min(UNKNOWN_MACHINE_TTL, keys.ttl()))
        found.update(fresh)
    return found


def machine_get(*, machine_id: uuid.UUID) -> MachineRecord:
    """A machine's record (cached); MachineNotFound (404) for an id the registry does not hold."""
    record = machine_lookup_many(machine_ids=[machine_id]).get(machine_id)
    if record is None:
        raise MachineNotFound()
    return record


def machine_records_forget() -> None:
    """Drop every cached machine record at once: a write found the cache staler than the registry
    (a machine deleted without going through the services)."""
    keys.bump(keys.MACHINES)


def machine_list(*, filters: MachineListFilters, limit: int, offset: int) -> MachinePage:
    """One page of machines by name with the total; cached per parameter set until a registry write.

    The total is counted only when the page does not tell it (a short page ends the list)."""
    key = keys.list_key(("page", filters.location, filters.status, filters.sensor_type, limit, offset))
    token, cached = keys.read(keys.MACHINES, [key])
    if key in cached:
        return cached[key]
    rows = Machine.objects.all()
    if filters.location is not None:
        rows = rows.filter(location=filters.location)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.sensor_type is not None:
        rows = rows.filter(sensor_type=filters.sensor_type)
    machines = [MachineRecord(*row) for row in rows.values_list(*_RECORD_COLUMNS)[offset : offset + limit]]
    total = page_total(offset=offset, limit=limit, page_len=len(machines), count=rows.count)
    page = MachinePage(machines=machines, total=total, limit=limit, offset=offset)
    keys.write(token, {key: page})
    return page


def telemetry_history(
    *, machine: MachineRecord, params: HistoryParams, store: TimeSeriesStore | None = None
) -> Page:
    """A machine's points (raw) or window means over [start, end), one page, counted by the store."""
    return (store or get_store()).query(
        Query(
            machine_id=machine.machine_id,
            start=params.start,
            end=params.end,
            fields=params.fields,
            interval_seconds=INTERVAL_SECONDS.get(Interval(params.interval)),
            limit=params.limit,
            offset=params.offset,
        )
    )


def systemsetting_all() -> dict[str, str]:
    """Every system setting by name (cached until the next change commits)."""
    token, cached = keys.read(keys.CONFIG, [keys.CONFIG_KEY])
    if keys.CONFIG_KEY in cached:
        return cached[keys.CONFIG_KEY]
    settings_now = dict(SystemConfig.objects.order_by("name").values_list("name", "value"))
    keys.write(token, {keys.CONFIG_KEY: settings_now})
    return settings_now


def systemsetting_get(*, name: str, default: str | None = None) -> str | None:
    """One system setting's value, or `default` when it is not set."""
    return systemsetting_all().get(name, default)


__all__ = [
    "MachineListFilters",
    "MachinePage",
    "MachineRecord",
    "machine_get",
    "machine_list",
    "machine_lookup_many",
    "machine_records_forget",
    "systemsetting_all",
    "systemsetting_get",
    "telemetry_history",
]
