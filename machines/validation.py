"""Pure input checks shared by HTTP ingest, the MQTT parser and the history query.

Hand-written rather than nested DRF serializers: a 1,000-item batch is checked in one pass, and
every error is reported with its path (`batch.0.readings.0.timestamp`) and the value sent.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from machines.choices import FIELDS, RANGES

MAX_BATCH_ITEMS = 1000
MAX_READINGS_PER_ITEM = 10000


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 string (`Z` or an offset; none means UTC) as an aware UTC datetime, else None."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def value_error(name: str, value: Any) -> str | None:
    """Why a reading value is unacceptable, or None (null is acceptable: the field is optional)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "Must be a number"
    low, high = RANGES[name]
    if not low <= value <= high:
        return f"Must be between {low:g} and {high:g}"
    return None


def required_or(value: Any, message: str) -> str:
    return "This field is required" if value is None else message


def text_error(value: Any, max_length: int) -> str | None:
    if value is None:
        return "This field is required"
    if not isinstance(value, str):
        return "Must be a string"
    if not value.strip():
        return "Must not be empty"
    if len(value) > max_length:
        return f"Must be at most {max_length} characters"
    return None


@dataclass(slots=True)
class Reading:
    timestamp: datetime
    temperature: float | None = None
    pressure: float | None = None
    speed: float | None = None


@dataclass(slots=True)
class BatchItem:
    machine_id: uuid.UUID
    raw_machine_id: str
    sensor_type: str
    location: str
    readings: list[Reading]


@dataclass(slots=True)
class IngestBatch:
    gateway_id: str
    timestamp: datetime
    items: list[BatchItem] = field(default_factory=list)


class _Errors(list):
    def add(self, path: str, error: str, value: Any) -> None:
        self.append({"field": path, "error": error, "value": value})


def _reading(raw: Any, path: str, errors: _Errors) -> Reading | None:
    if not isinstance(raw, dict):
        errors.add(path, "Must be an object", raw)
        return None
    ok = True
    timestamp = parse_timestamp(raw.get("timestamp"))
    if timestamp is None:
        ok = False
        message = required_or(raw.get("timestamp"), "Must be an ISO 8601 datetime")
        errors.add(f"{path}.timestamp", message, raw.get("timestamp"))
    values = {}
    for name in FIELDS:
        value = raw.get(name)
        problem = value_error(name, value)
        if problem:
            ok = False
            errors.add(f"{path}.{name}", problem, value)
        values[name] = None if value is None else float(value) if not problem else None
    if ok and all(raw.get(name) is None for name in FIELDS):
        errors.add(path, "At least one of temperature, pressure, speed is required", raw)
        return None
    return Reading(timestamp, **values) if ok else None


def parse_ingest(data: Any) -> tuple[IngestBatch | None, list[dict]]:
    """The ingest body as an IngestBatch, or every problem with it (then the batch is None)."""
    errors = _Errors()
    if not isinstance(data, dict):
        errors.add("body", "Must be a JSON object", None)
        return None, errors
    gateway_id = data.get("gateway_id")
    if problem := text_error(gateway_id, 255):
        errors.add("gateway_id", problem, gateway_id)
    sent_at = parse_timestamp(data.get("timestamp"))
    if sent_at is None:
        raw = data.get("timestamp")
        errors.add("timestamp", required_or(raw, "Must be an ISO 8601 datetime"), raw)
    batch = data.get("batch")
    items: list[BatchItem] = []
    if not isinstance(batch, list):
        errors.add("batch", required_or(batch, "Must be a list"), batch)
    elif not 1 <= len(batch) <= MAX_BATCH_ITEMS:
        errors.add("batch", f"Must contain between 1 and {MAX_BATCH_ITEMS} items", len(batch))
    else:
        for index, raw_item in enumerate(batch):
            item = _batch_item(raw_item, f"batch.{index}", errors)
            if item is not None:
                items.append(item)
    if errors:
        return None, errors
    return IngestBatch(gateway_id=gateway_id, timestamp=sent_at, items=items), errors


def _batch_item(raw: Any, path: str, errors: _Errors) -> BatchItem | None:
    if not isinstance(raw, dict):
        errors.add(path, "Must be an object", raw)
        return None
    before = len(errors)
    machine_id = parse_uuid(raw.get("machine_id"))
    if machine_id is None:
        value = raw.get("machine_id")
        errors.add(f"{path}.machine_id", required_or(value, "Must be a UUID"), value)
    for name, limit in (("sensor_type", 100), ("location", 500)):
        if problem := text_error(raw.get(name), limit):
            errors.add(f"{path}.{name}", problem, raw.get(name))
    readings_raw = raw.get("readings")
    readings: list[Reading] = []
    if not isinstance(readings_raw, list):
        errors.add(
            f"{path}.readings",
            required_or(readings_raw, "Must be a list"),
            readings_raw,
        )
    elif not 1 <= len(readings_raw) <= MAX_READINGS_PER_ITEM:
        errors.add(
            f"{path}.readings",
            f"Must contain between 1 and {MAX_READINGS_PER_ITEM} readings",
            len(readings_raw),
        )
    else:
        for index, reading in enumerate(readings_raw):
            parsed = _reading(reading, f"{path}.readings.{index}", errors)
            if parsed is not None:
                readings.append(parsed)
    if len(errors) != before:
        return None
    return BatchItem(
        machine_id=machine_id,
        raw_machine_id=raw["machine_id"],
        sensor_type=raw["sensor_type"],
        location=raw["location"],
        readings=readings,
    )


@dataclass(slots=True)
class HistoryParams:
    start: datetime
    end: datetime
    interval: str
    fields: tuple[str, ...]
    limit: int
    offset: int


def _int_param(raw: str | None, default: int, low: int, high: int | None) -> tuple[int | None, str | None]:
    if raw is None or raw == "":
        return default, None
    try:
        value = int(raw)
    except ValueError:
        return None, "Must be an integer"
    if value < low or (high is not None and value > high):
        return None, f"Must be between {low} and {high}" if high is not None else f"Must be at least {low}"
    return value, None


def parse_history_params(params: Any, now: datetime) -> tuple[HistoryParams | None, list[dict]]:
    """The history query's parameters, or every problem with them at once."""
    from machines.choices import Interval

    errors: list[dict] = []

    def bad(parameter: str, error: str, value: Any) -> None:
        errors.append({"parameter": parameter, "error": error, "value": value})

    raw_start = params.get("start_time")
    start = parse_timestamp(raw_start)
    if raw_start in (None, ""):
        bad("start_time", "start_time is required", raw_start)
    elif start is None:
        bad("start_time", "Must be an ISO 8601 datetime (e.g. 2026-01-31T08:00:00Z)", raw_start)
    raw_end = params.get("end_time")
    end = now if raw_end in (None, "") else parse_timestamp(raw_end)
    if end is None:
        bad("end_time", "Must be an ISO 8601 datetime (e.g. 2026-01-31T09:00:00Z)", raw_end)
    if start is not None and end is not None and start > end:
        bad("start_time", "start_time must be before end_time", raw_start)
    interval = params.get("interval") or Interval.RAW
    if interval not in Interval.values:
        bad("interval", "Must be one of: " + ", ".join(Interval.values), interval)
    raw_fields = params.get("fields")
    fields: tuple[str, ...] = FIELDS
    if raw_fields not in (None, "", "all"):
        names = [name.strip() for name in raw_fields.split(",") if name.strip()]
        unknown = [name for name in names if name not in FIELDS]
        if unknown or not names:
            bad(
                "fields",
                f"Invalid fields: {', '.join(unknown) or raw_fields}. Must be one of: {', '.join(FIELDS)}",
                raw_fields,
            )
        else:
            fields = tuple(name for name in FIELDS if name in names)
    limit, problem = _int_param(params.get("limit"), 1000, 1, 10000)
    if problem:
        bad("limit", problem, params.get("limit"))
    offset, problem = _int_param(params.get("offset"), 0, 0, 10**12)
    if problem:
        bad("offset", problem, params.get("offset"))
    if errors:
        return None, errors
    return HistoryParams(start, end, interval, fields, limit, offset), errors
