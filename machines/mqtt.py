"""Parsing of MQTT telemetry: a pure function from (topic, payload) to a reading or a reason.

Topic: the configured filter (`MQTT_TOPIC`, default `factory/+/machine/+/telemetry`) read by its
wildcard positions (`TopicFilter`); payload `{"timestamp", "sensor_type", "temperature"?,
"pressure"?, "speed"?}` with the HTTP ranges.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import orjson

from machines.checks import echo, text_error, timestamp_error, value_error
from machines.choices import FIELDS

DEFAULT_TOPIC = "factory/+/machine/+/telemetry"
# C0 and C1 control characters (NUL among them): PostgreSQL refuses NUL, and none belongs in a tag.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Reason:
    """Why a message was dropped (the progress line counts them by these names)."""

    BAD_TOPIC = "bad_topic"
    BAD_JSON = "bad_json"
    MISSING_FIELD = "missing_field"
    BAD_VALUE = "bad_value"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_MACHINE = "unknown_machine"
    STORE_REJECTED = "store_rejected"


@dataclass(frozen=True, slots=True)
class TopicFilter:
    """The subscription filter, and where the factory and machine ids sit in a matching topic.

    `$share/<group>/` is stripped first. The filter may not contain `#` (the depth of a matching
    topic would be unknown); it holds one or two `+` levels: the last is the machine id, one before
    it the factory id. Any other level is literal, so a prefix (`site1/factory/+/machine/+/telemetry`)
    works. `parse` raises ValueError for a filter it cannot map.
    """

    topic: str
    shared_group: str
    levels: tuple[str, ...]
    machine_level: int
    factory_level: int | None

    @classmethod
    def parse(cls, value: str, shared_group: str = "") -> TopicFilter:
        topic = value.strip()
        if topic.startswith("$share/"):
            parts = topic.split("/", 2)
            if len(parts) < 3 or not parts[1] or not parts[2]:
                raise ValueError("a shared subscription is $share/<group>/<filter>")
            if shared_group and shared_group != parts[1]:
                raise ValueError(f"names shared group {parts[1]!r} but MQTT_SHARED_GROUP is {shared_group!r}")
            shared_group, topic = parts[1], parts[2]
        if any(c in shared_group for c in "/+#"):
            raise ValueError(f"shared group {shared_group!r} may not contain '/', '+' or '#'")
        if not topic:
            raise ValueError("the topic filter is empty")
        levels = tuple(topic.split("/"))
        if any("#" in level for level in levels):
            raise ValueError("'#' is not allowed: the machine id must sit at a fixed level")
        if any("+" in level and level != "+" for level in levels):
            raise ValueError("'+' must fill a whole level")
        wildcards = [index for index, level in enumerate(levels) if level == "+"]
        if not 1 <= len(wildcards) <= 2:
            raise ValueError(
                "needs one or two '+' levels: the machine id (the last '+') and optionally the factory "
                "id before it, e.g. site1/factory/+/machine/+/telemetry"
            )
        factory_level = wildcards[0] if len(wildcards) == 2 else None
        return cls(topic, shared_group, levels, wildcards[-1], factory_level)

    @property
    def subscription(self) -> str:
        return f"$share/{self.shared_group}/{self.topic}" if self.shared_group else self.topic

    def ids(self, topic: str) -> tuple[str, str] | None:
        """(factory id, machine id) of a topic matching the filter, else None."""
        levels = topic.split("/")
        if len(levels) != len(self.levels):
            return None
        for level, expected in zip(levels, self.levels, strict=True):
            if expected != "+" and level != expected:
                return None
        factory = levels[self.factory_level] if self.factory_level is not None else ""
        return factory, levels[self.machine_level]


DEFAULT_FILTER = TopicFilter.parse(DEFAULT_TOPIC)


@dataclass(frozen=True, slots=True)
class TelemetryMessage:
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


def parse_message(
    topic: str, payload: bytes, topics: TopicFilter = DEFAULT_FILTER
) -> TelemetryMessage | Rejected:
    """A telemetry message as a reading, or why it must be dropped. Never raises: whatever one
    message makes a check raise is that message's `bad_value` (a redelivered message must not crash
    the subscriber again on every restart)."""
    try:
        return _parse(topic, payload, topics)
    except Exception as exc:
        return Rejected(Reason.BAD_VALUE, f"unparseable ({exc.__class__.__name__}: {exc})"[:300])


def _parse(topic: str, payload: bytes, topics: TopicFilter) -> TelemetryMessage | Rejected:
    ids = topics.ids(topic)
    if ids is None:
        return Rejected(Reason.BAD_TOPIC, f"topic {topic!r} does not match {topics.topic}")
    factory_id, raw_machine_id = ids
    try:
        machine_id = uuid.UUID(raw_machine_id)
    except ValueError:
        return Rejected(Reason.BAD_TOPIC, f"machine id {raw_machine_id!r} is not a UUID")
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
    if CONTROL_CHARS.search(sensor_type):
        return Rejected(Reason.BAD_VALUE, f"sensor_type {sensor_type!r} contains a control character")
    values: dict[str, float | None] = {}
    for name in FIELDS:
        value = data.get(name)
        if problem := value_error(name, value):
            reason = Reason.OUT_OF_RANGE if problem.startswith("Must be between") else Reason.BAD_VALUE
            return Rejected(reason, f"{name} {value!r}: {problem}")
        values[name] = None if value is None else float(value)
    if all(value is None for value in values.values()):
        return Rejected(Reason.MISSING_FIELD, "none of temperature, pressure, speed is given")
    return TelemetryMessage(factory_id, machine_id, timestamp, sensor_type, **values)
