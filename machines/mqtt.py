"""Parsing of MQTT telemetry: a pure function from (topic, payload) to a reading or a reason.

Topic `factory/{factory_id}/machine/{machine_id}/telemetry`, payload
`{"timestamp", "sensor_type", "temperature"?, "pressure"?, "speed"?}` with the HTTP ranges.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import orjson

from machines.choices import FIELDS
from machines.validation import echo, text_error, timestamp_error, value_error

TOPIC_RE = re.compile(r"^factory/([^/]+)/machine/([^/]+)/telemetry$")


class Reason:
    """Why a message was dropped (the progress line counts them by these names)."""

    BAD_TOPIC = "bad_topic"
    BAD_JSON = "bad_json"
    MISSING_FIELD = "missing_field"
    BAD_VALUE = "bad_value"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_MACHINE = "unknown_machine"


@dataclass(frozen=True, slots=True)
class Telemetry:
    factory_id: str
    machine_id: uuid.UUID
    timestamp: datetime
    sensor_type: str
    temperature: float | None
    pressure: float | None
    speed: float | None


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: str
    detail: str


def parse_message(topic: str, payload: bytes) -> Telemetry | Rejected:
    """A telemetry message as a reading, or why it must be dropped. Never raises."""
    match = TOPIC_RE.match(topic)
    if match is None:
        return Rejected(Reason.BAD_TOPIC, f"topic {topic!r} is not factory/<id>/machine/<uuid>/telemetry")
    try:
        machine_id = uuid.UUID(match.group(2))
    except ValueError:
        return Rejected(Reason.BAD_TOPIC, f"machine id {match.group(2)!r} is not a UUID")
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return Rejected(Reason.BAD_JSON, "payload is not JSON")
    if not isinstance(data, dict):
        return Rejected(Reason.BAD_JSON, "payload is not a JSON object")
    raw_time = data.get("timestamp")
    if raw_time is None:
        return Rejected(Reason.MISSING_FIELD, "timestamp is missing")
    timestamp, problem = timestamp_error(raw_time)
    if timestamp is None:
        return Rejected(Reason.BAD_VALUE, f"timestamp {echo(raw_time)!r}: {problem}")
    sensor_type = data.get("sensor_type")
    if sensor_type is None:
        return Rejected(Reason.MISSING_FIELD, "sensor_type is missing")
    if problem := text_error(sensor_type, 100):
        return Rejected(Reason.BAD_VALUE, f"sensor_type: {problem}")
    values: dict[str, float | None] = {}
    for name in FIELDS:
        value = data.get(name)
        if problem := value_error(name, value):
            reason = Reason.OUT_OF_RANGE if problem.startswith("Must be between") else Reason.BAD_VALUE
            return Rejected(reason, f"{name} {value!r}: {problem}")
        values[name] = None if value is None else float(value)
    if all(value is None for value in values.values()):
        return Rejected(Reason.MISSING_FIELD, "none of temperature, pressure, speed is given")
    return Telemetry(match.group(1), machine_id, timestamp, sensor_type, **values)
