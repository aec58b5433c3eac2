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
- Transport only: the network thread only enqueues; the main thread parses (machines/mqtt.py),
  hands the batch to the ingest service (machines/services/ingest.py `telemetry_store`: machine
  lookup, points, the store write, the same rules as HTTP) and acknowledges. A reconnect bumps a
  connection epoch: messages received on an earlier connection are stored but not
  acknowledged (their packet ids belong to a dead connection; the broker redelivers them and the
  upsert absorbs the repeat).
- One message can never stop the loop: whatever its parse raises makes it a `bad_value`; a store
  error caused by the data (machines/timeseries/errors.py: DataError, IntegrityError, a ValueError,
  InfluxDB 400/413/422, anything that is not an outage) splits the batch in halves until the
  refused messages are found; those are dropped as `store_rejected` (logged), the rest stored,
  all acknowledged. Only an outage (a connection-level, server or schema error, a timeout, the
  machine lookup failing) is retried with backoff, unacknowledged.
- Its settings are `Options` (machines/subscriber_options.py); its counters, heartbeat and progress
  line are `SubscriberReport` (machines/subscriber_report.py).
- SIGTERM/SIGINT: stop taking new batches, store and acknowledge what has arrived, disconnect, and
  leave a heartbeat that says "stopped" (so readiness reports it stopped, not failing).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import IntegrityError, connection
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from config import metrics
from machines import selectors, services
from machines.mqtt import Reason, Rejected, TelemetryMessage, parse_message
from machines.subscriber_options import Options
from machines.subscriber_report import SubscriberReport
from machines.timeseries import TimeSeriesStore
from machines.timeseries.errors import causes as _causes
from machines.timeseries.errors import is_outage

logger = logging.getLogger(__name__)


class _MachineDeleted(Exception):
    """A foreign key refused a point: a machine was deleted since it was cached."""


@dataclass(slots=True)
class _Attempt:
    """What one try at storing a batch did; merged into the counters only if no outage cut it short
    (a retried batch must not count its drops and stores twice)."""

    stored: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[TelemetryMessage, str]] = field(default_factory=list)


class Subscriber(SubscriberReport):
    """Consume telemetry into the store until stopped (see the module docstring); its counters
    are reported by machines/subscriber_report.py (heartbeat, progress line)."""

    def __init__(self, options: Options, store: TimeSeriesStore, out: TextIO | None = None) -> None:
        self.options = options
        self.topics = options.topics  # refuses a filter whose wildcards cannot be mapped
        self.store = store
        self.out = out
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.stopping = threading.Event()
        self.connection_epoch = 0
        self.connected = False
        self.received = 0
        self.stored = 0
        self.acked = 0
        self.dropped: Counter[str] = Counter()
        self.last_message = time.monotonic()
        # Wall-clock times for the heartbeat (readiness compares them with its own clock).
        self.started_at = time.time()
        self.last_received_at: float | None = None  # set by the network thread
        self.last_stored_at: float | None = None
        self.progress_at = self.started_at  # the last batch dealt with (stored or dropped)
        self.unstored_since: float | None = None  # messages dealt with since, none of them stored
        self.in_hand = 0  # messages taken from the inbox and not yet stored or dropped
        self.store_error: str | None = None  # the outage being retried, if any
        self.state = "running"
        self._progress_at = time.monotonic()
        self._beat_at = 0.0
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
        self.connection_epoch += 1
        self.connected = True
        # Retained messages only when the subscription is new: a reconnect to the persistent
        # session does not replay the topic's retained message every time.
        options = SubscribeOptions(
            qos=self.options.qos, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB
        )
        client.subscribe(self.options.subscription, options=options)
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
        self.last_received_at = time.time()
        self.inbox.put((self.connection_epoch, message.mid, message.qos, message.topic, message.payload))

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
            connection.close()  # this thread's connection: a stopped subscriber holds none open
            self.connected = False
            self.state = "stopped"
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

    def _parse(self, topic: str, payload: bytes) -> TelemetryMessage | Rejected:
        """parse_message never raises; this guard keeps that true for the loop whatever a check does."""
        try:
            return parse_message(topic, payload, self.topics)
        except Exception as exc:
            return Rejected(Reason.BAD_VALUE, f"unparseable ({exc.__class__.__name__}: {exc})"[:300])

    def _process(self, batch: list) -> None:
        self.received += len(batch)
        self.in_hand = len(batch)
        self.last_message = time.monotonic()
        parsed = []
        for _, _, _, topic, payload in batch:
            result = self._parse(topic, payload)
            if isinstance(result, Rejected):
                self.dropped[result.reason] += 1
                metrics.count_readings("mqtt", 0, {result.reason: 1})
                level = logging.WARNING if result.detail.startswith("unparseable") else logging.DEBUG
                logger.log(level, "mqtt message on %s dropped (%s): %s", topic, result.reason, result.detail)
            else:
                parsed.append(result)
        stored = self._store(parsed) if parsed else 0
        self._ack(batch)
        self.in_hand = 0
        now = time.time()
        self.progress_at = now
        if stored:
            self.unstored_since = None
        elif self.unstored_since is None:
            self.unstored_since = now

    def _store(self, parsed: list[TelemetryMessage]) -> int:
        """Store the batch, dropping what the store refuses; an outage is retried with backoff until
        the store takes it, unless told to stop meanwhile. Returns how many points were stored."""
        delay = 0.5
        refreshed = False
        while True:
            attempt = _Attempt()
            try:
                self._write(parsed, attempt, may_refresh=not refreshed)
            except _MachineDeleted:
                # A machine was deleted since it was cached: look them all up again, once.
                refreshed = True
                try:
                    selectors.machine_records_forget()
                except Exception:
                    # The cache is down: the retry's lookup fails too and is retried as an outage.
                    logger.warning("could not drop the cached machine records", exc_info=True)
                continue
            except Exception as exc:
                self.store_error = f"{exc.__class__.__name__}: {exc}"[:300]
            else:
                self.store_error = None
            if self.store_error is not None:
                logger.warning("store write failed (%s); retrying in %.1fs", self.store_error, delay)
                connection.close()
                self._progress()
                answered = self._wait_for_store(delay)
                if self.stopping.is_set():
                    # Stopping with the store down: nothing is acknowledged, the broker keeps it all.
                    raise SystemExit("mqtt_subscribe: store unavailable while stopping; unacknowledged")
                # The backoff restarts once the store answers again: no sleeping past a recovery.
                delay = 0.5 if answered else min(delay * 2, 30.0)
                continue
            self.stored += attempt.stored
            self.dropped.update(attempt.dropped)
            metrics.count_readings("mqtt", attempt.stored, attempt.dropped)
            for reading, why in attempt.rejected:
                logger.warning(
                    "mqtt message dropped (%s): machine %s at %s, sensor_type %r: %s",
                    Reason.STORE_REJECTED,
                    reading.machine_id,
                    reading.timestamp.isoformat(),
                    reading.sensor_type,
                    why,
                )
            return attempt.stored

    def _wait_for_store(self, delay: float) -> bool:
        """Wait up to `delay` seconds before retrying a batch, probing the database and the store
        every MQTT_STORE_PROBE_SECONDS (and beating the heartbeat): True as soon as both answer, so
        the retry follows a recovery within one probe instead of the rest of a long backoff."""
        deadline = time.monotonic() + delay
        step = max(0.05, float(getattr(settings, "MQTT_STORE_PROBE_SECONDS", 0.5)))
        while not self.stopping.wait(max(0.0, min(step, deadline - time.monotonic()))):
            try:
                connection.ensure_connection()
                self.store.check()
            except Exception:
                connection.close()
                self._progress()
                if time.monotonic() >= deadline:
                    return False
                continue
            return True
        return False

    def _write(self, parsed: list[TelemetryMessage], attempt: _Attempt, may_refresh: bool) -> None:
        """Store the telemetry through the ingest service; when the store refuses it for its data,
        split it in halves until each refused message stands alone, and drop those. An outage
        propagates (the whole batch is retried: the halves already written are upserts, so writing
        them again changes nothing)."""
        if not parsed:
            return
        try:
            result = services.telemetry_store(
                readings=parsed, source="mqtt", actor=None, store=self.store, count_metrics=False
            )
        except Exception as exc:
            if is_outage(exc):
                raise
            if may_refresh and any(isinstance(error, IntegrityError) for error in _causes(exc)):
                raise _MachineDeleted from exc
            refused = f"{exc.__class__.__name__}: {_causes(exc)[-1]}".splitlines()[0][:300]
        else:
            attempt.stored += result.stored
            attempt.dropped.update(result.dropped)
            if result.stored:
                self.last_stored_at = time.time()
            return
        # Outside the except block, so an outage in a half does not carry this refusal as context.
        if len(parsed) == 1:
            attempt.dropped[Reason.STORE_REJECTED] += 1
            attempt.rejected.append((parsed[0], refused))
            return
        middle = len(parsed) // 2
        self._write(parsed[:middle], attempt, may_refresh)
        self._write(parsed[middle:], attempt, may_refresh)

    def _ack(self, batch: list) -> None:
        current = self.connection_epoch
        for epoch, mid, qos, _, _ in batch:
            if qos and epoch == current:
                self.client.ack(mid, qos)
                self.acked += 1


__all__ = ["Options", "Subscriber", "is_outage"]
