"""The pure MQTT parser: every way a message can be wrong is a reason, never an exception."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest

from machines.mqtt import Reason, Rejected, TelemetryMessage, TopicFilter, parse_message

MID = uuid.uuid4()
TOPIC = f"factory/f1/machine/{MID}/telemetry"


def payload(**fields) -> bytes:
    body = {"timestamp": "2026-03-01T10:00:00Z", "sensor_type": "Temperature", "temperature": 70.5}
    body.update(fields)
    return orjson.dumps({k: v for k, v in body.items() if v is not ...})


def test_good_message():
    result = parse_message(TOPIC, payload(pressure=120, timestamp="2026-03-01T17:00:00+07:00"))
    assert result == TelemetryMessage(
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


# --- finding 5 (parse side) and 6: NUL and out-of-range timestamps are reasons, never exceptions ---
@pytest.mark.parametrize(
    "body",
    [
        # OverflowError in parse_timestamp's conversion to UTC (issue 15, finding 6).
        payload(timestamp="0001-01-01T00:00:00+01:00"),
        payload(timestamp="9999-12-31T23:59:59-01:00"),
        # Parse, but outside what InfluxDB holds (int64 nanoseconds): 1677-09-21..2262-04-11.
        payload(timestamp="0001-01-01T00:00:00Z"),
        payload(timestamp="2262-04-12T00:00:00Z"),
        payload(timestamp="1677-09-20T00:00:00Z"),
        # PostgreSQL refuses NUL (issue 15, finding 5); no control character belongs in a tag.
        b'{"timestamp":"2030-01-01T00:01:00Z","sensor_type":"P\\u0000","pressure":7}',
        payload(sensor_type="Temp\u0001"),
        payload(sensor_type="Temp\n"),
        payload(sensor_type="Temp\x85"),
    ],
)
def test_out_of_range_timestamps_and_control_characters_are_bad_values(body):
    result = parse_message(TOPIC, body)
    assert isinstance(result, Rejected)
    assert result.reason == Reason.BAD_VALUE


def test_store_range_edges_are_accepted():
    for stamp in ("1677-09-22T00:00:00Z", "2262-04-10T00:00:00Z"):
        assert isinstance(parse_message(TOPIC, payload(timestamp=stamp)), TelemetryMessage)


def test_a_check_that_raises_is_a_bad_value(monkeypatch):
    def explode(value):
        raise OverflowError("date value out of range")

    monkeypatch.setattr("machines.mqtt.timestamp_error", explode)
    result = parse_message(TOPIC, payload())
    assert isinstance(result, Rejected)
    assert result.reason == Reason.BAD_VALUE
    assert "OverflowError" in result.detail


# --- finding 8: the machine id is read at the configured filter's wildcard positions -----------
@pytest.mark.parametrize(
    ("configured", "topic", "factory"),
    [
        ("site1/factory/+/machine/+/telemetry", f"site1/factory/f9/machine/{MID}/telemetry", "f9"),
        (
            "$share/ingest/site1/factory/+/machine/+/telemetry",
            f"site1/factory/f9/machine/{MID}/telemetry",
            "f9",
        ),
        ("plant/+/dev/+", f"plant/north/dev/{MID}", "north"),
        ("factory/F1/machine/+/telemetry", f"factory/F1/machine/{MID}/telemetry", ""),
    ],
)
def test_topic_filter_with_a_prefix_finds_the_machine(configured, topic, factory):
    result = parse_message(topic, payload(), TopicFilter.parse(configured))
    assert isinstance(result, TelemetryMessage), result
    assert result.machine_id == MID
    assert result.factory_id == factory


def test_topic_outside_the_filter_is_a_bad_topic():
    topics = TopicFilter.parse("site1/factory/+/machine/+/telemetry")
    for topic in (TOPIC, f"site2/factory/f/machine/{MID}/telemetry", f"site1/factory/f/machine/{MID}"):
        result = parse_message(topic, payload(), topics)
        assert isinstance(result, Rejected)
        assert result.reason == Reason.BAD_TOPIC


@pytest.mark.parametrize(
    "configured",
    [
        "factory/#",
        "site1/factory/+/machine/#",
        "#",
        "factory/f1/machine/m1/telemetry",
        "+/+/+/+/+",
        "factory/f+/machine/+/telemetry",
        "$share/ingest",
        "$share//factory/+/machine/+/telemetry",
        "",
    ],
)
def test_filters_whose_wildcards_cannot_be_mapped_are_refused(configured):
    with pytest.raises(ValueError, match=r"."):
        TopicFilter.parse(configured)


def test_shared_group_in_the_topic_and_the_setting_must_agree():
    assert TopicFilter.parse("$share/a/factory/+/machine/+/telemetry", "a").subscription == (
        "$share/a/factory/+/machine/+/telemetry"
    )
    assert TopicFilter.parse("factory/+/machine/+/telemetry", "a").subscription == (
        "$share/a/factory/+/machine/+/telemetry"
    )
    with pytest.raises(ValueError, match="MQTT_SHARED_GROUP"):
        TopicFilter.parse("$share/a/factory/+/machine/+/telemetry", "b")
