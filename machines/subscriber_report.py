"""What the MQTT subscriber reports (machines/subscriber.py): its counters as `stats()`, the
heartbeat /health/ready reads (machines/heartbeat.py), and the periodic progress line."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, TextIO

from django.conf import settings

from machines import heartbeat


class SubscriberReport:
    """The reporting half of `Subscriber`: reads the counters the transport half keeps."""

    options: Any
    out: TextIO | None
    inbox: Any
    state: str
    connected: bool
    received: int
    stored: int
    acked: int
    dropped: Counter[str]
    in_hand: int
    started_at: float
    last_received_at: float | None
    last_stored_at: float | None
    progress_at: float
    unstored_since: float | None
    store_error: str | None
    _progress_at: float
    _beat_at: float
    _progress_received: int

    def stats(self) -> dict[str, Any]:
        pending = self.inbox.qsize()
        return {
            "state": self.state,
            "connected": self.connected,
            "received": self.received,
            "stored": self.stored,
            "acked": self.acked,
            "dropped": dict(self.dropped),
            "pending": pending,
            # Received and not yet stored or dropped: the inbox plus the batch in hand.
            "backlog": pending + self.in_hand,
            "started_at": self.started_at,
            "last_received_at": self.last_received_at,
            "last_stored_at": self.last_stored_at,
            "progress_at": self.progress_at,
            "unstored_since": self.unstored_since,
            "store_error": self.store_error,
        }

    def _progress(self, force: bool = False) -> None:
        now = time.monotonic()
        # The heartbeat is frequent (MQTT_HEARTBEAT_SECONDS), so a killed subscriber is noticed by
        # /health/ready within MQTT_HEARTBEAT_MAX_AGE; the progress line keeps its own pace.
        if force or now - self._beat_at >= settings.MQTT_HEARTBEAT_SECONDS:
            self._beat_at = now
            heartbeat.beat(self.stats())
        elapsed = now - self._progress_at
        if not force and elapsed < self.options.progress_seconds:
            return
        rate = (self.received - self._progress_received) / elapsed if elapsed > 0 else 0.0
        self._progress_at, self._progress_received = now, self.received
        stats = self.stats()
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(self.dropped.items())) or "none"
        line = (
            f"mqtt_subscribe: {rate:.0f} msg/s, received={stats['received']} stored={stats['stored']} "
            f"acked={stats['acked']} pending={stats['pending']} backlog={stats['backlog']} "
            f"dropped: {dropped} connected={stats['connected']}"
        )
        if self.out is not None:
            self.out.write(line + "\n")
            self.out.flush()
