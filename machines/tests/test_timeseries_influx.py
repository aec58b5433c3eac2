"""The InfluxDB backend on the wire: what it sends (line protocol, Flux, bound values) and how it
reads InfluxDB's annotated CSV. Exchanges are checked against a fake InfluxDB 2 on loopback
(influx_fake.py); the CSV answer below is written in InfluxDB 2's documented format (with the
extra columns a real pivot answer carries), not recorded from a server: none can be installed here.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from machines.exceptions import StoreUnavailable
from machines.tests.factories import MachineFactory
from machines.timeseries import Point, Query, get_store
from machines.timeseries.influx import AGGREGATE_FLUX, RAW_FLUX, InfluxStore, line_protocol

MID = uuid.UUID("8f14e45f-ceea-467f-a0e6-7a2b3c4d5e6f")


def test_line_protocol_escapes_tags_and_keeps_microseconds():
    point = Point(
        MID,
        datetime(2026, 3, 1, 10, 0, 0, 250000, tzinfo=UTC),
        "Temp, sensor",
        "Factory Floor 1 - Zone A",
        temperature=70.5,
        speed=1200,
    )
    assert line_protocol(point) == (
        "sensor_readings,machine_id=8f14e45f-ceea-467f-a0e6-7a2b3c4d5e6f,sensor_type=Temp\\,\\ sensor,"
        "location=Factory\\ Floor\\ 1\\ -\\ Zone\\ A temperature=70.5,speed=1200.0 1772359200250000"
    )


def test_write_is_one_synchronous_request_with_token_org_bucket_and_precision(influx):
    state, store = influx
    points = [
        Point(MID, datetime(2026, 3, 1, 10, 0, s, tzinfo=UTC), "Temperature", "Zone A", temperature=1.0 * s)
        for s in range(3)
    ]
    assert store.write([*points, points[0]]) == 3
    (request,) = [r for r in state.requests if r.path == "/api/v2/write"]
    assert request.query == {"org": ["factory"], "bucket": ["sensor_data"], "precision": ["us"]}
    assert request.headers["Authorization"] == "Token test-token"
    assert request.body.decode().splitlines() == [line_protocol(p) for p in points]


def test_query_sends_the_constant_flux_and_binds_every_value(influx):
    state, store = influx
    store.query(
        Query(
            machine_id=MID,
            start=datetime(2026, 3, 1, tzinfo=UTC),
            end=datetime(2026, 3, 2, tzinfo=UTC),
            fields=("temperature", "speed"),
            interval_seconds=300,
            limit=10,
            offset=20,
        )
    )
    (request,) = [r for r in state.requests if r.path == "/api/v2/query"]
    body = json.loads(request.body)
    assert body["query"] == AGGREGATE_FLUX
    assert 'aggregateWindow(every: p_every, fn: mean, createEmpty: false, timeSrc: "_start")' in body["query"]
    options = {s["assignment"]["id"]["name"]: s["assignment"]["init"] for s in body["extern"]["body"]}
    assert options == {
        "p_bucket": {"type": "StringLiteral", "value": "sensor_data"},
        "p_start": {"type": "DateTimeLiteral", "value": "2026-03-01T00:00:00.000000000Z"},
        "p_stop": {"type": "DateTimeLiteral", "value": "2026-03-02T00:00:00.000000000Z"},
        "p_machine_id": {"type": "StringLiteral", "value": str(MID)},
        "p_fields": {
            "type": "ArrayExpression",
            "elements": [
                {"type": "StringLiteral", "value": "temperature"},
                {"type": "StringLiteral", "value": "speed"},
            ],
        },
        "p_limit": {"type": "IntegerLiteral", "value": "10"},
        "p_offset": {"type": "IntegerLiteral", "value": "20"},
        "p_every": {"type": "DurationLiteral", "values": [{"magnitude": 300000000, "unit": "us"}]},
    }
    assert str(MID) not in body["query"]


def test_raw_query_has_no_aggregation(influx):
    state, store = influx
    store.query(Query(MID, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC), ("pressure",)))
    body = json.loads(state.requests[-1].body)
    assert body["query"] == RAW_FLUX
    assert "aggregateWindow" not in body["query"]


ANNOTATED_CSV = (
    "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,double\r\n"
    "#group,false,false,false,false,false,false,false\r\n"
    "#default,page,,,,,,\r\n"
    ",result,table,_start,_stop,_time,pressure,temperature\r\n"
    ",,0,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,2026-03-01T10:00:00Z,101.5,70.25\r\n"
    ",,0,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,2026-03-01T10:05:00Z,,71\r\n"
    "\r\n"
    "#datatype,string,long,long\r\n"
    "#group,false,false,false\r\n"
    "#default,total,,\r\n"
    ",result,table,_time\r\n"
    ",,1,42\r\n"
    "\r\n"
)


def test_annotated_csv_answer_is_parsed_into_rows_and_total(influx, monkeypatch):
    _, store = influx
    from machines.tests import influx_fake

    monkeypatch.setattr(influx_fake, "csv_tables", lambda rows, fields, total: ANNOTATED_CSV)
    page = store.query(
        Query(
            MID,
            datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 3, 2, tzinfo=UTC),
            ("temperature", "pressure"),
        )
    )
    assert page.total == 42
    assert page.rows == [
        {"timestamp": datetime(2026, 3, 1, 10, tzinfo=UTC), "temperature": 70.25, "pressure": 101.5},
        {"timestamp": datetime(2026, 3, 1, 10, 5, tzinfo=UTC), "temperature": 71.0},
    ]


def test_server_errors_and_unreachable_server_are_store_unavailable(influx):
    state, store = influx
    state.fail_status = 503
    point = Point(MID, datetime(2026, 3, 1, tzinfo=UTC), "T", "Z", temperature=1.0)
    with pytest.raises(StoreUnavailable, match="503"):
        store.write([point])
    with pytest.raises(StoreUnavailable):
        store.query(
            Query(MID, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC), ("speed",))
        )
    nowhere = InfluxStore(url="http://127.0.0.1:9", token="t", org="o", bucket="b", timeout_ms=500)
    with pytest.raises(StoreUnavailable):
        nowhere.write([point])
    with pytest.raises(RuntimeError):
        nowhere.check()


def test_delete_before_uses_the_delete_api(influx):
    state, store = influx
    store.delete_before(datetime(2026, 1, 1, tzinfo=UTC))
    request = state.requests[-1]
    assert request.path == "/api/v2/delete"
    assert json.loads(request.body)["predicate"] == '_measurement="sensor_readings"'


@pytest.fixture
def influx_settings(influx, settings):
    state, _ = influx
    settings.INFLUXDB_URL = state.url
    settings.INFLUXDB_TOKEN = "test-token"
    yield state
    settings.INFLUXDB_URL = ""


def test_api_ingest_and_history_through_influxdb(influx_settings, auth_client, supervisor, superuser, db):
    assert get_store().name == "influx"
    machine = MachineFactory()
    client = auth_client(supervisor)
    body = {
        "gateway_id": "gw",
        "timestamp": "2026-03-01T10:00:00Z",
        "batch": [
            {
                "machine_id": str(machine.pk),
                "sensor_type": "Temperature",
                "location": "Zone A",
                "readings": [
                    {"timestamp": "2026-03-01T10:00:10Z", "temperature": 10},
                    {"timestamp": "2026-03-01T10:00:50Z", "temperature": 20},
                ],
            }
        ],
    }
    assert client.post(reverse("machines-ingest"), body, format="json").status_code == 201
    assert len([r for r in influx_settings.requests if r.path == "/api/v2/write"]) == 1
    response = client.get(
        reverse("machines-history", kwargs={"machine_id": machine.pk}),
        {"start_time": "2026-03-01T10:00:00Z", "end_time": "2026-03-01T11:00:00Z", "interval": "1m"},
    )
    assert response.json()["data"] == [{"timestamp": "2026-03-01T10:00:00Z", "temperature": 15.0}]
    staff = Client()
    staff.force_login(superuser)  # the checks' details are shown to staff only
    ready = staff.get("/health/ready").json()["checks"]["timeseries"]
    assert ready["backend"].startswith("influxdb")
    influx_settings.fail_status = 503
    assert client.post(reverse("machines-ingest"), body, format="json").status_code == 503
