"""/health/ready reports the time-series store and the subscriber's heartbeat."""

from __future__ import annotations

import time

import pytest

from machines import heartbeat
from machines.heartbeat import HEARTBEAT_KEY


def ready(client) -> tuple[int, dict]:
    response = client.get("/health/ready")
    return response.status_code, response.json()["checks"]


def test_store_is_reported(client, db):
    status, checks = ready(client)
    assert status == 200
    assert checks["timeseries"]["status"] == "ok"
    assert checks["timeseries"]["backend"].startswith("sql")


def test_subscriber_not_required_by_default(client, db):
    status, checks = ready(client)
    assert status == 200
    assert "not required" in checks["mqtt_subscriber"]["backend"]


def test_required_subscriber_without_heartbeat_fails(client, db, settings):
    settings.MQTT_HEARTBEAT_REQUIRED = True
    status, checks = ready(client)
    assert status == 503
    assert checks["mqtt_subscriber"]["status"] == "error"


def test_fresh_connected_heartbeat_is_ready(client, db, settings, tmp_path):
    settings.MQTT_HEARTBEAT_REQUIRED = True
    settings.MQTT_HEARTBEAT_FILE = str(tmp_path / "beat")
    heartbeat.beat({"connected": True, "stored": 7})
    status, checks = ready(client)
    assert status == 200
    assert "stored=7" in checks["mqtt_subscriber"]["backend"]
    assert abs(float((tmp_path / "beat").read_text()) - time.time()) < 5


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"at": time.time() - 3600, "connected": True}, "old"),
        ({"at": time.time(), "connected": False}, "not connected"),
    ],
)
def test_stale_or_disconnected_heartbeat_fails(client, db, record, message):
    from django.core.cache import cache

    cache.set(HEARTBEAT_KEY, record)
    status, checks = ready(client)
    assert status == 503
    assert message in checks["mqtt_subscriber"]["error"]
