"""Time-series store: one interface, a SQL backend (default) and an InfluxDB 2 backend.

`get_store()` picks the backend from the settings: InfluxDB when `INFLUXDB_URL` is set, else the
SQL table in the project's own database.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.signals import setting_changed

from machines.timeseries.base import Page, Point, Query, TimeSeriesStore, dedupe

_lock = threading.Lock()
_store: TimeSeriesStore | None = None


def build_store() -> TimeSeriesStore:
    if settings.INFLUXDB_URL:
        from machines.timeseries.influx import InfluxStore

        return InfluxStore(
            url=settings.INFLUXDB_URL,
            token=settings.INFLUXDB_TOKEN,
            org=settings.INFLUXDB_ORG,
            bucket=settings.INFLUXDB_BUCKET,
        )
    from machines.timeseries.sql import SQLStore

    return SQLStore()


def get_store() -> TimeSeriesStore:
    """The process's store (one InfluxDB client per process, not one per request)."""
    global _store
    if _store is None:
        with _lock:
            if _store is None:
                _store = build_store()
    return _store


def reset_store(**kwargs) -> None:
    global _store
    with _lock:
        if _store is not None:
            _store.close()
        _store = None


def _on_setting_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("INFLUXDB_"):
        reset_store()


setting_changed.connect(_on_setting_changed)

__all__ = ["Page", "Point", "Query", "TimeSeriesStore", "dedupe", "get_store", "reset_store"]
