"""Reads of the machines app: the machine registry (through the generation-keyed cache), a
machine's history from the time-series store, the system configuration and the threshold alerts.
Views, the ingest service (HTTP and MQTT), the admin and the commands read through these; nothing
here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Max, OuterRef, QuerySet, Subquery, Value, When

from config import cache as shared
from config.api.pagination import page_total
from machines import cache as keys
from machines.alert_rules import AlertKey, AlertRules
from machines.checks import HistoryParams
from machines.choices import INTERVAL_SECONDS, AlertSeverity, AlertStatus, Interval
from machines.exceptions import MachineNotFound
from machines.models import Alert, Machine, SensorReading, SystemConfig
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
    # Records and pages are frozen dataclasses: safe to mirror in the process.
    token, cached = keys.read(keys.MACHINES, list(by_key), mirrored=True)
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
    token, cached = keys.read(keys.MACHINES, [key], mirrored=True)
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


def _settings_from_db() -> dict[str, str]:
    return dict(SystemConfig.objects.order_by("name").values_list("name", "value"))


def systemsetting_all() -> dict[str, str]:
    """Every system setting by name (cached until the next change commits)."""
    token, cached = keys.read(keys.CONFIG, [keys.CONFIG_KEY])
    if keys.CONFIG_KEY in cached:
        return cached[keys.CONFIG_KEY]
    settings_now = _settings_from_db()
    keys.write(token, {keys.CONFIG_KEY: settings_now})
    return settings_now


def systemsetting_get(*, name: str, default: str | None = None) -> str | None:
    """One system setting's value, or `default` when it is not set."""
    return systemsetting_all().get(name, default)


@dataclass(frozen=True, slots=True)
class MachineActivity:
    """One machine as the dashboard shows it: when it last reported, and its last hour's points
    (count, highest temperature and pressure; None when it sent none)."""

    machine_id: uuid.UUID
    name: str
    status: str
    last_seen: datetime | None
    recent_points: int = 0
    max_temperature: float | None = None
    max_pressure: float | None = None


def machine_activity(*, since: datetime) -> list[MachineActivity]:
    """Every machine with its last report and its points since `since`, in two queries: the
    registry with each machine's latest timestamp (a backward read of the (machine, timestamp)
    index per machine), then the recent points grouped by machine, read through that index with
    the machine ids as its leading key, so the cost follows the last hour's points, never the
    table's size. The SQL store's table (InfluxDB keeps its points elsewhere)."""
    latest = (
        SensorReading.objects.filter(machine=OuterRef("pk")).order_by("-timestamp").values("timestamp")[:1]
    )
    machines = list(
        Machine.objects.order_by("name", "id")
        .annotate(last_seen=Subquery(latest))
        .values_list("id", "name", "status", "last_seen")
    )
    if not machines:
        return []
    recent = {
        row["machine_id"]: row
        for row in SensorReading.objects.filter(machine_id__in=[m[0] for m in machines], timestamp__gte=since)
        .order_by()
        .values("machine_id")
        .annotate(points=Count("id"), max_temperature=Max("temperature"), max_pressure=Max("pressure"))
    }
    found = []
    for machine_id, name, status, last_seen in machines:
        row = recent.get(machine_id, {})
        found.append(
            MachineActivity(
                machine_id=machine_id,
                name=name,
                status=status,
                last_seen=last_seen,
                recent_points=row.get("points", 0),
                max_temperature=row.get("max_temperature"),
                max_pressure=row.get("max_pressure"),
            )
        )
    return found


def systemsetting_numbers(*, names: Iterable[str]) -> dict[str, float | None]:
    """Numeric system settings (thresholds) by name, from one read of the settings: None for one
    that is unset or not a number."""
    settings_now = systemsetting_all()
    found: dict[str, float | None] = {}
    for name in names:
        try:
            found[name] = float(settings_now[name]) if name in settings_now else None
        except ValueError:
            found[name] = None
    return found


# --- threshold alerts ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AlertState:
    """What the ingest's threshold check needs: the rules in force and the open alerts' keys."""

    rules: AlertRules
    open_keys: frozenset[AlertKey]


def _open_keys(machine_ids: Iterable[uuid.UUID] | None) -> frozenset[AlertKey]:
    rows = Alert.objects.filter(closed_at__isnull=True).order_by()
    if machine_ids is not None:
        rows = rows.filter(machine_id__in=list(machine_ids))
    return frozenset(rows.values_list("machine_id", "metric", "bound"))


def alert_state(*, machine_ids: Iterable[uuid.UUID]) -> AlertState:
    """The thresholds (system settings) and the open alerts' keys for an ingest batch, from one
    cache read; on a miss the settings and every open key are read and cached (until a setting
    change, or an alert opening or closing, commits). With caching off: two small queries, the
    open keys of the batch's machines only."""
    answers = keys.read_many({keys.CONFIG: [keys.CONFIG_KEY], keys.ALERTS: [keys.OPEN_ALERTS_KEY]})
    config_token, config_cached = answers[keys.CONFIG]
    alerts_token, alerts_cached = answers[keys.ALERTS]
    if keys.CONFIG_KEY in config_cached:
        values = config_cached[keys.CONFIG_KEY]
    else:
        values = _settings_from_db()
        keys.write(config_token, {keys.CONFIG_KEY: values})
    if keys.OPEN_ALERTS_KEY in alerts_cached:
        open_keys = alerts_cached[keys.OPEN_ALERTS_KEY]
    elif keys.ttl():
        open_keys = _open_keys(None)
        keys.write(alerts_token, {keys.OPEN_ALERTS_KEY: open_keys})
    else:
        open_keys = _open_keys(machine_ids)
    rules = AlertRules.from_settings(values, settings.ALERT_HYSTERESIS_PERCENT)
    return AlertState(rules=rules, open_keys=open_keys)


@dataclass(frozen=True, slots=True)
class AlertListFilters:
    """Exact-match filters of the alert list (None: not filtered), combined with AND."""

    status: str | None = None
    machine_id: uuid.UUID | None = None
    severity: str | None = None
    metric: str | None = None


@dataclass(frozen=True, slots=True)
class AlertPage:
    """One page of alerts and the total under its filters."""

    alerts: list[Alert]
    total: int
    limit: int
    offset: int


def _alerts() -> QuerySet[Alert]:
    # Open first, then the latest breach first; the id keeps the order total.
    open_first = Case(
        When(closed_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Alert.objects.select_related("machine", "acknowledged_by")
        .alias(open_first=open_first)
        .order_by("open_first", "-last_seen", "-id")
    )


def alert_list(*, filters: AlertListFilters, limit: int, offset: int) -> AlertPage:
    """One page of alerts, open ones first, the latest breach first; the total only when the page
    does not tell it."""
    rows = _alerts()
    if filters.status == AlertStatus.OPEN:
        rows = rows.filter(closed_at__isnull=True)
    elif filters.status == AlertStatus.CLOSED:
        rows = rows.filter(closed_at__isnull=False)
    if filters.machine_id is not None:
        rows = rows.filter(machine_id=filters.machine_id)
    if filters.severity is not None:
        rows = rows.filter(severity=filters.severity)
    if filters.metric is not None:
        rows = rows.filter(metric=filters.metric)
    alerts = list(rows[offset : offset + limit])
    total = page_total(offset=offset, limit=limit, page_len=len(alerts), count=rows.count)
    return AlertPage(alerts=alerts, total=total, limit=limit, offset=offset)


def alert_get(*, alert_id: int) -> Alert | None:
    """One alert with its machine and acknowledging user, or None."""
    return _alerts().filter(pk=alert_id).first()


@dataclass(frozen=True, slots=True)
class AlertSummary:
    """The open alerts at a glance: counts by severity, their total, and the latest few."""

    counts: dict[str, int]
    total: int
    newest: list[Alert]


def alerts_open_summary(*, newest: int = 5) -> AlertSummary:
    """Open alerts by severity (every severity named, 0 included) and the `newest` latest ones, in
    two small queries over the open-alert index (a dashboard panel's figures)."""
    rows = Alert.objects.filter(closed_at__isnull=True)
    counted = dict(
        rows.order_by().values_list("severity").annotate(n=Count("id")).values_list("severity", "n")
    )
    counts = {severity: counted.get(severity, 0) for severity in AlertSeverity.values}
    latest = list(rows.select_related("machine").order_by("-last_seen", "-id")[:newest]) if newest > 0 else []
    return AlertSummary(counts=counts, total=sum(counts.values()), newest=latest)


__all__ = [
    "AlertListFilters",
    "AlertPage",
    "AlertState",
    "AlertSummary",
    "MachineActivity",
    "MachineListFilters",
    "MachinePage",
    "MachineRecord",
    "alert_get",
    "alert_list",
    "alert_state",
    "alerts_open_summary",
    "machine_activity",
    "machine_get",
    "machine_list",
    "machine_lookup_many",
    "machine_records_forget",
    "systemsetting_all",
    "systemsetting_get",
    "systemsetting_numbers",
    "telemetry_history",
]
