"""The subscriber's heartbeat: a cache key (read by /health/ready) and optionally a file (read by a
container health check), both refreshed with every progress line."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

HEARTBEAT_KEY = "machines:mqtt:heartbeat"


def beat(stats: dict) -> None:
    """Record that the subscriber is alive and what it has done; never raises (a cache outage
    must not stop ingest)."""
    record = {"at": time.time(), "pid": os.getpid(), **stats}
    # Expires on its own: a stopped subscriber does not look alive forever.
    with contextlib.suppress(Exception):
        cache.set(HEARTBEAT_KEY, record, timeout=settings.MQTT_HEARTBEAT_MAX_AGE * 2)
    if settings.MQTT_HEARTBEAT_FILE:
        path = Path(settings.MQTT_HEARTBEAT_FILE)
        with contextlib.suppress(OSError):
            path.write_text(f"{record['at']:.0f}\n")


def last_beat() -> dict | None:
    return cache.get(HEARTBEAT_KEY)


def check_subscriber() -> str:
    """Readiness of the MQTT subscriber, from its heartbeat."""
    try:
        record = last_beat()
    except Exception as exc:
        if settings.MQTT_HEARTBEAT_REQUIRED:
            raise
        # The cache check reports the outage; the subscriber is not required here.
        return f"heartbeat unreadable ({exc.__class__.__name__}); not required here"
    if record is None:
        if settings.MQTT_HEARTBEAT_REQUIRED:
            raise RuntimeError("no heartbeat from mqtt_subscribe")
        return "no subscriber heartbeat (not required here)"
    age = time.time() - record["at"]
    if age > settings.MQTT_HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"subscriber heartbeat is {age:.0f}s old")
    if not record.get("connected"):
        raise RuntimeError("subscriber is running but not connected to the MQTT broker")
    return (
        f"subscriber pid {record.get('pid')} {age:.0f}s ago, connected={record.get('connected')}, "
        f"stored={record.get('stored')}"
    )
