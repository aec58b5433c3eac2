"""/health/ready reports the time-series store and the subscriber's heartbeat.

The subscriber entry carries its state, last successful store and backlog; only a required
subscriber (MQTT_SUBSCRIBER_REQUIRED) fails readiness, an unwell optional one is a warning.
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from machines import heartbeat
from machines.heartbeat import HEARTBEAT_KEY


def ready(admin_client) -> tuple[int, dict]:
    response = admin_client.get("/health/ready")
    return response.status_code, response.json()["checks"]


def record(**fields) -> dict:
    """A heartbeat as a running, connected, caught-up subscriber writes it, changed by `fields`."""
    now = time.time()
    base = {
        "at": now,
        "pid": 1,
        "state": "running",
        "connected": True,
        "received": 10,
        "stored": 10,
        "dropped": {},
        "backlog": 0,
        "started_at": now - 600,
        "last_received_at": now - 1,
        "last_stored_at": now - 1,
        "progress_at": now - 1,
        "unstored_since": None,
        "store_error": None,
    }
    return {**base, **fields}


def test_store_is_reported(admin_client, db):
    status, checks = ready(admin_client)
    assert status == 200
    assert checks["timeseries"]["status"] == "ok"
    assert checks["timeseries"]["backend"].startswith("sql")


def test_subscriber_not_required_by_default(admin_client, db):
    status, checks = ready(admin_client)
    assert status == 200
    assert "not required" in checks["mqtt_subscriber"]["backend"]
    assert checks["mqtt_subscriber"]["state"] == "absent"


def test_required_subscriber_without_heartbeat_fails(admin_client, db, settings):
    settings.MQTT_SUBSCRIBER_REQUIRED = True
    status, checks = ready(admin_client)
    assert status == 503
    assert checks["mqtt_subscriber"]["status"] == "error"
    assert checks["mqtt_subscriber"]["state"] == "absent"


def test_fresh_connected_heartbeat_is_ready(admin_client, db, settings, tmp_path):
    settings.MQTT_SUBSCRIBER_REQUIRED = True
    settings.MQTT_HEARTBEAT_FILE = str(tmp_path / "beat")
    heartbeat.beat({"connected": True, "stored": 7})
    status, checks = ready(admin_client)
    assert status == 200
    assert "stored=7" in checks["mqtt_subscriber"]["backend"]
    assert abs(float((tmp_path / "beat").read_text()) - time.time()) < 5


def test_running_subscriber_reports_last_store_and_backlog(admin_client, db):
    stored_at = time.time() - 3
    cache.set(HEARTBEAT_KEY, record(last_stored_at=stored_at, backlog=12, stored=500))
    response = admin_client.get("/health/ready")
    body = response.json()
    entry = body["checks"]["mqtt_subscriber"]
    assert response.status_code == 200
    assert body["warnings"] == []
    assert entry["status"] == "ok"
    assert entry["state"] == "running"
    assert entry["backlog"] == 12
    assert entry["stored"] == 500
    assert entry["last_stored_at"].startswith(time.strftime("%Y-%m-%dT", time.gmtime(stored_at)))
    assert entry["required"] is False


# --- finding 7: a wedged subscriber is not ready; a stopped optional one is not failing ----------
def wedged() -> dict:
    """A batch in hand for ten minutes (a store that refuses it), still beating while it retries.
    Built when the test runs: times taken at import go stale in a slow full run."""
    return {
        "backlog": 4000,
        "progress_at": time.time() - 600,
        "last_stored_at": time.time() - 600,
        "store_error": "StoreUnavailable: Time-series store unavailable: DataError",
    }


def dropping_everything() -> dict:
    """Messages keep arriving, every one dropped (e.g. a topic read wrongly): nothing stored in 10 min."""
    return {
        "backlog": 0,
        "progress_at": time.time() - 1,
        "last_received_at": time.time() - 1,
        "last_stored_at": time.time() - 600,
        "unstored_since": time.time() - 600,
        "dropped": {"bad_topic": 90000},
    }


@pytest.mark.parametrize("make", [wedged, dropping_everything], ids=["wedged", "dropping"])
def test_required_stalled_subscriber_is_not_ready(admin_client, db, settings, make):
    settings.MQTT_SUBSCRIBER_REQUIRED = True
    fields = make()
    cache.set(HEARTBEAT_KEY, record(**fields))
    status, checks = ready(admin_client)
    entry = checks["mqtt_subscriber"]
    assert status == 503
    assert entry["status"] == "error"
    assert entry["state"] == "stalled"
    assert entry["backlog"] == fields["backlog"]
    assert entry["last_stored_at"] is not None


@pytest.mark.parametrize("make", [wedged, dropping_everything], ids=["wedged", "dropping"])
def test_optional_stalled_subscriber_is_a_warning_not_healthy(admin_client, db, make):
    fields = make()
    cache.set(HEARTBEAT_KEY, record(**fields))
    response = admin_client.get("/health/ready")
    body = response.json()
    entry = body["checks"]["mqtt_subscriber"]
    assert response.status_code == 200
    assert body["warnings"] == ["mqtt_subscriber"]
    assert entry["status"] == "warning"
    assert entry["state"] == "stalled"
    assert "stalled" not in entry.get("backend", "")


def test_one_dropped_message_then_quiet_is_not_stalled(admin_client, db):
    cache.set(
        HEARTBEAT_KEY,
        record(last_received_at=time.time() - 3600, unstored_since=time.time() - 3600, last_stored_at=None),
    )
    status, checks = ready(admin_client)
    assert status == 200
    assert checks["mqtt_subscriber"]["state"] == "running"


def test_optional_subscriber_that_stopped_normally_is_reported_stopped_not_failing(admin_client, db):
    cache.set(HEARTBEAT_KEY, record(state="stopped", connected=False, at=time.time() - 5))
    response = admin_client.get("/health/ready")
    entry = response.json()["checks"]["mqtt_subscriber"]
    assert response.status_code == 200
    assert response.json()["warnings"] == []
    assert entry["status"] == "ok"
    assert entry["state"] == "stopped"


def test_required_subscriber_that_stopped_fails(admin_client, db, settings):
    settings.MQTT_SUBSCRIBER_REQUIRED = True
    cache.set(HEARTBEAT_KEY, record(state="stopped", connected=False))
    status, checks = ready(admin_client)
    assert status == 503
    assert checks["mqtt_subscriber"]["state"] == "stopped"


@pytest.mark.parametrize(
    ("fields", "state", "message"),
    [
        ({"at": time.time() - 3600}, "stale", "old"),
        ({"connected": False}, "disconnected", "not connected"),
    ],
)
def test_stale_or_disconnected_heartbeat_fails_where_required(
    admin_client, db, settings, fields, state, message
):
    settings.MQTT_SUBSCRIBER_REQUIRED = True
    cache.set(HEARTBEAT_KEY, record(**fields))
    status, checks = ready(admin_client)
    assert status == 503
    assert checks["mqtt_subscriber"]["state"] == state
    assert message in checks["mqtt_subscriber"]["error"]


@pytest.mark.parametrize(
    ("fields", "state"), [({"at": time.time() - 3600}, "stale"), ({"connected": False}, "disconnected")]
)
def test_stale_or_disconnected_optional_subscriber_is_a_warning(admin_client, db, fields, state):
    cache.set(HEARTBEAT_KEY, record(**fields))
    status, checks = ready(admin_client)
    assert status == 200
    assert checks["mqtt_subscriber"]["status"] == "warning"
    assert checks["mqtt_subscriber"]["state"] == state
