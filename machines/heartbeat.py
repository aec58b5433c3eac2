"""The subscriber's heartbeat: a cache key (read by /health/ready) and optionally a file (read by a
container health check), both refreshed with every progress line, during store retries too."""

from __future__ import annotations

import contextlib
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache

from config.health import CheckFailed, CheckWarning

HEARTBEAT_KEY = "machines:mqtt:heartbeat"
# The record outlives the subscriber, so a crashed one shows as "stale" (and a stopped one as
# "stopped") for a day instead of vanishing; its age, not its presence, says whether it is alive.
RECORD_TTL = 24 * 3600


def beat(stats: dict) -> None:
    """Record that the subscriber is alive and what it has done; never raises (a cache outage
    must not stop ingest)."""
    record = {"at": time.time(), "pid": os.getpid(), **stats}
    with contextlib.suppress(Exception):
        cache.set(HEARTBEAT_KEY, record, timeout=max(RECORD_TTL, settings.MQTT_HEARTBEAT_MAX_AGE * 2))
    if settings.MQTT_HEARTBEAT_FILE:
        path = Path(settings.MQTT_HEARTBEAT_FILE)
        with contextlib.suppress(OSError):
            path.write_text(f"{record['at']:.0f}\n")


def last_beat() -> dict | None:
    return cache.get(HEARTBEAT_KEY)


def _iso(stamp: Any) -> str | None:
    if not isinstance(stamp, int | float):
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")


def subscriber_state(record: dict, now: float) -> tuple[str, str]:
    """(state, why) of a heartbeat record: running, stopped, stale, disconnected or stalled.

    Stalled: messages have waited longer than MQTT_SUBSCRIBER_STALL_SECONDS, either in a backlog
    no batch completes (a store that refuses, a wedge) or while they keep arriving and none is
    stored (every message dropped).
    """
    if record.get("state") == "stopped":
        return "stopped", f"subscriber stopped at {_iso(record.get('at'))}"
    age = now - record.get("at", 0)
    if age > settings.MQTT_HEARTBEAT_MAX_AGE:
        return "stale", f"subscriber heartbeat is {age:.0f}s old"
    if not record.get("connected"):
        return "disconnected", "subscriber is running but not connected to the MQTT broker"
    limit = settings.MQTT_SUBSCRIBER_STALL_SECONDS
    backlog = record.get("backlog") or 0
    progress_at = record.get("progress_at")
    if backlog and isinstance(progress_at, int | float) and now - progress_at > limit:
        return "stalled", f"{backlog} messages waiting, no batch completed for {now - progress_at:.0f}s"
    unstored_since = record.get("unstored_since")
    last_received = record.get("last_received_at")
    if (
        isinstance(unstored_since, int | float)
        and isinstance(last_received, int | float)
        and now - unstored_since > limit
        and now - last_received <= limit
    ):
        return "stalled", f"messages arriving but none stored for {now - unstored_since:.0f}s"
    return "running", ""


def check_subscriber() -> dict[str, Any]:
    """Readiness of the MQTT subscriber, from its heartbeat. Only a required subscriber
    (MQTT_SUBSCRIBER_REQUIRED) fails readiness; an optional one that is unwell is a warning, and
    one that stopped normally (or never ran) is reported as such."""
    required = settings.MQTT_SUBSCRIBER_REQUIRED
    try:
        record = last_beat()
    except Exception as exc:
        if required:
            raise
        # The cache check reports the outage; the subscriber is not required here.
        return {
            "backend": f"heartbeat unreadable ({exc.__class__.__name__}); not required here",
            "required": False,
        }
    if record is None:
        if required:
            raise CheckFailed("no heartbeat from mqtt_subscribe", {"state": "absent", "required": True})
        return {
            "backend": "no subscriber heartbeat (not required here)",
            "state": "absent",
            "required": False,
        }
    now = time.time()
    state, why = subscriber_state(record, now)
    details = {
        "state": state,
        "required": required,
        "pid": record.get("pid"),
        "heartbeat_age_s": round(now - record.get("at", 0), 1),
        "connected": record.get("connected"),
        "received": record.get("received"),
        "stored": record.get("stored"),
        "dropped": record.get("dropped") or {},
        "backlog": record.get("backlog"),
        "last_stored_at": _iso(record.get("last_stored_at")),
        "last_received_at": _iso(record.get("last_received_at")),
        "store_error": record.get("store_error"),
    }
    if state == "running":
        summary = (
            f"subscriber pid {record.get('pid')} {details['heartbeat_age_s']:.0f}s ago, "
            f"connected={record.get('connected')}, stored={record.get('stored')}, "
            f"backlog={record.get('backlog')}"
        )
        return {"backend": summary, **details}
    if required:
        raise CheckFailed(why, details)
    if state == "stopped":
        return {"backend": f"{why} (not required here)", **details}
    raise CheckWarning(f"{why} (not required here)", details)
