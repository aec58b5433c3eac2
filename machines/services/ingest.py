"""Telemetry ingest, one service for both transports: checked telemetry in, stored points out.

HTTP (`machines.views.IngestViewSet`, a gateway batch) and MQTT (`machines.subscriber.Subscriber`, a
subscriber batch) both call `telemetry_store`. The rules live here once: one machine lookup for
the whole batch through the cached selector, a reading of an unknown machine is dropped and
counted (`unknown_machine`), a point's location is the machine record's (never the sender's) and
its sensor_type the reading's own, and one store write per call (the SQL store recomputes the
touched rollup hours in that write's transaction); then the stored points are checked against
the alert thresholds (machines.services.alerts `alerts_check`), the same for both transports.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from config import metrics
from config.dependencies import log_degraded, outage_of
from config.services import Actor, actor_id
from machines.checks import IngestBatch
from machines.exceptions import IngestTooLarge, MachineLookupUnavailable
from machines.mqtt import Reason
from machines.selectors import machine_lookup_many
from machines.services.alerts import alerts_check
from machines.timeseries import Point, TimeSeriesStore, get_store

logger = logging.getLogger(__name__)


class CheckedTelemetry(Protocol):
    """One machine's values at one time, already checked (ranges, timestamp bounds, text): what
    `machines.checks.parse_ingest` and `machines.mqtt.parse_message` produce."""

    machine_id: uuid.UUID
    timestamp: datetime
    sensor_type: str
    temperature: float | None
    pressure: float | None
    speed: float | None


@dataclass(slots=True)
class TelemetryValues:
    """A gateway batch's reading addressed to its item's machine (HTTP's CheckedTelemetry; MQTT's
    is `machines.mqtt.TelemetryMessage`). Not frozen: a frozen dataclass's __init__ costs a setattr call
    per field, paid for every reading of every request."""

    machine_id: uuid.UUID
    timestamp: datetime
    sensor_type: str
    temperature: float | None = None
    pressure: float | None = None
    speed: float | None = None


def gateway_telemetry(batch: IngestBatch) -> list[TelemetryValues]:
    """A checked gateway batch as the service's input: each reading addressed to its item's machine."""
    values: list[TelemetryValues] = []
    for item in batch.items:
        machine_id, sensor_type = item.machine_id, item.sensor_type
        values.extend(
            TelemetryValues(machine_id, r.timestamp, sensor_type, r.temperature, r.pressure, r.speed)
            for r in item.readings
        )
    return values


@dataclass(slots=True)
class IngestResult:
    """What one call stored: the points written, the machines the registry does not hold, and
    the telemetry dropped by reason (`unknown_machine`)."""

    stored: int
    processed_at: datetime
    unknown: set[uuid.UUID] = field(default_factory=set)
    dropped: Counter[str] = field(default_factory=Counter)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _check_alerts(points: list[Point]) -> None:
    """The threshold check of stored points, which never fails the ingest: the points are stored,
    and a reading must not be refused, retried without end or split as refused because its alert
    could not be written. An outage of the check's cache or database is logged in one line (at
    most every few seconds); any other failure with its traceback. A condition that lasts is
    raised by the next batch's readings."""
    try:
        alerts_check(points=points)
    except Exception as exc:
        dependency = outage_of(exc)
        if dependency is not None:
            log_degraded(dependency, exc, "threshold alerts of a stored batch skipped")
        else:
            logger.exception("threshold alert check failed for %d stored points", len(points))


def telemetry_store(
    *,
    readings: Sequence[CheckedTelemetry],
    source: str,
    actor: Actor,
    store: TimeSeriesStore | None = None,
    max_hours: int | None = None,
    count_metrics: bool = True,
) -> IngestResult:
    """Store checked telemetry as points in one store write; readings of unknown machines are
    dropped and reported (`unknown`, `dropped["unknown_machine"]`), nothing is written when none
    is known.

    `max_hours` (HTTP: INGEST_MAX_HOURS) refuses the whole call (IngestTooLarge, 413) when the
    readings fall in more (machine, hour) pairs: each is one rollup recompute in the write. A
    failed machine lookup raises MachineLookupUnavailable (503; the subscriber retries it); the
    store's own errors propagate (StoreUnavailable, or the driver's refusal of the data). The
    stored points are then checked against the alert thresholds (`_check_alerts`).
    `count_metrics=False` leaves the ingest counters to a caller that may retry the same readings
    (the subscriber counts each batch once it is through).
    """
    if max_hours is not None:
        hours = {(reading.machine_id, _hour(reading.timestamp)) for reading in readings}
        if len(hours) > max_hours:
            raise IngestTooLarge(
                _(
                    "Batch too large: its readings fall in %(count)s distinct (machine, hour) pairs; "
                    "at most %(max)s (INGEST_MAX_HOURS). Split the batch by time."
                )
                % {"count": len(hours), "max": max_hours}
            )
    try:
        known = machine_lookup_many(machine_ids={reading.machine_id for reading in readings})
    except Exception as exc:
        raise MachineLookupUnavailable() from exc
    points: list[Point] = []
    unknown: set[uuid.UUID] = set()
    dropped = 0
    locations = {machine_id: record.location for machine_id, record in known.items()}
    for r in readings:
        location = locations.get(r.machine_id)
        if location is None:
            unknown.add(r.machine_id)
            dropped += 1
            continue
        points.append(
            Point(r.machine_id, r.timestamp, r.sensor_type, location, r.temperature, r.pressure, r.speed)
        )
    if points:
        (store or get_store()).write(points)
        _check_alerts(points)
        logger.debug("%s stored %d points (actor=%s)", source, len(points), actor_id(actor))
    result = IngestResult(stored=len(points), processed_at=timezone.now(), unknown=unknown)
    if dropped:
        result.dropped[Reason.UNKNOWN_MACHINE] = dropped
    if count_metrics:
        metrics.count_readings(source, result.stored, result.dropped)
    return result
