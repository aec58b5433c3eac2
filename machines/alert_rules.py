"""The threshold rules of alerts, pure: cached numbers in, per-batch breaches and clears out.

Kept apart from the database work (machines.services.alerts), so the per-point cost is visible:
one or two float comparisons per value against numbers parsed once per batch from the cached
system settings (machines.selectors.alert_state, which imports this module). The rules are the
replaced service's: temperature or pressure above its maximum is a warning, above 110 % of it
critical; temperature below its minimum a warning. An open alert closes
when a later reading is back inside its limit by the hysteresis (a percentage of the limit).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from machines.choices import AlertBound, AlertMetric, AlertSeverity

CRITICAL_FACTOR = 1.1  # above 110 % of a maximum: critical
# The system settings the rules read (machines.services.system_config checks them on every change).
THRESHOLD_SETTINGS = {
    (AlertMetric.TEMPERATURE, AlertBound.MAX): "max_temperature_threshold",
    (AlertMetric.TEMPERATURE, AlertBound.MIN): "min_temperature_threshold",
    (AlertMetric.PRESSURE, AlertBound.MAX): "max_pressure_threshold",
}

AlertKey = tuple[uuid.UUID, str, str]  # machine id, metric, bound


class ReadingValues(Protocol):
    """What the rules read of a telemetry point (machines.timeseries.Point)."""

    machine_id: uuid.UUID
    timestamp: datetime
    temperature: float | None
    pressure: float | None


def _number(raw: str | None) -> float | None:
    """A stored threshold as a float; None when unset or unreadable (no rule rather than a crash)."""
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class AlertRules:
    """The limits in force, with the derived critical and clear levels (None: no such rule; a
    clear level of ±inf then closes any open alert of that rule at its next reading)."""

    temperature_max: float | None
    temperature_min: float | None
    pressure_max: float | None
    hysteresis_percent: float

    @classmethod
    def from_settings(cls, values: Mapping[str, str], hysteresis_percent: float) -> AlertRules:
        return cls(
            temperature_max=_number(values.get(THRESHOLD_SETTINGS[AlertMetric.TEMPERATURE, AlertBound.MAX])),
            temperature_min=_number(values.get(THRESHOLD_SETTINGS[AlertMetric.TEMPERATURE, AlertBound.MIN])),
            pressure_max=_number(values.get(THRESHOLD_SETTINGS[AlertMetric.PRESSURE, AlertBound.MAX])),
            hysteresis_percent=max(0.0, hysteresis_percent),
        )

    def clear_below(self, limit: float | None) -> float:
        """A reading at or below this ends an above-maximum alert."""
        if limit is None:
            return math.inf
        return limit - abs(limit) * self.hysteresis_percent / 100

    def clear_above(self, limit: float | None) -> float:
        """A reading at or above this ends a below-minimum alert."""
        if limit is None:
            return -math.inf
        return limit + abs(limit) * self.hysteresis_percent / 100


@dataclass(slots=True)
class Breach:
    """One (machine, metric, bound)'s breaching readings within a batch, ready for one upsert."""

    severity: str
    threshold: float
    first_seen: datetime
    last_seen: datetime
    last_value: float
    peak_value: float
    count: int


def _note(
    found: dict[AlertKey, Breach],
    key: AlertKey,
    value: float,
    at: datetime,
    threshold: float,
    critical: bool,
) -> None:
    breach = found.get(key)
    severity = AlertSeverity.CRITICAL if critical else AlertSeverity.WARNING
    if breach is None:
        found[key] = Breach(severity, threshold, at, at, value, value, 1)
        return
    breach.count += 1
    if critical:
        breach.severity = AlertSeverity.CRITICAL
    if at < breach.first_seen:
        breach.first_seen = at
    if at >= breach.last_seen:
        breach.last_seen, breach.last_value = at, value
    # The furthest past the limit: the highest above a maximum, the lowest below a minimum.
    if (value > breach.peak_value) if key[2] == AlertBound.MAX else (value < breach.peak_value):
        breach.peak_value = value


def breaches(points: Iterable[ReadingValues], rules: AlertRules) -> dict[AlertKey, Breach]:
    """The batch's readings past a limit, grouped per (machine, metric, bound)."""
    found: dict[AlertKey, Breach] = {}
    t_max, t_min, p_max = rules.temperature_max, rules.temperature_min, rules.pressure_max
    t_critical = t_max * CRITICAL_FACTOR if t_max is not None else math.inf
    p_critical = p_max * CRITICAL_FACTOR if p_max is not None else math.inf
    t_max = math.inf if t_max is None else t_max
    t_min = -math.inf if t_min is None else t_min
    p_max = math.inf if p_max is None else p_max
    for point in points:
        value = point.temperature
        if value is not None:
            if value > t_max:
                key = (point.machine_id, AlertMetric.TEMPERATURE, AlertBound.MAX)
                _note(found, key, value, point.timestamp, t_max, value > t_critical)
            elif value < t_min:
                key = (point.machine_id, AlertMetric.TEMPERATURE, AlertBound.MIN)
                _note(found, key, value, point.timestamp, t_min, False)
        value = point.pressure
        if value is not None and value > p_max:
            key = (point.machine_id, AlertMetric.PRESSURE, AlertBound.MAX)
            _note(found, key, value, point.timestamp, p_max, value > p_critical)
    return found


def clears(
    points: Iterable[ReadingValues], rules: AlertRules, watched: Collection[AlertKey]
) -> dict[AlertKey, datetime]:
    """For each watched key (an open alert, or one this batch opens), the time of the batch's latest
    reading that is back inside the limit by the hysteresis: the alert closes unless it has a later
    breach."""
    if not watched:
        return {}
    machines = {key[0] for key in watched}
    t_max_clear = rules.clear_below(rules.temperature_max)
    t_min_clear = rules.clear_above(rules.temperature_min)
    p_max_clear = rules.clear_below(rules.pressure_max)
    latest: dict[AlertKey, datetime] = {}

    def seen(key: AlertKey, at: datetime) -> None:
        if key in watched and (key not in latest or at > latest[key]):
            latest[key] = at

    for point in points:
        if point.machine_id not in machines:
            continue
        value = point.temperature
        if value is not None:
            if value <= t_max_clear:
                seen((point.machine_id, AlertMetric.TEMPERATURE, AlertBound.MAX), point.timestamp)
            if value >= t_min_clear:
                seen((point.machine_id, AlertMetric.TEMPERATURE, AlertBound.MIN), point.timestamp)
        value = point.pressure
        if value is not None and value <= p_max_clear:
            seen((point.machine_id, AlertMetric.PRESSURE, AlertBound.MAX), point.timestamp)
    return latest


__all__ = ["CRITICAL_FACTOR", "THRESHOLD_SETTINGS", "AlertKey", "AlertRules", "Breach", "breaches", "clears"]
