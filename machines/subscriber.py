"""The MQTT telemetry subscriber, done the way Telegraf's mqtt_consumer does it.

- paho-mqtt 2, MQTT 5, QoS 1, a fixed client id and a persistent session (clean_start=False and a
  session expiry): what is published while the subscriber is away is delivered when it returns.
- Manual acknowledgements: a message is acknowledged only after the batch holding it is stored
  (dropped messages are acknowledged with their batch too: they are dealt with). A crash before
  that leaves the message unacknowledged and the broker redelivers it; a redelivered reading
  overwrites its stored copy (upsert on machine + timestamp), so nothing is stored twice.
- Batches of up to `batch_size` messages or `batch_ms` milliseconds; one store write each.
  The connection announces a ReceiveMaximum of twice the batch size, so the broker keeps a batch
  flowing while the previous one is written.
- The network thread only enqueues; parsing, machine lookup, the write and the acks happen on the
  main thread. A reconnect bumps a connection generation: messages received on an earlier
  connection are stored but not acknowledged (their packet ids belong to a dead connection; the
  broker redelivers them and the upsert absorbs the repeat).
- SIGTERM/SIGINT: stop taking new batches, store and acknowledge what has arrived, disconnect.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from django.db import DatabaseError, IntegrityError, close_old_connections, connection
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from machines import heartbeat
from machines.exceptions import StoreUnavailable
from machines.models import Machine
from machines.mqtt import Reason, Rejected, parse_message
from machines.timeseries import Point, TimeSeriesStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Options:
    url: str
    topic: str
    client_id: str
    shared_group: str = ""
    qos: int = 1
    batch_size: int = 5000
    batch_ms: int = 200
    session_expiry: int = 7 * 24 * 3600
    progress_seconds: float = 5.0
    exit_when_idle: float | None = None  # seconds without a message, then stop (benchmarks, tests)

    @property
    def subscription(self) -> str:
        return f"$share/{self.shared_group}/{self.topic}" if self.shared_group else self.topic


class MachineDirectory:
    """Machine metadata for the subscriber: an in-process cache, refreshed on a miss in one query
    for all the batch's unknown ids (never one query per message). Unknown ids are remembered
    briefly, so a flood from an unregistered machine costs one query per `negative_ttl`."""

    def __init__(self, ttl: float = 300.0, negative_ttl: float = 30.0) -> None:
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self._known: dict[uuid.UUID, tuple[float, str]] = {}
        self._unknown: dict[uuid.UUID, float] = {}
        self.queries = 0

    def locations(self, machine_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        now = time.monotonic()
        found: dict[uuid.UUID, str] = {}
        missing = []
        for mid in machine_ids:
            entry = self._known.get(mid)
            if entry is not None and entry[0] > now:
                found[mid] = entry[1]
            elif self._unknown.get(mid, 0) <= now:
                missing.append(mid)
        if missing:
            self.queries += 1
            rows = Machine.objects.filter(pk__in=missing).order_by().values_list("id", "location")
            fresh = dict(rows)
            for mid in missing:
                if mid in fresh:
                    self._known[mid] = (now + self.ttl, fresh[mid])
                    self._unknown.pop(mid, None)
                    found[mid] = fresh[mid]
                else:
                    self._unknown[mid] = now + self.negative_ttl
        return found

    def clear(self) -> None:
        self._known.clear()
        self._unknown.clear()


class Subscriber:
    """Consume telemetry into the store until stopped (see the module docstring)."""

    def __init__(self, options: Options, store: TimeSeriesStore, out: TextIO | None = None) -> None:
        self.options = options
        self.store = store
        self.out = out
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.stopping = threading.Event()
        self.generation = 0
        self.connected = False
        self.machines = MachineDirectory()
        self.received = 0
        self.stored = 0
        self.acked = 0
        self.dropped: Counter[str] = Counter()
        self.last_message = time.monotonic()
        self._progress_at = time.monotonic()
        self._progress_received = 0
        self.client = self._build_client()

    # --- connection (network thread) -------------------------------------------------------------
    def _build_client(self) -> mqtt.Client:
        url = urlparse(self.options.url)
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.options.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if url.username:
            client.username_pw_set(unquote(url.username), unquote(url.password or ""))
        if url.scheme in ("mqtts", "ssl"):
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning("mqtt connect refused: %s", reason_code)
            return
        self.generation += 1
        self.connected = True
        client.subscribe(self.options.subscription, qos=self.options.qos)
        logger.info(
            "mqtt connected (session present=%s), subscribed to %s",
            flags.session_present,
            self.options.subscription,
        )

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected = False
        if not self.stopping.is_set():
            logger.warning("mqtt disconnected (%s); paho reconnects with backoff", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        self.inbox.put((self.generation, message.mid, message.qos, message.topic, message.payload))

    # --- the loop (main thread) ------------------------------------------------------------------
    def stop(self, *args: Any) -> None:
        self.stopping.set()

    def run(self) -> None:
        url = urlparse(self.options.url)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.options.session_expiry
        props.ReceiveMaximum = min(65535, max(100, self.options.batch_size * 2))
        self.client.connect_async(
            url.hostname or "127.0.0.1",
            url.port or 1883,
            keepalive=30,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()
        try:
            while not self.stopping.is_set():
                batch = self._collect()
                if batch:
                    self._process(batch)
                self._progress()
                if self._idle_too_long():
                    break
            # Drain: what has already arrived is stored and acknowledged before disconnecting.
            rest = self._take_all()
            if rest:
                self._process(rest)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            self.store.close()
            self._progress(force=True)

    def _idle_too_long(self) -> bool:
        idle = self.options.exit_when_idle
        return idle is not None and time.monotonic() - self.last_message > idle

    def _take_all(self) -> list:
        items = []
        while True:
            try:
                items.append(self.inbox.get_nowait())
            except queue.Empty:
                return items

    def _collect(self) -> list:
        """Up to batch_size messages, waiting at most batch_ms after the first one."""
        try:
            first = self.inbox.get(timeout=0.25)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.options.batch_ms / 1000
        while len(batch) < self.options.batch_size:
            try:
                batch.append(self.inbox.get_nowait())
                continue
            except queue.Empty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _process(self, batch: list) -> None:
        self.received += len(batch)
        self.last_message = time.monotonic()
        parsed = []
        for _, _, _, topic, payload in batch:
            result = parse_message(topic, payload)
            if isinstance(result, Rejected):
                self.dropped[result.reason] += 1
                logger.debug("mqtt message on %s dropped: %s", topic, result.detail)
            else:
                parsed.append(result)
        if parsed:
            self._store(parsed)
        self._ack(batch)

    def _points(self, parsed: list) -> list[Point]:
        locations = self.machines.locations({t.machine_id for t in parsed})
        points = []
        for t in parsed:
            location = locations.get(t.machine_id)
            if location is None:
                self.dropped[Reason.UNKNOWN_MACHINE] += 1
                continue
            points.append(
                Point(t.machine_id, t.timestamp, t.sensor_type, location, t.temperature, t.pressure, t.speed)
            )
        return points

    def _store(self, parsed: list) -> None:
        """Write until the store takes it (backing off), unless told to stop meanwhile."""
        delay = 0.5
        dropped_before = self.dropped[Reason.UNKNOWN_MACHINE]
        while True:
            try:
                points = self._points(parsed)
                if points:
                    self.store.write(points)
                self.stored += len(points)
                return
            except IntegrityError:
                # A machine was deleted since it was cached: look them all up again.
                self.dropped[Reason.UNKNOWN_MACHINE] = dropped_before
                self.machines.clear()
                close_old_connections()
                continue
            except (StoreUnavailable, DatabaseError) as exc:
                self.dropped[Reason.UNKNOWN_MACHINE] = dropped_before
                logger.warning("store write failed (%s); retrying in %.1fs", exc, delay)
                connection.close()
            if self.stopping.wait(delay):
                # Stopping with the store down: nothing is acknowledged, the broker keeps it all.
                raise SystemExit("mqtt_subscribe: store unavailable while stopping; unacknowledged")
            delay = min(delay * 2, 30.0)

    def _ack(self, batch: list) -> None:
        current = self.generation
        for generation, mid, qos, _, _ in batch:
            if qos and generation == current:
                self.client.ack(mid, qos)
                self.acked += 1

    # --- reporting -------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "received": self.received,
            "stored": self.stored,
            "acked": self.acked,
            "dropped": dict(self.dropped),
            "pending": self.inbox.qsize(),
        }

    def _progress(self, force: bool = False) -> None:
        now = time.monotonic()
        elapsed = now - self._progress_at
        if not force and elapsed < self.options.progress_seconds:
            return
        rate = (self.received - self._progress_received) / elapsed if elapsed > 0 else 0.0
        self._progress_at, self._progress_received = now, self.received
        stats = self.stats()
        dropped = ", ".join(f"{k}={v}" for k, v in sorted(self.dropped.items())) or "none"
        line = (
            f"mqtt_subscribe: {rate:.0f} msg/s, received={stats['received']} stored={stats['stored']} "
            f"acked={stats['acked']} pending={stats['pending']} dropped: {dropped} "
            f"connected={stats['connected']}"
        )
        if self.out is not None:
            self.out.write(line + "\n")
            self.out.flush()
        heartbeat.beat(stats)
