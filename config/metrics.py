"""Prometheus metrics (README "Metrics"): every metric of the project, the request middleware, /metrics.

prometheus_client directly rather than django-prometheus: django-prometheus times the database by
replacing the ENGINE with its own backend, and this project's engine is config.db.postgresql (the
socket-polling health check); here a per-request `execute_wrapper` times the queries of any engine,
and a django-redis client class times the cache. Domain code calls the counters below, one line each.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django_redis.client import DefaultClient
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)

# --- HTTP, database, cache --------------------------------------------------------------------------
REQUESTS = Counter(
    "facility_http_requests_total", "Requests answered, per view.", ["view", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "facility_http_request_duration_seconds", "Request latency, per view.", ["view", "method"]
)
DB_SECONDS = Histogram("facility_db_query_duration_seconds", "Database statement time.", ["alias"])
CACHE_SECONDS = Histogram(
    "facility_cache_operation_duration_seconds", "Redis cache call time.", ["operation"]
)
# --- Domain ---------------------------------------------------------------------------------------------
LOCK_CHANGES = Counter("facility_lock_status_changes_total", "Lock status changes applied.")
LOCK_CONFLICTS = Counter("facility_lock_conflicts_total", "Lock changes refused: stale version (409).")
OTP_OUTCOMES = Counter(
    "facility_otp_outcomes_total", "OTP generate and verify outcomes.", ["action", "outcome"]
)
ORDERS = Counter("facility_orders_total", "Service order attempts, by outcome.", ["outcome"])
READINGS_INGESTED = Counter("facility_readings_ingested_total", "Telemetry readings stored.", ["source"])
READINGS_DROPPED = Counter(
    "facility_readings_dropped_total", "Telemetry readings dropped.", ["source", "reason"]
)


def count_readings(source: str, stored: int, dropped: dict[str, int] | None = None) -> None:
    """Readings stored and dropped (by reason) by one write of `source` (http or mqtt)."""
    if stored:
        READINGS_INGESTED.labels(source).inc(stored)
    for reason, number in (dropped or {}).items():
        READINGS_DROPPED.labels(source, str(reason)).inc(number)


# --- Request middleware -----------------------------------------------------------------------------
def _time_query(alias: str) -> Callable[..., Any]:
    histogram = DB_SECONDS.labels(alias)

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            histogram.observe(time.perf_counter() - start)

    return wrapper


class MetricsMiddleware:
    """Outermost: counts and times each request under its URL pattern's name, and its queries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(_time_query(alias)))
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The pattern's name (or route), never the raw path: ids would make one series per object.
        view = (match.view_name or match.route) if match else "unresolved"
        REQUEST_SECONDS.labels(view, request.method).observe(time.perf_counter() - start)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        return response


# --- Cache timing --------------------------------------------------------------------------------------
_TIMED = (
    "get",
    "set",
    "add",
    "delete",
    "get_many",
    "set_many",
    "delete_many",
    "incr",
    "touch",
    "ttl",
    "has_key",
)


class TimedRedisClient(DefaultClient):
    """django-redis' client with each call's time observed (CACHES[...]["OPTIONS"]["CLIENT_CLASS"])."""


def _timed(name: str) -> Callable[..., Any]:
    method = getattr(DefaultClient, name)
    histogram = CACHE_SECONDS.labels(name)

    def call(self: DefaultClient, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            histogram.observe(time.perf_counter() - start)

    call.__name__ = name
    return call


for _name in _TIMED:
    setattr(TimedRedisClient, _name, _timed(_name))


# --- Exposition ------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def scrape_allowed(request: HttpRequest) -> bool:
    """METRICS_TOKEN as a bearer token, or REMOTE_ADDR in METRICS_ALLOWED_IPS; neither set: nobody."""
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


def _registry() -> CollectorRegistry:
    """This process's metrics, or every gunicorn worker's with PROMETHEUS_MULTIPROC_DIR set."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: the text exposition format; 404 to a caller the settings do not name."""
    if not scrape_allowed(request):
        # 404, not 401/403: an unconfigured or refused scrape reveals nothing about the endpoint.
        return HttpResponse(status=404)
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def serve_subscriber_metrics(port: int | None = None) -> Any:
    """The MQTT subscriber's own metrics port (MQTT_METRICS_PORT; 0 = off): (server, thread) or None."""
    port = settings.MQTT_METRICS_PORT if port is None else port
    if not port:
        return None
    return start_http_server(port, addr=settings.MQTT_METRICS_ADDR)
