"""The pure MQTT parser: every way a message can be wrong is a reason, never an exception."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from machines.mqtt import Reason, Rejected, Telemetry, parse_message

MID = uuid.uuid4()
TOPIC = f"factory/f1/machine/{MID}/telemetry"


def payload(**fields) -> bytes:
    body = {"timestamp": "2026-03-01T10:00:00Z", "sensor_type": "Temperature", "temperature": 70.5}
    body.update(fields)
    return orjson.dumps({k: v for k, v in body.items() if v is not ...})


def test_good_message():
    result = parse_message(TOPIC, payload(pressure=120, timestamp="2026-03-01T17:00:00+07:00"))
    assert result == Telemetry(
        "f1", MID, datetime(2026, 3, 1, 10, tzinfo=UTC), "Temperature", 70.5, 120.0, None
    )


@pytest.mark.parametrize(
    ("topic", "body", "reason"),
    [
        ("factory/f1/machine/x/telemetry", payload(), Reason.BAD_TOPIC),
        (f"factory/f1/machines/{MID}/telemetry", payload(), Reason.BAD_TOPIC),
        (f"factory/f1/machine/{MID}/status", payload(), Reason.BAD_TOPIC),
        (TOPIC, b"{not json", Reason.BAD_JSON),
        (TOPIC, b"[1,2]", Reason.BAD_JSON),
        (TOPIC, b"", Reason.BAD_JSON),
        (TOPIC, payload(timestamp=...), Reason.MISSING_FIELD),
        (TOPIC, payload(sensor_type=...), Reason.MISSING_FIELD),
        (TOPIC, payload(temperature=...), Reason.MISSING_FIELD),
        (TOPIC, payload(temperature=None), Reason.MISSING_FIELD),
        (TOPIC, payload(timestamp="noon"), Reason.BAD_VALUE),
        (TOPIC, payload(sensor_type=""), Reason.BAD_VALUE),
        (TOPIC, payload(sensor_type="x" * 101), Reason.BAD_VALUE),
        (TOPIC, payload(temperature="hot"), Reason.BAD_VALUE),
        (TOPIC, payload(temperature=1000.5), Reason.OUT_OF_RANGE),
        (TOPIC, payload(temperature=-300), Reason.OUT_OF_RANGE),
        (TOPIC, payload(pressure=10001), Reason.OUT_OF_RANGE),
        (TOPIC, payload(speed=-1), Reason.OUT_OF_RANGE),
    ],
)
def test_bad_messages_are_reasons(topic, body, reason):
    result = parse_message(topic, body)
    assert isinstance(result, Rejected)
    assert result.reason == reason
    assert result.detail
