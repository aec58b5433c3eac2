"""The apps' own knobs: machines' time-series store, MQTT subscriber and ingest bounds, maintenance's
orders and images, sensors' idempotency window, the admin dashboard's refresh."""

from __future__ import annotations

from config.settings.base import env

# --- Time series and MQTT (machines app) ----------------------------------------------------
INFLUXDB_URL = env.str("INFLUXDB_URL", default="")
INFLUXDB_TOKEN = env.str("INFLUXDB_TOKEN", default="")
INFLUXDB_ORG = env.str("INFLUXDB_ORG", default="factory")
INFLUXDB_BUCKET = env.str("INFLUXDB_BUCKET", default="sensor_data")
MQTT_URL = env.str("MQTT_URL", default="mqtt://127.0.0.1:1883")
MQTT_TOPIC = env.str("MQTT_TOPIC", default="factory/+/machine/+/telemetry")
MQTT_CLIENT_ID = env.str("MQTT_CLIENT_ID", default="facility-ingest")
MQTT_SHARED_GROUP = env.str("MQTT_SHARED_GROUP", default="")
MQTT_QOS = env.int("MQTT_QOS", default=1)
# The subscriber's own batch is the store's write batch: up to N messages or T ms, then ack.
MQTT_BATCH_SIZE = env.int("MQTT_BATCH_SIZE", default=5000)
MQTT_BATCH_MS = env.int("MQTT_BATCH_MS", default=200)
MQTT_SESSION_EXPIRY = env.int("MQTT_SESSION_EXPIRY", default=7 * 24 * 3600)
MQTT_PROGRESS_SECONDS = env.float("MQTT_PROGRESS_SECONDS", default=5.0)
MQTT_HEARTBEAT_FILE = env.str("MQTT_HEARTBEAT_FILE", default="")
# The MQTT subscriber beats its heartbeat every MQTT_HEARTBEAT_SECONDS (a killed one is stale after
# MQTT_HEARTBEAT_MAX_AGE); while the store is down it probes it every MQTT_STORE_PROBE_SECONDS and
# retries as soon as it answers (its backoff restarts then).
MQTT_HEARTBEAT_SECONDS = env.float("MQTT_HEARTBEAT_SECONDS", default=1.0)
MQTT_HEARTBEAT_MAX_AGE = env.int("MQTT_HEARTBEAT_MAX_AGE", default=5)
MQTT_STORE_PROBE_SECONDS = env.float("MQTT_STORE_PROBE_SECONDS", default=0.5)
# /health/ready fails for a subscriber that is absent, stopped, stale, disconnected or stalled only
# where a subscriber must run (MQTT_HEARTBEAT_REQUIRED is the former name, still read).
MQTT_SUBSCRIBER_REQUIRED = env.bool(
    "MQTT_SUBSCRIBER_REQUIRED", default=env.bool("MQTT_HEARTBEAT_REQUIRED", default=False)
)
# Messages waiting this long without a store (a batch that does not go in, or only drops) = stalled.
MQTT_SUBSCRIBER_STALL_SECONDS = env.int("MQTT_SUBSCRIBER_STALL_SECONDS", default=60)
# The subscriber's own Prometheus port (0 = none); loopback by default, a container scraped from its
# network sets 0.0.0.0.
MQTT_METRICS_PORT = env.int("MQTT_METRICS_PORT", default=0)
MQTT_METRICS_ADDR = env.str("MQTT_METRICS_ADDR", default="127.0.0.1")
# HTTP ingest bounds (README, Machines): readings per request and distinct (machine, hour) rollup
# rows per request, both answered 413 past the cap; requests per user (DRF rate string).
INGEST_MAX_READINGS = env.int("INGEST_MAX_READINGS", default=10_000)
INGEST_MAX_HOURS = env.int("INGEST_MAX_HOURS", default=2_000)
THROTTLE_INGEST = env.str("THROTTLE_INGEST", default="120/min")

# --- Maintenance (spare parts and service orders) ---------------------------------------------
# Seconds during which a repeated order `request_id` returns the original order.
ORDER_IDEMPOTENCY_WINDOW = env.int("ORDER_IDEMPOTENCY_WINDOW", default=100)
# Seconds during which an `Idempotency-Key` header replays its order (per caller).
ORDER_IDEMPOTENCY_KEY_WINDOW = env.int("ORDER_IDEMPOTENCY_KEY_WINDOW", default=24 * 3600)
MAINTENANCE_IMAGE_MAX_BYTES = env.int("MAINTENANCE_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
LOW_STOCK_REPORT_RECIPIENTS = env.list("LOW_STOCK_REPORT_RECIPIENTS", default=[])

# --- Sensors ------------------------------------------------------------------------------------
# Seconds during which an `Idempotency-Key` on POST /api/sensor-data/ replays its reading (per caller).
SENSORS_IDEMPOTENCY_KEY_WINDOW = env.int("SENSORS_IDEMPOTENCY_KEY_WINDOW", default=24 * 3600)

# --- Admin dashboard ------------------------------------------------------------------------------
# Seconds between the admin index's refreshes of its figures (config/static/platform/dashboard.js);
# 0 = no polling (the figures are those of the page load).
DASHBOARD_REFRESH_SECONDS = env.int("DASHBOARD_REFRESH_SECONDS", default=30)
